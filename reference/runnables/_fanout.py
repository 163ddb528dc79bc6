"""A streamed parallel's branches advanced concurrently, each chunk yielded as it arrives.

Each branch's stream is stepped on the worker pool (sync) or in a task (async),
one step at a time, and every chunk comes out as ``{key: chunk}`` as soon as
its step ends, so a fast branch's chunks do not wait for a slow one's. At most
``limit`` branches are under way at once (``max_concurrency``); the others
start, in declaration order, as lanes free up.

Branch failures follow the invoke path's rules (R7.6, R8): after one, no more
chunks are yielded, the other branches run to their end, then the first failed
branch in declaration order raises. When our consumer stops early, the steps
under way finish, then every branch stream is closed, so each branch run ends
once (with an error event carrying the ``GeneratorExit``) before the
parallel's own run does.
"""

from __future__ import annotations

import asyncio
import contextvars
import itertools
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from typing import Any, Final

from reference._workers import submit
from reference.runnables._addable import AddableDict
from reference.runnables._streams import aclose_iter, close_iter

__all__ = ["ainterleave", "aread_input", "interleave", "read_input"]

_END: Final[Any] = object()


def read_input(source: Iterator[Any]) -> list[Any]:
    """The whole input stream of a runnable that runs children at once, read where its own
    chunks are yielded, before any child starts.

    Read by the children instead (a copy each, pulled from their threads or tasks), an upstream
    step failing there would deliver its error event while our consumer still passes an earlier
    chunk on, so a later step could start after that failure (R8). Read here, the failure
    raises before anything is yielded.
    """
    try:
        return list(source)
    finally:
        close_iter(source)


async def aread_input(source: AsyncIterator[Any]) -> list[Any]:
    """Async twin of :func:`read_input`."""
    try:
        return [chunk async for chunk in source]
    finally:
        await aclose_iter(source)


def interleave(
    keys: Sequence[str], streams: Sequence[Iterator[Any]], limit: int | None
) -> Iterator[AddableDict]:
    """``{keys[i]: chunk}`` for each chunk of ``streams[i]``, in the order they arrive."""
    waiting = iter(range(len(streams)))
    # One context per branch: its steps run one after another, each in a pool thread.
    contexts = [contextvars.copy_context() for _ in streams]
    pending: dict[Future[Any], int] = {}

    def advance(i: int) -> None:
        pending[submit(partial(contexts[i].run, next, streams[i], _END))] = i

    for i in itertools.islice(waiting, limit or len(streams)):
        advance(i)
    errors: dict[int, BaseException] = {}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                i = pending.pop(future)
                error = future.exception()
                if error is None and (chunk := future.result()) is not _END:
                    if not errors:
                        yield AddableDict({keys[i]: chunk})
                    advance(i)
                    continue
                if error is not None:
                    errors[i] = error
                for j in itertools.islice(waiting, 1):  # a lane is free: the next branch
                    advance(j)
    finally:
        if pending:  # stopped early: a running step cannot be interrupted, let it end
            wait(pending)
        for stream in streams:
            close_iter(stream)
    if errors:
        raise errors[min(errors)]


async def _step(stream: AsyncIterator[Any]) -> Any:
    return await anext(stream, _END)


async def ainterleave(
    keys: Sequence[str], streams: Sequence[AsyncIterator[Any]], limit: int | None
) -> AsyncIterator[AddableDict]:
    """Async twin of :func:`interleave`, each step of a branch in its own task.

    A cancellation of our consumer cancels the steps under way (their branch
    runs end with the ``CancelledError``), then closes every branch.
    """
    waiting = iter(range(len(streams)))
    pending: dict[asyncio.Future[Any], int] = {}

    def advance(i: int) -> None:
        pending[asyncio.ensure_future(_step(streams[i]))] = i

    for i in itertools.islice(waiting, limit or len(streams)):
        advance(i)
    errors: dict[int, BaseException] = {}
    try:
        while pending:
            done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=pending.__getitem__):
                i = pending.pop(task)
                error = task.exception()
                if error is None and (chunk := task.result()) is not _END:
                    if not errors:
                        yield AddableDict({keys[i]: chunk})
                    advance(i)
                    continue
                if error is not None:
                    errors[i] = error
                for j in itertools.islice(waiting, 1):
                    advance(j)
    except asyncio.CancelledError:
        for task in pending:
            task.cancel()
        raise
    finally:
        if pending:
            await asyncio.wait(pending)
            for task in pending:  # retrieved: no "exception never retrieved" warnings
                if not task.cancelled():
                    task.exception()
        for stream in streams:
            await aclose_iter(stream)
    if errors:
        raise errors[min(errors)]
