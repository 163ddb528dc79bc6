"""Tool calls as a model's message carries them: TypedDicts, as langchain_core's.

No ``from __future__ import annotations`` here: TypedDict must see ``NotRequired`` itself
(as a string it would count ``type`` as a required key).
"""

from typing import Any, Literal, NotRequired, TypedDict

__all__ = ["InvalidToolCall", "ToolCall", "ToolCallChunk"]


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
