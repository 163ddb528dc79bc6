"""Messages from the shorthands people write (strings, ``(role, content)`` pairs, dicts) and
messages to and from plain dicts, with langchain_core's rules and error types."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from reference.messages._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    BaseMessageChunk,
    ChatMessage,
    ChatMessageChunk,
    FunctionMessage,
    FunctionMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    RemoveMessage,
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
)

if TYPE_CHECKING:
    from reference.prompt_values import PromptValue

__all__ = [
    "AnyMessage",
    "MessageLikeRepresentation",
    "convert_to_messages",
    "message_chunk_to_message",
    "message_to_dict",
    "messages_from_dict",
    "messages_to_dict",
]

#: Any concrete message class, for annotations (langchain_core's also tells pydantic how to pick
#: the class from a dict's ``type``; the reference has no pydantic: use messages_from_dict).
AnyMessage = Union[  # noqa: UP007 - a runtime alias, like langchain_core's
    AIMessage, HumanMessage, ChatMessage, SystemMessage, FunctionMessage, ToolMessage,
    AIMessageChunk, HumanMessageChunk, ChatMessageChunk, SystemMessageChunk,
    FunctionMessageChunk, ToolMessageChunk,
]

#: What :func:`convert_to_messages` takes for one message.
MessageLikeRepresentation = Union[  # noqa: UP007
    BaseMessage, list[str], tuple[str, Any], str, dict[str, Any]
]

#: ``message_to_dict``'s ``type`` -> class (every class's own ``type``).
_BY_TYPE: dict[str, type[BaseMessage]] = {
    cls.type: cls for cls in (
        HumanMessage, AIMessage, SystemMessage, ChatMessage, FunctionMessage, ToolMessage,
        RemoveMessage, AIMessageChunk, HumanMessageChunk, FunctionMessageChunk,
        ToolMessageChunk, SystemMessageChunk, ChatMessageChunk,
    )
}

#: Class names of langchain_core's serialized form ({"lc": 1, "type": "constructor", ...}).
_CONSTRUCTOR_TYPES = {
    "HumanMessage": "human", "HumanMessageChunk": "human", "AIMessage": "ai",
    "AIMessageChunk": "ai", "SystemMessage": "system", "SystemMessageChunk": "system",
    "FunctionMessage": "function", "FunctionMessageChunk": "function", "ToolMessage": "tool",
    "ToolMessageChunk": "tool", "RemoveMessage": "remove",
}

_ROLES = "'human', 'user', 'ai', 'assistant', 'function', 'tool', 'system', or 'developer'"


def _coercion_error(text: str) -> str:
    """langchain_core's text for a message it cannot make (its error code's help page)."""
    return (f"{text}\nFor troubleshooting, visit: https://docs.langchain.com/oss/python/"
            "langchain/errors/MESSAGE_COERCION_FAILURE ")


def message_to_dict(message: BaseMessage) -> dict[str, Any]:
    """``{"type": message.type, "data": every field}``, the form :func:`messages_from_dict`
    reads back (the fields in langchain_core's order: ``type`` after ``response_metadata``)."""
    data: dict[str, Any] = {}
    for name, _ in message._fields:
        data[name] = getattr(message, name)
        if name == "response_metadata":
            data["type"] = message.type
    return {"type": message.type, "data": data}


def messages_to_dict(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    """Each message as :func:`message_to_dict` gives it."""
    return [message_to_dict(m) for m in messages]


def _from_dict(message: dict[str, Any]) -> BaseMessage:
    cls = _BY_TYPE.get(message["type"])
    if cls is None:
        raise ValueError(f"Got unexpected message type: {message['type']}")
    data = {k: v for k, v in message["data"].items() if k != "type"}
    if cls is not AIMessageChunk:
        data.pop("tool_call_chunks", None)
    if cls is RemoveMessage and not data.get("content"):
        data.pop("content", None)
    return cls(**data)


def messages_from_dict(messages: Sequence[dict[str, Any]]) -> list[BaseMessage]:
    """Messages from :func:`message_to_dict`'s dicts (an unknown ``type`` raises ValueError)."""
    return [_from_dict(m) for m in messages]


def message_chunk_to_message(chunk: BaseMessage) -> BaseMessage:
    """A chunk (a sum of chunks, say) as the message class it is a piece of; any other message
    is returned as is."""
    if not isinstance(chunk, BaseMessageChunk):
        return chunk
    cls = type(chunk).__mro__[1]
    skip = {"chunk_position", "tool_call_chunks"}
    fields = {k: getattr(chunk, k) for k, _ in chunk._fields if k not in skip}
    return cls(**fields)  # type: ignore[no-any-return]


def _tool_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tool calls in langchain_core's form, OpenAI's ``{"function": {...}}`` ones converted."""
    out = []
    for call in calls:
        if "function" in call:
            args = call["function"]["arguments"]
            if isinstance(args, str):
                args = json.loads(args, strict=False)
            call = {"name": call["function"]["name"], "args": args, "id": call["id"],
                    "type": "tool_call"}
        out.append(call)
    return out


def _from_role(role: str, content: Any, name: str | None = None,
               tool_call_id: str | None = None, tool_calls: list[dict[str, Any]] | None = None,
               id: str | None = None, **extra: Any) -> BaseMessage:
    """A message of ``role`` (langchain_core's role names); other keys of a dict go to
    ``additional_kwargs`` (``response_metadata`` excepted, and ``additional_kwargs`` merged)."""
    kw: dict[str, Any] = {}
    if name is not None:
        kw["name"] = name
    if tool_call_id is not None:
        kw["tool_call_id"] = tool_call_id
    if extra:
        if metadata := extra.pop("response_metadata", None):
            kw["response_metadata"] = metadata
        extra.update(extra.pop("additional_kwargs", {}))
        kw["additional_kwargs"] = extra
    if id is not None:
        kw["id"] = id
    if tool_calls is not None:
        kw["tool_calls"] = _tool_calls(tool_calls)
    extra_kw: dict[str, Any] = kw.get("additional_kwargs", {})
    if role in ("human", "user", "ai", "assistant") and extra_kw.pop("example", False):
        raise NotImplementedError(
            "the reference engine's messages have no 'example' field (a dict gave example=True)")
    if role in ("human", "user"):
        return HumanMessage(content, **kw)
    if role in ("ai", "assistant"):
        return AIMessage(content, **kw)
    if role in ("system", "developer"):
        if role == "developer":
            kw["additional_kwargs"] = {**extra_kw, "__openai_role__": "developer"}
        return SystemMessage(content, **kw)
    if role == "function":
        return FunctionMessage(content, **kw)
    if role == "tool":
        artifact = extra_kw.pop("artifact", None)
        status = extra_kw.pop("status", None)
        if status is not None:
            kw["status"] = status
        return ToolMessage(content, artifact=artifact, **kw)
    if role == "remove":
        return RemoveMessage(**kw)
    raise ValueError(_coercion_error(f"Unexpected message type: '{role}'. Use one of {_ROLES}."))


def _convert(message: Any) -> BaseMessage:
    if isinstance(message, BaseMessage):
        return message
    if isinstance(message, str):
        return _from_role("human", message)
    if isinstance(message, Sequence):
        try:
            role, content = message
        except ValueError as e:
            raise NotImplementedError(
                "Message as a sequence must be (role string, template)") from e
        return _from_role(role, content)
    if isinstance(message, dict):
        if (message.get("lc") == 1 and message.get("type") == "constructor"
                and isinstance(message.get("id"), list) and message["id"]
                and isinstance(message.get("kwargs"), dict)):
            mapped = _CONSTRUCTOR_TYPES.get(message["id"][-1])
            if mapped is not None:
                return _convert({"type": mapped, **message["kwargs"]})
        kw = dict(message)
        try:
            role = kw.pop("role") if "role" in kw else kw.pop("type")
            content = kw.pop("content") or ""
        except KeyError as e:
            raise ValueError(_coercion_error(
                f"Message dict must contain 'role' and 'content' keys, got {message}")) from e
        return _from_role(role, content, **kw)
    raise NotImplementedError(_coercion_error(f"Unsupported message type: {type(message)}"))


def convert_to_messages(
    messages: Iterable[MessageLikeRepresentation] | PromptValue,
) -> list[BaseMessage]:
    """Messages from messages, strings (human messages), ``(role, content)`` pairs, dicts with
    ``role`` (or ``type``) and ``content``, or a prompt value's messages.

    Errors are langchain_core's: an unknown role raises ValueError, a dict without role or
    content ValueError, a sequence not of two items or an object of another type
    NotImplementedError.
    """
    from reference.prompt_values import PromptValue

    if isinstance(messages, PromptValue):
        return messages.to_messages()
    return [_convert(m) for m in messages]
