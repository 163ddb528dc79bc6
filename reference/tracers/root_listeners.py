"""``langchain_core.tracers.root_listeners``: the tracer behind ``Runnable.with_listeners``.

A listener tracer is made per call (per batch item) and handed to the bound runnable as a
runtime handler, so it sees that call's whole tree; it acts on the first run it sees, the
bound runnable's own: ``on_start(run)`` when it starts, ``on_end(run)`` or ``on_error(run)``
when it ends. A listener that takes ``config`` gets the call's config as well. Being a
handler without ``raise_error``, a listener that raises is reported and contained (R10).
``AsyncRootListenersTracer`` (``with_alisteners``) does the same as an async tracer, awaiting
each listener's result: a listener that returns no awaitable fails there, and is contained
the same way, after it has run (as in langchain_core).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from reference._signatures import takes_config
from reference.tracers.base import AsyncBaseTracer, BaseTracer
from reference.tracers.schemas import Run

__all__ = ["AsyncListener", "AsyncRootListenersTracer", "Listener", "RootListenersTracer"]


#: A listener: called with the run (and ``config=`` if it takes one); an async one is awaited.
Listener = Callable[..., None]
AsyncListener = Callable[..., Awaitable[None]]


class RootListenersTracer(BaseTracer):
    """Calls the listeners for the root run of the trace it sees (one tracer per call)."""

    log_missing_parent = False

    def __init__(self, *, config: Any, on_start: Listener | None, on_end: Listener | None,
                 on_error: Listener | None) -> None:
        super().__init__(_schema_format="original+chat")
        self.config = config
        self._listeners = {"start": on_start, "end": on_end, "error": on_error}
        self.root_id: UUID | None = None

    def _persist_run(self, run: Run) -> None:
        """Nothing to store: the listeners have seen the run."""

    def _call(self, which: str, run: Run) -> None:
        listener = self._listeners[which]
        if listener is None:
            return
        if takes_config(listener):
            listener(run, config=self.config)
        else:
            listener(run)

    def _on_run_create(self, run: Run) -> None:
        if self.root_id is None:
            self.root_id = run.id
            self._call("start", run)

    def _on_run_update(self, run: Run) -> None:
        if run.id == self.root_id:
            self._call("end" if run.error is None else "error", run)


class AsyncRootListenersTracer(AsyncBaseTracer):
    """``RootListenersTracer`` with awaited listeners (one tracer per call)."""

    log_missing_parent = False

    def __init__(self, *, config: Any, on_start: AsyncListener | None,
                 on_end: AsyncListener | None, on_error: AsyncListener | None) -> None:
        super().__init__(_schema_format="original+chat")
        self.config = config
        self._listeners = {"start": on_start, "end": on_end, "error": on_error}
        self.root_id: UUID | None = None

    async def _persist_run(self, run: Run) -> None:
        """Nothing to store: the listeners have seen the run."""

    async def _call(self, which: str, run: Run) -> None:
        listener = self._listeners[which]
        if listener is None:
            return
        if takes_config(listener):
            await listener(run, config=self.config)
        else:
            await listener(run)

    async def _on_run_create(self, run: Run) -> None:
        if self.root_id is None:
            self.root_id = run.id
            await self._call("start", run)

    async def _on_run_update(self, run: Run) -> None:
        if run.id == self.root_id:
            await self._call("end" if run.error is None else "error", run)
