"""What an invocation produced, as the suite records it: the data the adapter side writes and the
checker reads.

The harness runs a scenario through an adapter and fills an :class:`Observation`: the events the
recording handlers wrote (:mod:`conformance.events`), one :class:`Outcome` per input, and the
:class:`Probe` whose injected failures (:class:`InjectedFailure`) the leaves raised. The checker
and the properties only read these; nothing here knows about adapters or about the oracle.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .events import Event

__all__ = [
    "HandlerFault",
    "InjectedFailure",
    "Observation",
    "Outcome",
    "Probe",
    "StreamEvent",
    "drop_tracebacks",
]


class InjectedFailure(Exception):
    """The exception a failing node raises; the caller must get this very object back (R8)."""

    def __init__(self, label: str) -> None:
        super().__init__(f"injected failure in {label!r}")
        self.label = label


class HandlerFault(RuntimeError):
    """What a faulty recording handler raises, after recording the event (R10)."""


class Probe:
    """What leaves do, shared by all adapters, and a log of the failures they raised."""

    #: Longest a slow lambda waits (:meth:`pause`) for another to overlap with, in seconds.
    delay: float = 0.002

    def __init__(self, released_by_events: bool = False) -> None:
        self._raised: list[InjectedFailure] = []
        self._lock = threading.Lock()
        self._flaky: set[tuple[str, str]] = set()
        self._pause = threading.Condition(threading.Lock())
        self._pausing = 0
        self._met = 0
        #: Whether a handler event recorded meanwhile ends a pause (:meth:`heard`).
        self._released_by_events = released_by_events
        self._heard = 0

    def pause(self) -> None:
        """What a slow lambda does first: wait until another slow lambda of this probe pauses
        too, so that both are inside their runs at once (the overlap slowness is for: threads
        and tasks really interleave), or for ``delay`` seconds when none comes (an engine that
        runs its branches one after another). A fixed sleep cost every slow lambda ``delay``,
        also when its partner was already there.

        With ``released_by_events``, a handler event recorded meanwhile (:meth:`heard`) ends
        the pause too: the lambda's own run is open and blocked here, so the event is another
        run's, which has overlapped it. The harness asks for it where nothing can fail: where
        something can, the full wait keeps a branch running while a sibling fails (R7.6)."""
        with self._pause:
            self._pausing += 1
            try:
                if self._pausing > 1:
                    self._met += 1
                    self._pause.notify_all()
                    return
                met, heard = self._met, self._heard
                self._pause.wait_for(lambda: self._met != met or self._heard != heard,
                                     self.delay)
            finally:
                self._pausing -= 1

    def heard(self) -> None:
        """A handler event was recorded (the scenario's sinks call this): ends a pause in
        progress when the probe is ``released_by_events``. Costs one attribute read when
        nothing pauses."""
        if self._pausing and self._released_by_events:
            with self._pause:
                self._heard += 1
                self._pause.notify_all()

    def flaky_fails(self, label: str, value: Any) -> bool:
        """Whether flaky lambda ``label`` fails this call with ``value``: the first call with
        each input does, the next does not, and so on (so each retry of it fails once)."""
        key = (label, repr(value))
        with self._lock:
            if key in self._flaky:
                self._flaky.discard(key)
                return False
            self._flaky.add(key)
            return True

    def failure(self, label: str) -> InjectedFailure:
        """A fresh exception for ``label``, remembered so the suite can check its identity."""
        exc = InjectedFailure(label)
        with self._lock:
            self._raised.append(exc)
        return exc

    def was_raised(self, exc: BaseException) -> bool:
        with self._lock:
            return any(exc is r for r in self._raised)

    def raised(self) -> tuple[InjectedFailure, ...]:
        """The failures the leaves raised so far, in order."""
        with self._lock:
            return tuple(self._raised)


@dataclass(frozen=True)
class StreamEvent:
    """One event ``astream_events`` (version v2) yielded: what the suite compares with the
    callbacks of the same invocation (SPEC.md §8). Ids are strings; ``parent_ids`` root first."""

    event: str
    run_id: str
    name: str
    parent_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What the caller got for one input: a canonical (JSON-able) value, or the raised exception;
    in mode ``astream_events``, also every event the stream yielded, in order (the value: the
    root run's stream chunks)."""

    value: Any = None
    error: BaseException | None = None
    stream_events: tuple[StreamEvent, ...] | None = None


@dataclass(frozen=True)
class Observation:
    """What one invocation produced: the recorded events and what the caller got per input."""

    events: tuple[Event, ...]
    outcomes: tuple[Outcome, ...]
    probe: Probe = field(default_factory=Probe)
    #: How many events had arrived when the call returned; later ones came too late (R7).
    returned: int | None = None
    #: Contained faults the recording handlers raised: (handler, method) (R10).
    faults: tuple[tuple[str, str], ...] = ()
    #: Warnings the engine gave about handler faults (R10).
    fault_reports: tuple[str, ...] = ()
    #: Events whose payload object the engine changed after delivering it, with what it read
    #: once the call was over (R15; :meth:`~conformance.events.EventSink.changed_payloads`).
    changed: tuple[tuple[Event, Any], ...] = ()


def drop_tracebacks(observation: Observation) -> None:
    """Drop the tracebacks of the exceptions ``observation`` holds: what the caller got, the
    failures the leaves raised, and the exceptions each of them chains.

    A traceback holds the frames it passed through and, with them, the generators of a stream
    that failed part way. An engine may do work when those are finalised (langchain-core ends
    their runs then, and can block), which belongs to the scenario that left them, not to
    whichever later one the garbage collector happens to run in. The harness calls this once
    the observation is taken, so whatever they do reaches no observation. Nothing reads these
    tracebacks: the checker tells exceptions apart by identity and type.
    """
    pending: list[BaseException | None] = [o.error for o in observation.outcomes]
    pending += observation.probe.raised()
    seen: set[int] = set()
    while pending:
        exc = pending.pop()
        if exc is None or id(exc) in seen:
            continue
        seen.add(id(exc))
        exc.__traceback__ = None
        pending += (exc.__cause__, exc.__context__)
