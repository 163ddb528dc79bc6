"""Coroutine handlers in sync modes run on the calling thread's private loop (SPEC §6), reused
between events but keeping what ``asyncio.run`` per event promised."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from reference.callbacks import AsyncCallbackHandler
from reference.runnables import RunnableLambda, RunnableParallel

_SEEN: contextvars.ContextVar[str] = contextvars.ContextVar("_SEEN", default="fresh")


class _Recorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.leftovers: list[str] = []

    async def on_chain_start(self, *args: Any, **kwargs: Any) -> None:
        self.events.append(("start", _SEEN.get()))
        _SEEN.set("set by a handler")  # must not leak into the next event

    async def on_chain_end(self, *args: Any, **kwargs: Any) -> None:
        self.events.append(("end", _SEEN.get()))

        async def background() -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                self.leftovers.append("cancelled")

        asyncio.get_running_loop().create_task(background())


def test_each_event_sees_the_callers_context_not_the_previous_events() -> None:
    handler = _Recorder()
    chain = RunnableLambda(lambda x: x) | RunnableLambda(lambda x: x)
    chain.invoke(1, {"callbacks": [handler]})
    chain.invoke(2, {"callbacks": [handler]})
    order = ("start", "start", "end", "start", "end", "end")  # sequence, step 1, step 2
    assert handler.events == [(kind, "fresh") for kind in order] * 2


def test_tasks_a_handler_leaves_pending_are_cancelled_within_the_event() -> None:
    handler = _Recorder()
    RunnableLambda(lambda x: x).invoke(1, {"callbacks": [handler]})
    assert handler.leftovers == ["cancelled"]


def test_branches_on_worker_threads_deliver_every_event_in_a_fresh_context() -> None:
    handler = _Recorder()
    RunnableParallel(a=RunnableLambda(lambda x: x), b=RunnableLambda(lambda x: x)).invoke(
        1, {"callbacks": [handler]})
    assert sorted(k for k, _ in handler.events) == ["end"] * 3 + ["start"] * 3
    assert all(seen == "fresh" for _, seen in handler.events)
