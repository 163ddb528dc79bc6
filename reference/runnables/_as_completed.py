"""``batch_as_completed`` / ``abatch_as_completed``: batch items yielded as they finish.

Each item is its own run tree, exactly as in ``batch``/``abatch`` (R1, R11);
only the order results reach the caller differs: ``(index, output)`` pairs in
completion order. Every run ends before the iterator finishes (R7.7): a failed
item (without ``return_exceptions``) is raised after every started item has
ended, and closing the iterator early lets the running items finish and
never starts the others (SPEC.md §8).
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from functools import partial
from typing import TYPE_CHECKING, Any

from reference._workers import start_all
from reference.runnables._config import RunnableConfig, per_item_configs

if TYPE_CHECKING:
    from reference.runnables._base import Runnable

__all__ = ["abatch_as_completed", "batch_as_completed"]


def _fails(exc: BaseException | None, return_exceptions: bool) -> bool:
    return exc is not None and (not return_exceptions or not isinstance(exc, Exception))


def _prepare(r: Runnable[Any, Any],
             config: RunnableConfig | Sequence[RunnableConfig] | None, n: int
             ) -> tuple[Runnable[Any, Any], list[RunnableConfig | None], int | None]:
    """What both modes run for ``n`` inputs: the target, one config per item, the
    ``max_concurrency`` limit (None: no limit)."""
    target, config = r._for_batch(config, n)
    configs = per_item_configs(config, n)
    limit = configs[0].get("max_concurrency") if configs[0] else None
    return target, configs, limit


def batch_as_completed(
    r: Runnable[Any, Any],
    inputs: Sequence[Any],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> Iterator[tuple[int, Any]]:
    """Run ``r.invoke`` on every input in a thread pool; yield ``(i, result)`` as each ends."""
    inputs = list(inputs)
    if not inputs:
        return
    target, configs, limit = _prepare(r, config, len(inputs))
    futures = start_all([
        partial(contextvars.copy_context().run, target.invoke, x, c, **kwargs)
        for x, c in zip(inputs, configs, strict=True)
    ], limit)
    index: dict[Future[Any], int] = {f: i for i, f in enumerate(futures)}
    closed = False
    try:
        pending = set(index)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(done, key=index.__getitem__):
                exc = f.exception()
                if _fails(exc, return_exceptions):
                    assert exc is not None
                    raise exc
                try:
                    yield index[f], exc if exc is not None else f.result()
                except GeneratorExit:
                    closed = True
                    raise
    finally:
        # Closed early: items not started never start. Either way, wait for the running ones
        # (after a failure, every item runs, as in batch()).
        if closed:
            for f in futures:
                f.cancel()
        wait(futures)


async def abatch_as_completed(
    r: Runnable[Any, Any],
    inputs: Sequence[Any],
    config: RunnableConfig | Sequence[RunnableConfig] | None,
    return_exceptions: bool,
    kwargs: dict[str, Any],
) -> AsyncIterator[tuple[int, Any]]:
    """Async twin: every item a task (at most ``max_concurrency`` running at once)."""
    inputs = list(inputs)
    if not inputs:
        return
    target, configs, limit = _prepare(r, config, len(inputs))
    sem = asyncio.Semaphore(limit) if limit is not None and limit < len(inputs) else None
    closed = False
    _SKIPPED: Any = object()

    async def one(i: int) -> tuple[int, Any]:
        if sem is not None:
            async with sem:
                if closed:
                    return i, _SKIPPED
                return i, await target.ainvoke(inputs[i], configs[i], **kwargs)
        return i, await target.ainvoke(inputs[i], configs[i], **kwargs)

    async def settled(i: int) -> tuple[int, Any, BaseException | None]:
        try:
            j, out = await one(i)
        except BaseException as e:  # handed to the caller below
            return i, None, e
        return j, out, None

    tasks = [asyncio.ensure_future(settled(i)) for i in range(len(inputs))]
    try:
        for next_done in asyncio.as_completed(tasks):
            i, out, exc = await next_done
            if out is _SKIPPED:
                continue
            if _fails(exc, return_exceptions):
                assert exc is not None
                raise exc
            yield i, exc if exc is not None else out
    except (GeneratorExit, asyncio.CancelledError):
        closed = True
        raise
    finally:
        # Every started item runs to its end before we finish (R7.7); when closed early, queued
        # ones are skipped.
        await asyncio.gather(*tasks, return_exceptions=True)
