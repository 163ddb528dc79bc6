"""The canonical event record that adapters' recording handlers produce, and the sink they write to.

One record per handler-method call, normalised so that the oracle and checker never see an
implementation's own types. Besides which run it belongs to, a record keeps what the call carried
(the payload, SPEC R15): the method called, the ``name`` keyword and the ``serialized`` mapping as
received, the inputs/outputs/token as canonical JSON values, and for errors whether the exception
delivered is the very one that was raised. Records are validated on arrival: a malformed record is
the adapter's bug, reported as such (:class:`MalformedEvent`), never a confusing failure deep in the
checker.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

__all__ = ["EVENT_KINDS", "METHODS", "NOT_REPORTED", "RUN_TYPES", "Event", "EventSink",
           "MalformedEvent", "canonical"]

EventKind = Literal["start", "token", "end", "error"]
EVENT_KINDS: Final[tuple[str, ...]] = get_args(EventKind)
RUN_TYPES: Final[frozenset[str]] = frozenset({"chain", "chat_model", "llm", "tool", "retriever"})
TERMINAL: Final[frozenset[str]] = frozenset({"end", "error"})

#: Handler method -> (event kind, run type it implies; None = the run's own type).
METHODS: Final[Mapping[str, tuple[str, str | None]]] = {
    "on_chain_start": ("start", "chain"),
    "on_chain_end": ("end", None),
    "on_chain_error": ("error", None),
    "on_chat_model_start": ("start", "chat_model"),
    "on_llm_start": ("start", "llm"),
    "on_llm_new_token": ("token", None),
    "on_llm_end": ("end", None),
    "on_llm_error": ("error", None),
    "on_tool_start": ("start", "tool"),
    "on_tool_end": ("end", None),
    "on_tool_error": ("error", None),
    "on_retriever_start": ("start", "retriever"),
    "on_retriever_end": ("end", None),
    "on_retriever_error": ("error", None),
}


class _NotReported:
    """An adapter that did not say (older adapters record no payloads): not checked."""

    _instance: _NotReported | None = None

    def __new__(cls) -> _NotReported:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_REPORTED"

    def __bool__(self) -> bool:
        return False


NOT_REPORTED: Final = _NotReported()


class MalformedEvent(ValueError):
    """A recording handler produced a record that breaks the canonical format."""


@dataclass(frozen=True, slots=True)
class Event:
    """One delivery of one event to one handler.

    ``seq`` is the global delivery order (assigned by the sink); ``name`` (the run's name as a
    handler can tell it: the ``name`` keyword, else ``serialized["name"]``) and ``run_type`` are
    only required on start events (adapters may repeat them on others); ``tags`` and ``metadata``
    are what the implementation passed with the event.

    The payload (R15), each :data:`NOT_REPORTED` when the adapter does not record it:
    ``method`` the handler method called; ``name_kw`` the ``name`` keyword as received (None kept);
    ``serialized`` None when ``serialized`` was None, else its ``"name"`` entry as a one-pair
    tuple (empty when it has none); ``payload`` the inputs (start), outputs (end) or token text
    (token), as canonical JSON values; for error events ``payload`` describes the exception
    delivered: ``{"label": L, "original": bool}`` for a failure the suite injected (``original``:
    the very object raised), ``{"type": name}`` otherwise.
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
    method: Any = NOT_REPORTED
    name_kw: Any = NOT_REPORTED
    serialized: Any = NOT_REPORTED
    payload: Any = NOT_REPORTED


