"""Chat messages: a role, content and a few optional fields."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from reference._model import Record
from reference.messages._merge import best_chunk_id, merge_content, merge_dicts, merge_lists
from reference.messages._tool_calls import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    invalid_tool_call,
    tool_call_chunk,
)
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
    "FunctionMessage",
    "FunctionMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "InputTokenDetails",
    "InvalidToolCall",
    "OutputTokenDetails",
    "RemoveMessage",
    "SystemMessage",
    "SystemMessageChunk",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "ToolMessageChunk",
    "ToolOutputMixin",
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
        """The content's text: a str as it is; of a list of content blocks, the strings and
        the ``text`` of ``{"type": "text"}`` blocks, joined (images and the like left out).
        Callable too, for code written when it was a method (``message.text()``)."""
        content = self.content
        if isinstance(content, str):
            return _Text(content)
        return _Text("".join(
            b if isinstance(b, str) else b["text"] for b in content
            if isinstance(b, str) or (isinstance(b, dict) and b.get("type") == "text"
                                      and isinstance(b.get("text"), str))))

    def pretty_repr(self, html: bool = False) -> str:
        """The message for people to read: a ``===== Human Message =====`` rule 80 wide, the
        name if any, then the content (``html`` bolds the title)."""
        head = _title_rule(self.type.title() + " Message", bold=html)
        if self.name is not None:
            head += f"\nName: {self.name}"
        return f"{head}\n\n{self.content}"

    def pretty_print(self) -> None:
        """Print :meth:`pretty_repr`."""
        print(self.pretty_repr())

    def __add__(self, other: Any) -> Any:
        """A chat prompt of this message followed by ``other`` (chunks add up instead)."""
        from reference.prompts import ChatPromptTemplate

        return ChatPromptTemplate([self]) + other


class _Text(str):
    """A message's text, also callable (``message.text()``, the older method form)."""

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


