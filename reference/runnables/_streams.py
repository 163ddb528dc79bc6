"""Small helpers for streams: folding chunks, and closing the streams we stop consuming.

Closing matters for the run lifecycle: a stream we wrap holds open runs, and
they must end (in order, innermost first) when our consumer closes us, not
whenever the garbage collector gets to them (SPEC.md §6).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import aclosing
from typing import Any, cast

from reference.runnables._addable import AddableDict

__all__ = [
    "aclose_iter",
    "aclosing_stream",
    "add_chunks",
    "afrom",
    "aone",
    "aprepend",
    "close_iter",
    "prepend",
]


def add_chunks(chunks: Sequence[Any]) -> Any:
    """Fold streamed chunks into one value: ``+`` where defined (an ``AddableDict`` merges),
    union of plain dicts, else the last."""
    if not chunks:
        return None
    final = chunks[0]
    for chunk in chunks[1:]:
        if isinstance(final, dict) and isinstance(chunk, dict) and not isinstance(
                final, AddableDict):
            final = {**final, **chunk}
            continue
        try:
            final = final + chunk
        except TypeError:
            final = chunk
    return final


def aclosing_stream(stream: AsyncIterator[Any]) -> aclosing[Any]:
    """``contextlib.aclosing`` for a stream typed as an ``AsyncIterator`` (our async generators).

    ``async with aclosing_stream(s) as it: async for x in it: yield x`` is an
    async ``yield from`` that closes ``s`` as soon as our consumer closes us.
    """
    return aclosing(cast(Any, stream))


def close_iter(it: Any) -> None:
    """Close a generator we stop consuming, so its own runs end now, in order."""
    close = getattr(it, "close", None)
    if close is not None:
        close()


async def aclose_iter(it: Any) -> None:
    """Async twin of :func:`close_iter`."""
    aclose = getattr(it, "aclose", None)
    if aclose is not None:
        await aclose()


def prepend(first: Any, rest: Iterator[Any]) -> Iterator[Any]:
    """``first``, then ``rest``; closing us closes ``rest`` (so its runs end now)."""
    try:
        yield first
        yield from rest
    finally:
        close_iter(rest)


async def aprepend(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Async twin of :func:`prepend`."""
    async with aclosing_stream(rest) as it:
        yield first
        async for x in it:
            yield x


async def aone(x: Any) -> AsyncIterator[Any]:
    """A one-chunk async stream (what ``astream`` feeds ``atransform``)."""
    yield x


async def afrom(items: Sequence[Any]) -> AsyncIterator[Any]:
    """``items`` as an async stream."""
    for x in items:
        yield x
