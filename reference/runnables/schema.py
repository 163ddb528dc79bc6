"""``langchain_core.runnables.schema``: the shape of what ``astream_events`` yields, as
TypedDicts for annotations (the events themselves are plain dicts).

No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired`` itself.
"""

from collections.abc import Sequence
from typing import Any, Literal, NotRequired, TypedDict

__all__ = [
    "BaseStreamEvent",
    "CustomStreamEvent",
    "EventData",
    "StandardStreamEvent",
    "StreamEvent",
]


class EventData(TypedDict, total=False):
    """An event's ``data``: what the run was given (``input``), its ``output`` when it ends, a
    streamed ``chunk``, the ``error`` it failed with and the ``tool_call_id`` of a tool's run
    (each only where the event has it)."""

    input: Any
    error: NotRequired[BaseException]
    output: Any
    chunk: Any
    tool_call_id: NotRequired[str | None]


class BaseStreamEvent(TypedDict):
    """What every event carries: its kind (``on_<run type>_<start|stream|end>``), the run's id,
    tags and metadata, and its ancestors' ids, the root's first."""

    event: str
    run_id: str
    tags: NotRequired[list[str]]
    metadata: NotRequired[dict[str, Any]]
    parent_ids: Sequence[str]


class StandardStreamEvent(BaseStreamEvent):
    """An event of a run: the run's ``name`` and the event's :class:`EventData`."""

    data: EventData
    name: str


class CustomStreamEvent(BaseStreamEvent):
    """An event a run sent with ``dispatch_custom_event``: its ``name`` and ``data`` as given."""

    event: Literal["on_custom_event"]  # type: ignore[misc]
    name: str
    data: Any


#: One event of ``astream_events``.
StreamEvent = StandardStreamEvent | CustomStreamEvent