def _title_rule(title: str, *, bold: bool = False) -> str:
    """``title`` centred in a rule of ``=`` 80 characters wide."""
    padded = f" {title} "
    side = "=" * ((80 - len(padded)) // 2)
    shown = f"\033[1m{padded}\033[0m" if bold else padded
    return side + shown + side + ("=" if len(padded) % 2 else "")


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

    def pretty_repr(self, html: bool = False) -> str:
        """As a message's, then the tool calls (and invalid ones): name, id and arguments."""
        lines = [super().pretty_repr(html=html).strip()]
        for title, calls in (("Tool Calls:", self.tool_calls),
                             ("Invalid Tool Calls:", self.invalid_tool_calls)):
            if calls:
                lines.append(title)
                for call in calls:
                    lines += [f"  {call.get('name', 'Tool')} ({call.get('id')})",
                              f" Call ID: {call.get('id')}"]
                    if call.get("error"):
                        lines.append(f"  Error: {call.get('error')}")
                    lines.append("  Args:")
                    args = call.get("args")
                    if isinstance(args, str):
                        lines.append(f"    {args}")
                    elif isinstance(args, dict):
                        lines += [f"    {k}: {v}" for k, v in args.items()]
        return "\n".join(lines).strip()


class SystemMessage(BaseMessage):
    """Instructions for the model."""

    type: ClassVar[str] = "system"


class ToolOutputMixin:
    """Marks what a tool returns as its answer to a tool call as it is: other outputs are
    wrapped in a :class:`ToolMessage` (a ToolMessage is one)."""


class ToolMessage(BaseMessage, ToolOutputMixin):
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


class FunctionMessage(BaseMessage):
    """The result of a function call (the older form of :class:`ToolMessage`); ``name`` names
    the function and is required."""

    type: ClassVar[str] = "function"
    _always = frozenset({"content", "name"})

    def __init__(self, content: Any = "", *, name: str, **kwargs: Any) -> None:
        super().__init__(content, name=name, **kwargs)


class RemoveMessage(BaseMessage):
    """A request to delete the message whose ``id`` it carries from a stored history; it has no
    content (giving one raises ValueError, as langchain_core's does)."""

    type: ClassVar[str] = "remove"
    _always = frozenset({"id"})

    def __init__(self, id: str, **kwargs: Any) -> None:
        if "content" in kwargs:
            raise ValueError("RemoveMessage does not support 'content' field.")
        super().__init__("", id=id, **kwargs)


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
        """The left chunk's class and id, the contents and metadata merged as langchain_core
        merges them (:mod:`reference.messages._merge`); the ``name`` is not kept (a function
        message chunk's is)."""
        if isinstance(other, (list, tuple)) and all(
                isinstance(o, BaseMessageChunk) for o in other):
            total: BaseMessageChunk = self
            for o in other:
                total = total + o
            return total
        if not isinstance(other, BaseMessageChunk):
            return NotImplemented
        merged = type(self).__new__(type(self))
        for name, _ in self._fields:
            setattr(merged, name, getattr(self, name))
        merged.content = merge_content(self.content, other.content)
        merged.additional_kwargs = merge_dicts(self.additional_kwargs, other.additional_kwargs)
        merged.response_metadata = merge_dicts(self.response_metadata, other.response_metadata)
        if not isinstance(self, FunctionMessageChunk):
            merged.name = None
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


class FunctionMessageChunk(FunctionMessage, BaseMessageChunk):
    """A streamed piece of a ``FunctionMessage``; only chunks of one function add up."""

    type: ClassVar[str] = "FunctionMessageChunk"

    def __add__(self, other: Any) -> BaseMessageChunk:
        if isinstance(other, FunctionMessageChunk) and self.name != other.name:
            raise ValueError("Cannot concatenate FunctionMessageChunks with different names.")
        return super().__add__(other)


class ToolMessageChunk(ToolMessage, BaseMessageChunk):
    """A streamed piece of a ``ToolMessage``; only chunks answering one tool call add up
    (the sum is ``"error"`` if either is, and, as langchain_core's, has no ``name``)."""

    type: ClassVar[str] = "ToolMessageChunk"

    def __add__(self, other: Any) -> BaseMessageChunk:
        if not isinstance(other, ToolMessageChunk):
            return super().__add__(other)
        if self.tool_call_id != other.tool_call_id:
            # langchain_core's wording, though it compares the tool call ids.
            raise ValueError("Cannot concatenate ToolMessageChunks with different names.")
        return ToolMessageChunk(
            self.content + other.content,
            tool_call_id=self.tool_call_id,
            artifact=_merge_artifact(self.artifact, other.artifact),
            additional_kwargs={**self.additional_kwargs, **other.additional_kwargs},
            response_metadata={**self.response_metadata, **other.response_metadata},
            id=self.id,
            status="error" if "error" in (self.status, other.status) else "success",
        )


def _merge_artifact(left: Any, right: Any) -> Any:
    """Two chunks' artifacts as one: a missing one gives way, equal ones are kept, strings join."""
    if left is None or left == right:
        return right if left is None else left
    if right is None:
        return left
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    raise NotImplementedError(
        "the reference engine adds ToolMessageChunk artifacts only when one is None, they are "
        f"equal or both are str; got {type(left).__name__} and {type(right).__name__}")


class AIMessageChunk(AIMessage, BaseMessageChunk):
    """A streamed piece of an ``AIMessage``; chunks add up with ``+``.

    ``chunk_position="last"`` marks a stream's final chunk (langchain_core 1.x
    sends one more, empty, token when a model's last chunk lacks it).
    ``tool_call_chunks`` are the streamed pieces of tool calls; as in
    langchain_core, given ones decide ``tool_calls`` (each chunk's ``args``
    parsed as JSON, possibly cut short; one that does not parse to an object is
    an invalid tool call), and without them they are made from ``tool_calls``
    and ``invalid_tool_calls``. A sum merges the chunks of one ``index``.
    """

    type: ClassVar[str] = "AIMessageChunk"
    _fields = (*AIMessage._fields, ("tool_call_chunks", []), ("chunk_position", None))

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
        tool_call_chunks: list[Any] | None = None,
    ) -> None:
        # Spelled out rather than super().__init__(**kwargs): a stream makes one per token.
        self.content = content
        self.additional_kwargs = additional_kwargs or {}
        self.response_metadata = response_metadata or {}
        self.name = name
        self.id = id
        self.chunk_position = chunk_position
        self.usage_metadata = usage_metadata
        if tool_call_chunks:
            self.tool_call_chunks = [_as_chunk(c) for c in tool_call_chunks]
            self.tool_calls, self.invalid_tool_calls = _parse_chunks(self.tool_call_chunks)
            return
        self.tool_calls = [as_tool_call(c) for c in tool_calls] if tool_calls else []
        self.invalid_tool_calls = [_as_invalid(c) for c in invalid_tool_calls] \
            if invalid_tool_calls else []
        self.tool_call_chunks = [] if not (tool_calls or invalid_tool_calls) else [
            *(tool_call_chunk(name=c["name"], args=json.dumps(c["args"]), id=c["id"])
              for c in self.tool_calls),
            *(tool_call_chunk(name=c.get("name"), args=c.get("args"), id=c.get("id"))
              for c in self.invalid_tool_calls)]

    def __add__(self, other: Any) -> AIMessageChunk:
        if isinstance(other, (list, tuple)) and all(isinstance(o, AIMessageChunk) for o in other):
            total = self
            for o in other:
                total = total + o
            return total
        if not isinstance(other, AIMessageChunk):
            return super().__add__(other)  # type: ignore[return-value]
        last = "last" in (self.chunk_position, other.chunk_position)
        return AIMessageChunk(
            content=merge_content(self.content, other.content),
            additional_kwargs=merge_dicts(self.additional_kwargs, other.additional_kwargs),
            response_metadata=merge_dicts(self.response_metadata, other.response_metadata),
            id=best_chunk_id([self.id, other.id]),
            chunk_position="last" if last else None,
            usage_metadata=sum_chunk_usage(self.usage_metadata, other.usage_metadata),
            tool_call_chunks=merge_lists(self.tool_call_chunks, other.tool_call_chunks),
        )