class EventSink:
    """Thread-safe, append-only list of events, shared by all recording handlers of one scenario.

    It also keeps what the recording handlers cannot put into events: contained handler faults
    they raised (:meth:`fault_raised`) and the warnings the engine gave about them
    (:meth:`fault_reported`), which R10 compares.
    """

    __slots__ = ("_events", "_kept", "_listener", "_lock", "faults", "is_original", "problems",
                 "reports")

    def __init__(self, is_original: Callable[[BaseException], bool] | None = None,
                 listener: Callable[[], None] | None = None) -> None:
        self._events: list[Event] = []
        #: (index of the event, the object its payload was read off), for mutable payloads.
        self._kept: list[tuple[int, object]] = []
        self._lock = threading.Lock()
        #: Malformed records, kept because the engine under test may swallow the exception.
        self.problems: list[str] = []
        #: Contained faults raised by recording handlers: (handler, method).
        self.faults: list[tuple[str, str]] = []
        #: Warnings (log records or equivalent) the engine gave about handler faults.
        self.reports: list[str] = []
        #: Tells whether an exception is the very object the suite injected.
        self.is_original = is_original or (lambda exc: False)
        #: Called after each event is recorded (:meth:`conformance.observed.Probe.heard`).
        self._listener = listener

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
        method: object = NOT_REPORTED,
        serialized: object = NOT_REPORTED,
        payload: object = NOT_REPORTED,
        received: object = NOT_REPORTED,
    ) -> None:
        """Record one event; a malformed one is kept in :attr:`problems` and raised.

        ``name`` is the ``name`` keyword the handler received and ``serialized`` the
        ``serialized`` argument as received (adapters that pass no ``serialized`` give the run's
        name as ``name``). ``payload`` must be a canonical JSON value (see :func:`canonical`);
        ``received``, the object it was read off, is kept when it can change (a dict, a list,
        a message), so that :meth:`changed_payloads` can tell whether the engine changed it
        after the call, as a handler keeping it would see.
        """
        try:
            self._record(handler, kind, run_id, parent_run_id, run_type, name, tags, metadata,
                         method, serialized, payload, received)
        except MalformedEvent as exc:
            with self._lock:
                self.problems.append(str(exc))
            raise

    def describe_error(self, exc: object) -> dict[str, Any]:
        """The payload of an error event that delivered ``exc``."""
        if not isinstance(exc, BaseException):
            return {"type": type(exc).__name__, "not_an_exception": True}
        label = getattr(exc, "label", None)
        if isinstance(label, str) and type(exc).__name__ == "InjectedFailure":
            return {"label": label, "original": self.is_original(exc)}
        return {"type": type(exc).__name__}

    def fault_raised(self, handler: str, method: str) -> None:
        with self._lock:
            self.faults.append((handler, method))

    def fault_reported(self, message: str) -> None:
        with self._lock:
            self.reports.append(message)

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
        method: object,
        serialized: object,
        payload: object,
        received: object = NOT_REPORTED,
    ) -> None:
        # Checked in the order the messages are listed; the common containers (list, tuple,
        # dict) are told by type first, as the ABC checks cost more than the rest of a record.
        if kind not in EVENT_KINDS:
            raise MalformedEvent(f"{_where(handler, kind)}: kind must be one of {EVENT_KINDS}")
        if run_type not in RUN_TYPES:
            raise MalformedEvent(f"{_where(handler, kind)}: run_type {run_type!r} not in "
                                 f"{sorted(RUN_TYPES)}")
        run_text = _id_text(handler, kind, "run_id", run_id)
        parent_text = (None if parent_run_id is None
                       else _id_text(handler, kind, "parent_run_id", parent_run_id))
        if method is not NOT_REPORTED and method not in METHODS:
            raise MalformedEvent(f"{_where(handler, kind)}: method {method!r} is not a handler "
                                 "method")
        if name is not None and not isinstance(name, str):
            raise MalformedEvent(f"{_where(handler, kind)}: name must be a string or None, got "
                                 f"{name!r}")
        ser_name: object = None
        if serialized is NOT_REPORTED or serialized is None:
            ser: object = serialized
        elif type(serialized) is dict or isinstance(serialized, Mapping):
            ser_name = serialized.get("name")
            ser = () if ser_name is None else (("name", str(ser_name)),)
        else:
            ser = (("type", type(serialized).__name__),)
        resolved = name or (str(ser_name) if ser_name else None)
        # A start with no name at all is the adapter's bug, unless the engine passed a
        # serialized mapping that carries none: then the run is nameless (R15 says so).
        if kind == "start" and not resolved and not isinstance(serialized, Mapping):
            raise MalformedEvent(f"{_where(handler, kind)}: start events must carry the run's "
                                 "name (the name keyword or serialized['name'])")
        if tags is not None and type(tags) is not list and type(tags) is not tuple and (
                isinstance(tags, str) or not isinstance(tags, Sequence)):
            raise MalformedEvent(f"{_where(handler, kind)}: tags must be a sequence of strings, "
                                 f"got {tags!r}")
        if tags and not all(isinstance(t, str) for t in tags):
            raise MalformedEvent(f"{_where(handler, kind)}: tags must be strings, got "
                                 f"{list(tags)!r}")
        if metadata is not None and type(metadata) is not dict \
                and not isinstance(metadata, Mapping):
            raise MalformedEvent(f"{_where(handler, kind)}: metadata must be a mapping, got "
                                 f"{metadata!r}")
        if payload is not NOT_REPORTED and not (payload is None or type(payload) in _SCALARS):
            try:
                json.dumps(payload)
            except (TypeError, ValueError) as exc:
                raise MalformedEvent(f"{_where(handler, kind)}: payload is not a canonical JSON "
                                     f"value ({exc}); convert implementation objects with "
                                     "conformance.events.canonical") from None
        tag_texts = tuple(str(t) for t in tags) if tags else ()
        meta = tuple(sorted((str(k), str(v)) for k, v in metadata.items())) if metadata else ()
        keep = (received is not NOT_REPORTED and payload is not NOT_REPORTED
                and received is not None and type(received) not in _SCALARS)
        name_kw = name if serialized is not NOT_REPORTED else NOT_REPORTED
        with self._lock:
            seq = len(self._events)
            if keep:
                self._kept.append((seq, received))
            self._events.append(Event(seq, handler, kind, run_text, parent_text, run_type,
                                      resolved, tag_texts, meta, method, name_kw, ser, payload))
        if self._listener is not None:
            self._listener()

    def changed_payloads(self) -> list[tuple[Event, Any]]:
        """Events whose payload object reads otherwise now than when it was delivered, with
        what it reads now (R15: a tracer that keeps the inputs it was given and serialises them
        later records what the engine left there, not what the run received)."""
        with self._lock:
            kept = list(self._kept)
            events = list(self._events)
        out: list[tuple[Event, Any]] = []
        for index, received in kept:
            try:
                now = canonical(received)
            except Exception:  # (an object that no longer reads at all is not judged here)
                continue
            if now != events[index].payload:
                out.append((events[index], now))
        return out

    @property
    def count(self) -> int:
        """How many events have been recorded so far."""
        with self._lock:
            return len(self._events)

    @property
    def events(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self._events)

    def open_runs(self) -> int:
        """How many runs a handler saw start and not yet end (end or error)."""
        with self._lock:
            events = list(self._events)
        open_: set[tuple[str, str]] = set()
        for e in events:
            if e.kind == "start":
                open_.add((e.handler, e.run_id))
            elif e.kind in TERMINAL:
                open_.discard((e.handler, e.run_id))
        return len(open_)


