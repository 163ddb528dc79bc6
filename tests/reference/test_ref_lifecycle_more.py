"""The run lifecycle (SPEC.md §6) of async tracers: one regression test per
defect the extended reliability probe found (issue 15), each in its smallest form."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import pytest
from _ref_helpers import Recorder, lam
from test_ref_lifecycle import closed_once

from reference.tracers.base import AsyncBaseTracer
from reference.tracers.schemas import Run

# ------------------------------------------------------ async tracers and cancellation


async def _cancelled_after(make: Any, steps: int) -> bool:
    """Run ``make()`` as a task cancelled after ``steps`` loop steps; whether it had ended."""
    task = asyncio.ensure_future(make())
    for _ in range(steps):
        await asyncio.sleep(0)
    done = task.done()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return done


def _cancel_each_step(make: Any) -> int:
    """``make()`` cancelled after 1, 2, ... loop steps until it ends first; how many were
    cancelled."""
    steps = 1
    while not asyncio.run(_cancelled_after(make, steps)):
        steps += 1
        assert steps < 500
    return steps - 1


def test_lifecycle_alisteners_cancelled_during_their_start_log_no_fault(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The listeners' tracer placed the run in its first await: a cancellation there left it
    # unplaced, and the run's error event then logged "TracerException: No indexed run ID".
    async def listener(run: Run) -> None:
        await asyncio.sleep(0)

    chain = (lam("a") | lam("b")).with_alisteners(on_start=listener, on_end=listener,
                                                 on_error=listener)
    recs: list[Recorder] = []

    def make() -> Any:
        recs.append(Recorder())
        return chain.ainvoke(1, {"callbacks": [recs[-1]]})

    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        assert _cancel_each_step(make) > 0
    assert [r.getMessage() for r in caplog.records] == []
    for rec in recs:
        closed_once(rec)


def test_lifecycle_async_tracer_cancelled_mid_event_keeps_no_open_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A tracer dropped an ended run in a coroutine a cancellation could stop before it ran:
    # the run stayed in run_map (and a cancelled start gave "No indexed run ID" faults).
    class Spans(AsyncBaseTracer):
        async def _on_run_create(self, run: Run) -> None:
            await asyncio.sleep(0)

        async def _on_run_update(self, run: Run) -> None:
            await asyncio.sleep(0)

        async def _persist_run(self, run: Run) -> None:
            pass

    tracers: list[Spans] = []

    def make() -> Any:
        tracers.append(Spans())
        return (lam("a") | lam("b")).ainvoke(1, {"callbacks": [tracers[-1]]})

    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        assert _cancel_each_step(make) > 0
    assert [r.getMessage() for r in caplog.records] == []
    assert [t.run_map for t in tracers] == [{}] * len(tracers)
