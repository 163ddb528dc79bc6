"""Running sync functions from async code or on threads without losing the current run.

The run a function belongs to is held in a context variable (``_frame``); a
thread starts with an empty context, so runnables invoked there would start
root runs. These helpers run each call in a copy of the caller's context, so
such invocations nest under the caller's run (R1), as langchain_core's do.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, ParamSpec, TypeVar

from reference.runnables._config import RunnableConfig

__all__ = ["ContextThreadPoolExecutor", "get_executor_for_config", "run_in_executor"]

P = ParamSpec("P")
T = TypeVar("T")


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose calls each run in a copy of the submitting context."""

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        run: Callable[..., T] = contextvars.copy_context().run
        return super().submit(run, fn, *args, **kwargs)

    def map(
        self,
        fn: Callable[..., T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[T]:
        # One copy per call, taken from the context ``map`` was called in.
        ctx = contextvars.copy_context()

        def call(*args: Any) -> T:
            return ctx.copy().run(fn, *args)

        return super().map(call, *iterables, timeout=timeout, chunksize=chunksize)


@contextmanager
def get_executor_for_config(config: RunnableConfig | None) -> Iterator[Executor]:
    """A :class:`ContextThreadPoolExecutor` of at most ``config["max_concurrency"]`` threads,
    shut down (waiting for its calls) when the block exits."""
    with ContextThreadPoolExecutor(max_workers=(config or {}).get("max_concurrency")) as pool:
        yield pool


async def run_in_executor(
    executor_or_config: Executor | RunnableConfig | None,
    func: Callable[P, T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Await ``func(*args, **kwargs)`` run on a thread.

    With a config (its content is not used) or None: on the loop's default
    executor, in a copy of this context, so runnables invoked by ``func`` nest
    under the current run. With an executor: on it, as it runs calls (a plain
    ``ThreadPoolExecutor`` does not carry the context; ``get_executor_for_config``'s does).
    A ``StopIteration`` from ``func`` is raised as a ``RuntimeError`` from it: an
    asyncio future cannot carry it.
    """

    def call() -> T:
        try:
            return func(*args, **kwargs)
        except StopIteration as exc:
            raise RuntimeError(f"{func!r} raised StopIteration") from exc

    loop = asyncio.get_running_loop()
    if executor_or_config is None or isinstance(executor_or_config, dict):
        return await loop.run_in_executor(None, partial(contextvars.copy_context().run, call))
    return await loop.run_in_executor(executor_or_config, call)
