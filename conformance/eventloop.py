"""One event loop per thread, reused by every async call the harness makes.

``asyncio.run`` per call starts a loop and, when the engine runs sync handlers in the loop's
executor, a worker thread it then joins: about 10 ms a call, more than the scenario itself.
:func:`run` keeps an :class:`asyncio.Runner` per thread instead and leaves what ``asyncio.run``
guarantees intact for each call: its own context copy, and no task outliving it (tasks the call
left pending are cancelled and awaited before it returns, as ``asyncio.run`` does, so an engine's
abandoned tasks end inside the call that started them, not in a later scenario).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import sys
import threading
import weakref
from collections.abc import AsyncGenerator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

__all__ = ["EXECUTOR_THREAD_PREFIX", "run"]

#: The names of the threads of the loops' default executors (``run_in_executor(None, ...)``),
#: which live as long as their loop: they are the harness's, not an engine's leftovers.
EXECUTOR_THREAD_PREFIX = "conformance-loop-executor"

T = TypeVar("T")

_LOCAL = threading.local()
_RUNNERS: list[asyncio.Runner] = []
_RUNNERS_LOCK = threading.Lock()


def _runner() -> asyncio.Runner:
    runner: asyncio.Runner | None = getattr(_LOCAL, "runner", None)
    if runner is None or _broken(runner):
        runner = asyncio.Runner()
        runner.get_loop().set_default_executor(
            ThreadPoolExecutor(thread_name_prefix=EXECUTOR_THREAD_PREFIX))
        _LOCAL.runner = runner
        with _RUNNERS_LOCK:
            _RUNNERS.append(runner)
    return runner


def _broken(runner: asyncio.Runner) -> bool:
    """A runner whose loop was closed or stopped for good (by the code it ran)."""
    try:
        return runner.get_loop().is_closed()
    except RuntimeError:  # "Runner is closed"
        return True


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion on this thread's loop, like ``asyncio.run``.

    One task runs the call and then its clean-up, in a copy of the caller's context (as
    ``asyncio.run``); the loop is driven with ``run_until_complete``, not ``Runner.run``, which
    installs and removes a SIGINT handler on every call (four times the cost of the call)."""
    loop = _runner().get_loop()
    task = loop.create_task(_whole(coro), context=contextvars.copy_context())
    try:
        return loop.run_until_complete(task)
    finally:
        if not task.done() and not loop.is_closed() and not loop.is_running():
            # Interrupted (KeyboardInterrupt, a stopped loop): let the call and its clean-up
            # end before this returns, as asyncio.run does.
            task.cancel()
            with contextlib.suppress(BaseException):
                loop.run_until_complete(task)


async def _whole(coro: Coroutine[Any, Any, T]) -> T:
    generators: weakref.WeakSet[AsyncGenerator[Any, Any]] = weakref.WeakSet()
    try:
        return await _noting_generators(coro, generators)
    finally:
        await _finish(generators)


async def _noting_generators(coro: Coroutine[Any, Any, T],
                             generators: weakref.WeakSet[AsyncGenerator[Any, Any]]) -> T:
    """Await ``coro``, noting the async generators first iterated meanwhile on this thread (the
    loop's own hook still sees them), so that :func:`_finish` can close the ones left open."""
    hooks = sys.get_asyncgen_hooks()

    def firstiter(generator: AsyncGenerator[Any, Any]) -> None:
        generators.add(generator)
        if hooks.firstiter is not None:
            hooks.firstiter(generator)

    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=hooks.finalizer)
    try:
        return await coro
    finally:
        sys.set_asyncgen_hooks(firstiter=hooks.firstiter, finalizer=hooks.finalizer)


async def _finish(generators: weakref.WeakSet[AsyncGenerator[Any, Any]]) -> None:
    """What ``asyncio.run`` does after its coroutine: cancel the tasks left and wait for them,
    then close the async generators left open; tasks those steps start do not outlive it."""
    me = asyncio.current_task()
    for _ in range(2):
        pending = [t for t in asyncio.all_tasks() if t is not me]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if generators:
            await asyncio.gather(*(g.aclose() for g in list(generators)),
                                 return_exceptions=True)
            generators.clear()


@atexit.register
def _close_all() -> None:
    with _RUNNERS_LOCK:
        runners = list(_RUNNERS)
        _RUNNERS.clear()
    for runner in runners:
        if _broken(runner):
            continue
        with contextlib.suppress(Exception):  # a loop a stuck thread still runs
            runner.close()
