"""``langchain_core.tracers.run_collector``: a tracer that keeps every root run it saw."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from reference.tracers.base import BaseTracer
from reference.tracers.schemas import Run

__all__ = ["RunCollectorCallbackHandler"]


class RunCollectorCallbackHandler(BaseTracer):
    """Appends a copy of each finished root run (tree included) to ``traced_runs``.

    ``example_id`` (a UUID or its text) is set as each copy's ``reference_example_id``.
    """

    name: str = "run-collector_callback_handler"

    def __init__(self, example_id: UUID | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.example_id = UUID(example_id) if isinstance(example_id, str) else example_id
        self.traced_runs: list[Run] = []

    def _persist_run(self, run: Run) -> None:
        self.traced_runs.append(run.model_copy(update={"reference_example_id": self.example_id}))
