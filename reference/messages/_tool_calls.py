"""Tool calls as a model's message carries them: TypedDicts, as langchain_core's.

No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired`` itself
(as a string it would count ``type`` as a required key).
"""

from typing import Any, Literal, NotRequired, TypedDict

__all__ = ["InvalidToolCall", "ToolCall", "ToolCallChunk", "invalid_tool_call", "tool_call",
           "tool_call_chunk"]


class ToolCall(TypedDict):
    """A model's request to call tool ``name`` with ``args`` (``id`` pairs it with its result)."""

    name: str
    args: dict[str, Any]
    id: str | None
    type: NotRequired[Literal["tool_call"]]


class InvalidToolCall(TypedDict):
    """A tool call the model's output did not parse into (kept as text, with the ``error``)."""

    name: str | None
    args: str | None
    id: str | None
    error: str | None
    type: Literal["invalid_tool_call"]  # required, as in langchain_core 1.x


class ToolCallChunk(TypedDict):
    """A streamed piece of a tool call: ``args`` is a fragment of its JSON text, ``index``
    says which call of the message it continues."""

    name: str | None
    args: str | None
    id: str | None
    index: int | None
    type: NotRequired[Literal["tool_call_chunk"]]


def tool_call(*, name: str, args: dict[str, Any], id: str | None) -> ToolCall:
    """A :class:`ToolCall` with its ``type`` set (what a tool invoked with one answers)."""
    return ToolCall(name=name, args=args, id=id, type="tool_call")


def tool_call_chunk(*, name: str | None = None, args: str | None = None, id: str | None = None,
                    index: int | None = None) -> ToolCallChunk:
    """A :class:`ToolCallChunk` with its ``type`` set."""
    return ToolCallChunk(name=name, args=args, id=id, index=index, type="tool_call_chunk")


def invalid_tool_call(*, name: str | None = None, args: str | None = None,
                      id: str | None = None, error: str | None = None) -> InvalidToolCall:
    """An :class:`InvalidToolCall` with its ``type`` set."""
    return InvalidToolCall(name=name, args=args, id=id, error=error, type="invalid_tool_call")