def _where(handler: str, kind: str) -> str:
    """Where a malformed record came from, for its message."""
    return f"handler {handler!r}, {kind} event"


def _id_text(handler: str, kind: str, field_name: str, value: object) -> str:
    """A run id as text (a UUID or its non-empty text), else the adapter's bug."""
    if isinstance(value, uuid.UUID) or (isinstance(value, str) and value != ""):
        return str(value)
    raise MalformedEvent(f"{_where(handler, kind)}: {field_name} must be a UUID or its text, got "
                         f"{type(value).__name__} {value!r}")


#: Payload types that are canonical JSON values as they are (no encoding needed to tell).
_SCALARS: Final = frozenset({str, int, float, bool})


_MESSAGE_TYPES: Final[Mapping[str, str]] = {
    "human": "human", "ai": "ai", "system": "system", "tool": "tool", "chat": "chat",
    "function": "function",
}


def canonical(value: Any) -> Any:
    """A JSON value for an output, input or payload, free of ids that differ from run to run.

    Strings, numbers, booleans and None stay; mappings and sequences are converted item by item;
    a message becomes ``{"type": role, "content": ...}`` (role ``human``, ``ai``, ``system``,
    ...; chunks count as their message); a document ``{"document": page_content}``; a prompt value
    ``{"prompt": text}``; an LLM result the canonical form of its first generation.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    generations = getattr(value, "generations", None)
    if isinstance(generations, list):  # an LLM result: its first generation
        first = generations[0][0] if generations and generations[0] else None
        if first is None:
            return None
        message = getattr(first, "message", None)
        return canonical(message if message is not None else getattr(first, "text", None))
    content = getattr(value, "content", None)
    if content is not None:
        return {"type": _role(value), "content": canonical(content)}
    page = getattr(value, "page_content", None)
    if page is not None:
        return {"document": page}
    to_string = getattr(value, "to_string", None)
    if callable(to_string):
        return {"prompt": to_string()}
    return repr(value)


def _role(message: Any) -> str:
    kind = getattr(message, "type", None)
    if isinstance(kind, str) and kind in _MESSAGE_TYPES:
        return kind
    name = type(message).__name__.replace("Chunk", "").replace("Message", "").lower()
    return name or "message"
