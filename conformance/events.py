"""The canonical event record that adapters' recording handlers produce, and the sink they write to.

One record per handler-method call, normalised so that the oracle and checker never see an
implementation's own types. Records are validated on arrival: a malformed record is the adapter's
bug, reported as such (:class:`MalformedEvent`), never a confusing failure deep in the checker.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = ["EVENT_KINDS", "RUN_TYPES", "Event", "EventSink", "MalformedEvent"]

EventKind = Literal["start", "token", "end", "error"]
EVENT_KINDS: Final[tuple[str, ...]] = get_args(EventKind)
RUN_TYPES: Final[frozenset[str]] = frozenset({"chain", "chat_model", "llm", "tool", "retriever"})
TERMINAL: Final[frozenset[str]] = frozenset({"end", "error"})


class MalformedEvent(ValueError):
    """A recording handler produced a record that breaks the canonical format."""


@dataclass(frozen=True, slots=True)
class Event:
    """One delivery of one event to one handler.

    ``seq`` is the global delivery order (assigned by the sink); ``name`` and ``run_type`` are only
    required on start events (adapters may repeat them on others); ``tags`` and ``metadata`` are
    what the implementation passed with the event.
    """

    seq: int
    handler: str
    kind: str
    run_id: str
    parent_run_id: str | None
    run_type: str
    name: str | None
    tags: tuple[str, ...]
    metadata: tuple[tuple[str, str], ...]


class EventSink:
    """Thread-safe, append-only list of events, shared by all recording handlers of one scenario."""

    __slots__ = ("_events", "_lock", "problems")

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()
        #: Malformed records, kept because the engine under test may swallow the exception.
        self.problems: list[str] = []

    def record(
        self,
        handler: str,
        kind: str,
        *,
        run_id: object,
        parent_run_id: object = None,
        run_type: str,
        name: object = None,
        tags: Sequence[object] | None = None,
        metadata: Mapping[str, object] | None = None,
    ) -> None:
        """Record one event; a malformed one is kept in :attr:`problems` and raised."""
        try:
            self._record(handler, kind, run_id, parent_run_id, run_type, name, tags, metadata)
        except MalformedEvent as exc:
            with self._lock:
                self.problems.append(str(exc))
            raise

    def _record(
        self,
        handler: str,
        kind: str,
        run_id: object,
        parent_run_id: object,
        run_type: str,
        name: object,
        tags: Sequence[object] | None,
        metadata: Mapping[str, object] | None,
    ) -> None:
        where = f"handler {handler!r}, {kind} event"
        if kind not in EVENT_KINDS:
            raise MalformedEvent(f"{where}: kind must be one of {EVENT_KINDS}")
        if run_type not in RUN_TYPES:
            raise MalformedEvent(f"{where}: run_type {run_type!r} not in {sorted(RUN_TYPES)}")
        if run_id is None or str(run_id) == "":
            raise MalformedEvent(f"{where}: run_id is missing")
        if kind == "start" and not name:
            raise MalformedEvent(f"{where}: start events must carry the run's name")
        if tags is not None and (isinstance(tags, str) or not isinstance(tags, Sequence)):
            raise MalformedEvent(f"{where}: tags must be a sequence of strings, got {tags!r}")
        if metadata is not None and not isinstance(metadata, Mapping):
            raise MalformedEvent(f"{where}: metadata must be a mapping, got {metadata!r}")
        meta = tuple(sorted((str(k), str(v)) for k, v in (metadata or {}).items()))
        with self._lock:
            self._events.append(
                Event(
                    seq=len(self._events),
                    handler=handler,
                    kind=kind,
                    run_id=str(run_id),
                    parent_run_id=None if parent_run_id is None else str(parent_run_id),
                    run_type=run_type,
                    name=None if name is None else str(name),
                    tags=tuple(str(t) for t in (tags or ())),
                    metadata=meta,
                )
            )

    @property
    def count(self) -> int:
        """How many events have been recorded so far."""
        with self._lock:
            return len(self._events)

    @property
    def events(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self._events)