def _as_chunk(c: Any) -> ToolCallChunk:
    return tool_call_chunk(name=c.get("name"), args=c.get("args"), id=c.get("id"),
                           index=c.get("index"))


def _as_invalid(c: Any) -> InvalidToolCall:
    return invalid_tool_call(name=c.get("name"), args=c.get("args"), id=c.get("id"),
                             error=c.get("error"))


def _parse_chunks(chunks: list[ToolCallChunk]) -> tuple[list[ToolCall], list[InvalidToolCall]]:
    """Tool calls from their streamed chunks: valid where ``args`` parses to an object."""
    from reference.output_parsers._json import parse_partial_json  # (imports messages)

    calls: list[ToolCall] = []
    invalid: list[InvalidToolCall] = []
    for c in chunks:
        try:
            args = parse_partial_json(c["args"]) if c["args"] else {}
        except Exception:  # any failure to parse makes an invalid call
            args = None
        if isinstance(args, dict):
            calls.append(ToolCall(name=c["name"] or "", args=args, id=c["id"], type="tool_call"))
        else:
            invalid.append(invalid_tool_call(name=c["name"], args=c["args"], id=c["id"]))
    return calls, invalid


#: A chunk's ``type`` as its message's (the role a buffer string names).
_CHUNK_TYPE = {"HumanMessageChunk": "human", "AIMessageChunk": "ai",
               "SystemMessageChunk": "system", "ToolMessageChunk": "tool",
               "FunctionMessageChunk": "function"}


def get_buffer_string(
    messages: list[BaseMessage],
    human_prefix: str = "Human",
    ai_prefix: str = "AI",
    *,
    system_prefix: str = "System",
    function_prefix: str = "Function",
    tool_prefix: str = "Tool",
    message_separator: str = "\n",
    format: Literal["prefix", "xml"] = "prefix",
) -> str:
    """Render messages as ``Role: text`` lines, an AI message's tool calls (else a legacy
    ``function_call``) appended as their repr (also the ``on_llm_start`` fallback)."""
    if format != "prefix":
        raise NotImplementedError(
            f"The reference renders messages with format='prefix' only, got {format!r}")
    prefixes = {"human": human_prefix, "ai": ai_prefix, "system": system_prefix,
                "function": function_prefix, "tool": tool_prefix}
    lines = []
    for m in messages:
        if isinstance(m, ChatMessage):
            role = m.role
        else:
            role = prefixes.get(_CHUNK_TYPE.get(m.type, m.type), m.type)
        line = f"{role}: {m.text}"
        if isinstance(m, AIMessage):
            if m.tool_calls:
                line += str(m.tool_calls)
            elif "function_call" in m.additional_kwargs:
                line += str(m.additional_kwargs["function_call"])
        lines.append(line)
    return message_separator.join(lines)
