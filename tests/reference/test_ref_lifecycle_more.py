"""The run lifecycle (SPEC.md §6) of chain groups and async tracers: one regression test per
defect the extended reliability probe found (issue 15), each in its smallest form."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from uuid import UUID

import pytest
from _ref_helpers import Recorder, lam
from test_ref_lifecycle import closed_once

from reference.callbacks import AsyncCallbackManager, BaseCallbackHandler, CallbackManager
from reference.callbacks._hooks import HOOKS
from reference.callbacks.manager import atrace_as_chain_group, trace_as_chain_group
from reference.tracers.base import AsyncBaseTracer
from reference.tracers.context import register_configure_hook
from reference.tracers.schemas import Run

# ------------------------------------------------------------------- chain groups end once

#: A handler held here sees every run started meanwhile, the group runs included (a group
#: run starts with no other handlers).
_SEES_ALL: ContextVar[Any] = ContextVar("lifecycle_more_sees_all", default=None)


@pytest.fixture(autouse=True, scope="module")
def _registered() -> Iterator[None]:
    """The hook for this module's tests only: a registered hook costs every configured run
    of the process a lookup, and other tests check the engine with none."""
    register_configure_hook(_SEES_ALL, True)
    yield
    HOOKS[:] = [h for h in HOOKS if h[0] is not _SEES_ALL]


class Ends(BaseCallbackHandler):
    """Each chain run's events, by run id."""

    def __init__(self) -> None:
        self.runs: dict[UUID, list[str]] = {}

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.runs.setdefault(run_id, []).append("start")

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.runs.setdefault(run_id, []).append(f"end {outputs}")

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kw: Any) -> None:
        self.runs.setdefault(run_id, []).append(f"error {error!r}")


@contextmanager
def _seeing_all() -> Iterator[Ends]:
    rec = Ends()
    token = _SEES_ALL.set(rec)
    try:
        yield rec
    finally:
        _SEES_ALL.reset(token)


@pytest.mark.parametrize("how", ["merge", "copy", "twice"])
def test_lifecycle_chain_group_ended_through_a_copy_ends_once(how: str) -> None:
    # langchain_core 1.8.3 ends the group run again at the block's exit (with {}), or at
    # every call: a handler saw two on_chain_end for one run.
    with _seeing_all() as rec, trace_as_chain_group("g") as group:
        lam("a").invoke(1, {"callbacks": group})
        if how == "merge":
            group.merge(CallbackManager(handlers=[])).on_chain_end({"out": 1})
        elif how == "copy":
            group.copy().on_chain_end({"out": 1})
        else:
            group.on_chain_end({"out": 1})
            group.on_chain_end({"out": 2})
    assert sorted(rec.runs.values()) == [["start", "end 1"], ["start", "end {'out': 1}"]]


def test_lifecycle_async_chain_group_ended_through_a_merge_ends_once() -> None:
    async def main() -> None:
        async with atrace_as_chain_group("g") as group:
            await group.merge(AsyncCallbackManager(handlers=[])).on_chain_end({"out": 1})

    with _seeing_all() as rec:
        asyncio.run(main())
    assert list(rec.runs.values()) == [["start", "end {'out': 1}"]]


def test_lifecycle_chain_group_failing_after_its_end_stays_ended() -> None:
    with _seeing_all() as rec, pytest.raises(ValueError, match="late"), \
            trace_as_chain_group("g") as group:
        group.merge(CallbackManager(handlers=[])).on_chain_end({"out": 1})
        raise ValueError("late")
    assert list(rec.runs.values()) == [["start", "end {'out': 1}"]]


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
