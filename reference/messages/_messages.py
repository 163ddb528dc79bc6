"""Chat messages: a role, content and a few optional fields."""

from __future__ import annotations

from typing import Any, ClassVar, Literal, NotRequired, TypedDict

from reference._model import Record
from reference.messages._usage import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
    sum_chunk_usage,
)

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "BaseMessage",
    "BaseMessageChunk",
    "ChatMessage",
    "ChatMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "InputTokenDetails",
    "InvalidToolCall",
    "OutputTokenDetails",
    "SystemMessage",
    "SystemMessageChunk",
    "ToolCall",
    "ToolMessage",
    "UsageMetadata",
    "as_tool_call",
    "get_buffer_string",
    "is_tool_call",
]


class BaseMessage(Record):
    """A message; ``type`` names the role (``human``, ``ai``, ``system``)."""

    type: ClassVar[str] = "base"
    _fields: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("content", None),
        ("additional_kwargs", {}),
        ("response_metadata", {}),
        ("name", None),
        ("id", None),
    )
    _always = frozenset({"content"})

    def __init__(
        self,
        content: Any = "",
        *,
        additional_kwargs: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        name: str | None = None,
        id: str | None = None,
    ) -> None:
        self.content = content
        self.additional_kwargs = additional_kwargs or {}
        self.response_metadata = response_metadata or {}
        self.name = name
        self.id = id

    @property
    def text(self) -> str:
        return self.content if isinstance(self.content, str) else str(self.content)


class HumanMessage(BaseMessage):
    """A message from the user."""

    type: ClassVar[str] = "human"


