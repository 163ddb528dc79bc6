"""The threads that sync fan-out runs on (batch items, parallel branches, ``batch_as_completed``)
and that coroutine handlers run on when a sync call is made inside a running event loop.

A thread pool per call started a thread per item and joined it at the end (a thread start is
0.1-1.5 ms on a loaded machine, more than the item's own work). One process-wide pool keeps its
threads and reuses idle ones. It must never deadlock when a pooled task fans out again and waits
(a parallel inside a batch item): a task submitted while no thread is idle gets a new thread
(``ThreadPoolExecutor`` reuses idle threads before it starts new ones, and its bound is never
reached), so a waiting task never holds up a queued one. ``max_concurrency`` is kept per call,
by running a call's items in at most that many lanes, not by the pool's size.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, Final

__all__ = ["THREAD_NAME_PREFIX", "run_all", "start_all", "submit"]

THREAD_NAME_PREFIX: Final = "reference-worker"
#: Far above any concurrency a process reaches: the pool grows to its peak and stays there.
_MAX_THREADS: Final = 1 << 16


def _new_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix=THREAD_NAME_PREFIX)


_pool = _new_pool()


def _after_fork() -> None:
    """A forked child has none of the parent's threads: give it a pool of its own."""
    global _pool
    _pool = _new_pool()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def submit(call: Callable[[], Any]) -> Future[Any]:
    """Start one call on the pool (a streamed parallel's next step of one branch)."""
    return _pool.submit(call)


def start_all(calls: Sequence[Callable[[], Any]], limit: int | None) -> list[Future[Any]]:
    """Start every call on the pool, at most ``limit`` at once (None: all at once); one future
    per call, in order. A future cancelled before its call started never runs it."""
    if limit is None or limit >= len(calls):
        submit = _pool.submit
        return [submit(call) for call in calls]
    futures: list[Future[Any]] = [Future() for _ in calls]
    turns = itertools.count()  # next() on a count is atomic under the GIL

    def lane() -> None:
        for i in turns:
            if i >= len(calls):
                return
            future = futures[i]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = calls[i]()
            except BaseException as exc:  # handed to the caller through the future
                future.set_exception(exc)
            else:
                future.set_result(result)

    for _ in range(limit):
        _pool.submit(lane)
    return futures


def run_all(calls: Sequence[Callable[[], Any]], limit: int | None) -> list[Future[Any]]:
    """:func:`start_all`, then wait until every call has ended."""
    futures = start_all(calls, limit)
    wait(futures)
    return futures
