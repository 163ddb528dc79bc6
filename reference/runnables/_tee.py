"""One input stream read by several consumers at their own pace: a parallel's branches.

``itertools.tee`` is not safe across threads, and has no async twin. Here every
reader gets every item once, in order, whichever reader (thread or task) pulls
the source first; the source is pulled under a lock, one item at a time. An
error the source raises reaches every reader that gets that far, so each
branch reading a failed input fails with the very exception (R8).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator
from typing import Any, Final

__all__ = ["atee", "tee"]

_END: Final[Any] = object()


class _Shared:
    """The source's state shared by the readers: their buffers and how it ended."""

    __slots__ = ("buffers", "ended", "error")

    def __init__(self, n: int) -> None:
        self.buffers: Final = [deque[Any]() for _ in range(n)]
        self.ended = False
        self.error: BaseException | None = None

    def put(self, item: Any) -> None:
        for buffer in self.buffers:
            buffer.append(item)

    def take(self, i: int) -> Any:
        """Reader ``i``'s next buffered item, or ``_END`` when its buffer is empty and the
        source ended (raising the source's error, if it failed)."""
        buffer = self.buffers[i]
        if buffer:
            return buffer.popleft()
        if self.error is not None:
            raise self.error
        return _END


def tee(source: Iterator[Any], n: int) -> list[Iterator[Any]]:
    """``n`` readers of ``source``, each safe to advance from any thread."""
    shared = _Shared(n)
    lock = threading.Lock()

    def pull(i: int) -> Any:
        with lock:
            if shared.buffers[i] or shared.ended:
                return shared.take(i)
            try:
                item = next(source, _END)
            except BaseException as exc:
                shared.ended, shared.error = True, exc
                raise
            if item is _END:
                shared.ended = True
                return _END
            shared.put(item)
            return shared.take(i)

    def reader(i: int) -> Iterator[Any]:
        buffer = shared.buffers[i]
        while True:
            # Only this reader pops from its buffer: a non-empty one needs no lock.
            item = buffer.popleft() if buffer else pull(i)
            if item is _END:
                return
            yield item

    return [reader(i) for i in range(n)]


def atee(source: AsyncIterator[Any], n: int) -> list[AsyncIterator[Any]]:
    """Async twin of :func:`tee`: ``n`` readers of ``source``, each safe to advance from any
    task of the loop."""
    shared = _Shared(n)
    lock = asyncio.Lock()

    async def pull(i: int) -> Any:
        async with lock:
            if shared.buffers[i] or shared.ended:
                return shared.take(i)
            try:
                item = await anext(source, _END)
            except BaseException as exc:
                shared.ended, shared.error = True, exc
                raise
            if item is _END:
                shared.ended = True
                return _END
            shared.put(item)
            return shared.take(i)

    async def reader(i: int) -> AsyncIterator[Any]:
        buffer = shared.buffers[i]
        while True:
            item = buffer.popleft() if buffer else await pull(i)
            if item is _END:
                return
            yield item

    return [reader(i) for i in range(n)]