class AIMessage(BaseMessage):
    """A message from the model; ``tool_calls`` are the tools it asks to call (each a
    :class:`ToolCall`, ``type`` filled in), ``usage_metadata`` its token counts if the model
    reported them (the fake models never do: a message given to one keeps its own)."""

    type: ClassVar[str] = "ai"
    _fields = (*BaseMessage._fields, ("tool_calls", []), ("invalid_tool_calls", []),
               ("usage_metadata", None))

    def __init__(self, content: Any = "", *, tool_calls: list[Any] | None = None,
                 invalid_tool_calls: list[Any] | None = None,
                 usage_metadata: UsageMetadata | None = None, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.tool_calls = [as_tool_call(c) for c in tool_calls] if tool_calls else []
        self.invalid_tool_calls = list(invalid_tool_calls) if invalid_tool_calls else []
        self.usage_metadata = usage_metadata


class SystemMessage(BaseMessage):
    """Instructions for the model."""

    type: ClassVar[str] = "system"


class ToolMessage(BaseMessage):
    """A tool's result, sent back to the model; ``tool_call_id`` names the call it answers,
    ``status`` says whether the tool succeeded (``"success"``) or failed (``"error"``)."""

    type: ClassVar[str] = "tool"
    _fields = (*BaseMessage._fields, ("tool_call_id", None), ("artifact", None),
               ("status", "success"))
    _always = frozenset({"content", "tool_call_id"})

    def __init__(self, content: Any = "", *, tool_call_id: str, artifact: Any = None,
                 status: Literal["success", "error"] = "success", **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.tool_call_id = tool_call_id
        self.artifact = artifact
        self.status = status


class ChatMessage(BaseMessage):
    """A message with a free-form ``role`` (rendered as ``role: content``)."""

    type: ClassVar[str] = "chat"
    _fields = (*BaseMessage._fields, ("role", None))
    _always = frozenset({"content", "role"})

    def __init__(self, content: Any = "", *, role: str, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self.role = role


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
    type: NotRequired[Literal["invalid_tool_call"]]


def as_tool_call(call: Any) -> ToolCall:
    """``call`` (a mapping with ``name``, ``args`` and ``id``) as a :class:`ToolCall` with its
    ``type``, as ``AIMessage(tool_calls=...)`` keeps them; anything else is rejected."""
    if not isinstance(call, dict) or not isinstance(call.get("name"), str) or not isinstance(
            call.get("args"), dict):
        raise TypeError(
            f"a tool call is a dict with a str 'name', a dict 'args' and an 'id', got {call!r}")
    return ToolCall(name=call["name"], args=call["args"], id=call.get("id"), type="tool_call")


def is_tool_call(x: Any) -> bool:
    """Whether ``x`` is a tool call (a dict whose ``type`` is ``"tool_call"``): a tool invoked
    with one answers with a :class:`ToolMessage`."""
    return isinstance(x, dict) and x.get("type") == "tool_call"


class BaseMessageChunk(BaseMessage):
    """A streamed piece of a message; chunks add up with ``+`` into the left one's class."""

    def __add__(self, other: Any) -> BaseMessageChunk:
        if not isinstance(other, BaseMessageChunk):
            return NotImplemented
        merged = type(self).__new__(type(self))
        for name, _ in self._fields:
            setattr(merged, name, getattr(self, name))
        merged.content = self.content + other.content
        merged.additional_kwargs = {**self.additional_kwargs, **other.additional_kwargs}
        merged.response_metadata = {**self.response_metadata, **other.response_metadata}
        merged.name = self.name or other.name
        merged.id = self.id or other.id
        return merged


class HumanMessageChunk(HumanMessage, BaseMessageChunk):
    """A streamed piece of a ``HumanMessage``."""

    type: ClassVar[str] = "HumanMessageChunk"


class SystemMessageChunk(SystemMessage, BaseMessageChunk):
    """A streamed piece of a ``SystemMessage``."""

    type: ClassVar[str] = "SystemMessageChunk"


class ChatMessageChunk(ChatMessage, BaseMessageChunk):
    """A streamed piece of a ``ChatMessage`` (the left chunk's ``role`` is kept)."""

    type: ClassVar[str] = "ChatMessageChunk"


class AIMessageChunk(AIMessage, BaseMessageChunk):
    """A streamed piece of an ``AIMessage``; chunks add up with ``+``.

    ``chunk_position="last"`` marks a stream's final chunk (langchain_core 1.x
    sends one more, empty, token when a model's last chunk lacks it).
    """

    type: ClassVar[str] = "AIMessageChunk"
    _fields = (*AIMessage._fields, ("chunk_position", None))

    def __init__(
        self,
        content: Any = "",
        *,
        additional_kwargs: dict[str, Any] | None = None,
        response_metadata: dict[str, Any] | None = None,
        name: str | None = None,
        id: str | None = None,
        chunk_position: str | None = None,
        usage_metadata: UsageMetadata | None = None,
        tool_calls: list[Any] | None = None,
        invalid_tool_calls: list[Any] | None = None,
    ) -> None:
        # Spelled out rather than super().__init__(**kwargs): a stream makes one per token.
        self.content = content
        self.additional_kwargs = additional_kwargs or {}
        self.response_metadata = response_metadata or {}
        self.name = name
        self.id = id
        self.chunk_position = chunk_position
        self.usage_metadata = usage_metadata
        self.tool_calls = [as_tool_call(c) for c in tool_calls] if tool_calls else []
        self.invalid_tool_calls = list(invalid_tool_calls) if invalid_tool_calls else []

    def __add__(self, other: Any) -> AIMessageChunk:
        if not isinstance(other, AIMessageChunk):
            return super().__add__(other)  # type: ignore[return-value]
        last = "last" in (self.chunk_position, other.chunk_position)
        return AIMessageChunk(
            content=self.content + other.content,
            additional_kwargs={**self.additional_kwargs, **other.additional_kwargs},
            response_metadata={**self.response_metadata, **other.response_metadata},
            name=self.name or other.name,
            id=self.id or other.id,
            chunk_position="last" if last else None,
            usage_metadata=sum_chunk_usage(self.usage_metadata, other.usage_metadata),
            tool_calls=self.tool_calls + other.tool_calls,
            invalid_tool_calls=self.invalid_tool_calls + other.invalid_tool_calls,
        )


_ROLE = {
    "human": "Human", "HumanMessageChunk": "Human", "ai": "AI", "AIMessageChunk": "AI",
    "system": "System", "SystemMessageChunk": "System", "tool": "Tool",
}


def get_buffer_string(messages: list[BaseMessage], human_prefix: str = "Human") -> str:
    """Render messages as ``Role: content`` lines (used by the ``on_llm_start`` fallback)."""
    lines = []
    for m in messages:
        if isinstance(m, ChatMessage):
            role = m.role
        else:
            role = _ROLE.get(m.type, m.type)
            if role == "Human":
                role = human_prefix
        lines.append(f"{role}: {m.text}")
    return "\n".join(lines)
