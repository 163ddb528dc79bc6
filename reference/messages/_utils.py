"""filter_messages, merge_message_runs and trim_messages, with langchain_core 1.8.3's rules.

Each takes messages in any form :func:`convert_to_messages` accepts. Called without messages
(``trim_messages(max_tokens=2, token_counter=len)``) each gives a ``RunnableLambda`` named after
the function, applying it with the given keywords: a chain step, as in langchain_core.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterable, Sequence
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from reference.messages._convert import MessageLikeRepresentation, convert_to_messages
from reference.messages._merge import merge_content
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
    SystemMessage,
    SystemMessageChunk,
    ToolMessage,
    ToolMessageChunk,
)

if TYPE_CHECKING:
    from reference.prompt_values import PromptValue

__all__ = ["filter_messages", "merge_message_runs", "trim_messages"]

TypeSpec = str | type[BaseMessage] | Sequence[str | type[BaseMessage]]
F = TypeVar("F", bound=Callable[..., list[BaseMessage]])


def _runnable_when_no_messages(func: F) -> F:
    """``func(None, **kw)`` (or ``func(**kw)``) is ``RunnableLambda(func with kw)`` named
    ``func.__name__``; with messages it is ``func`` itself. Positional arguments after the
    messages are dropped in the runnable form, as langchain_core drops them."""

    @wraps(func)
    def wrapped(messages: Any = None, *args: Any, **kwargs: Any) -> Any:
        if messages is not None:
            return func(messages, *args, **kwargs)
        from reference.runnables import RunnableLambda

        return RunnableLambda(partial(func, **kwargs), name=func.__name__)

    return wrapped  # type: ignore[return-value]


def _is_type(message: BaseMessage, types: TypeSpec) -> bool:
    """Whether ``message``'s ``type`` is one of the names or it is an instance of the classes."""
    spec = [types] if isinstance(types, (str, type)) else list(types)
    names = [t for t in spec if isinstance(t, str)]
    classes = tuple(t for t in spec if isinstance(t, type))
    return message.type in names or isinstance(message, classes)


@_runnable_when_no_messages
def filter_messages(
    messages: Iterable[MessageLikeRepresentation] | PromptValue,
    *,
    include_names: Sequence[str] | None = None,
    exclude_names: Sequence[str] | None = None,
    include_types: Sequence[str | type[BaseMessage]] | None = None,
    exclude_types: Sequence[str | type[BaseMessage]] | None = None,
    include_ids: Sequence[str] | None = None,
    exclude_ids: Sequence[str] | None = None,
    exclude_tool_calls: Sequence[str] | bool | None = None,
) -> list[BaseMessage]:
    """The messages matching an ``include_*`` criterion (all when none is given) and no
    ``exclude_*`` one. ``exclude_tool_calls=True`` drops AI messages with tool calls and tool
    messages; a list of ids drops those calls (an AI message left with none is dropped) and the
    tool messages answering them."""
    kept: list[BaseMessage] = []
    for msg in convert_to_messages(messages):
        if ((exclude_names and msg.name in exclude_names)
                or (exclude_types and _is_type(msg, exclude_types))
                or (exclude_ids and msg.id in exclude_ids)):
            continue
        if exclude_tool_calls is True and (
                (isinstance(msg, AIMessage) and msg.tool_calls) or isinstance(msg, ToolMessage)):
            continue
        if isinstance(exclude_tool_calls, (list, tuple, set)):
            if isinstance(msg, AIMessage) and msg.tool_calls:
                calls = [c for c in msg.tool_calls if c["id"] not in exclude_tool_calls]
                if not calls:
                    continue
                content = msg.content
                if isinstance(content, list):  # Anthropic's tool_use blocks go with their calls
                    content = [b for b in content if not isinstance(b, dict)
                               or b.get("type") != "tool_use"
                               or b.get("id") not in exclude_tool_calls]
                msg = copy.copy(msg)
                msg.tool_calls, msg.content = calls, content
            elif isinstance(msg, ToolMessage) and msg.tool_call_id in exclude_tool_calls:
                continue
        if (not (include_types or include_ids or include_names)
                or (include_names and msg.name in include_names)
                or (include_types and _is_type(msg, include_types))
                or (include_ids and msg.id in include_ids)):
            kept.append(msg)
    return kept


_CHUNK_OF: dict[type[BaseMessage], type[BaseMessageChunk]] = {
    HumanMessage: HumanMessageChunk, AIMessage: AIMessageChunk, SystemMessage: SystemMessageChunk,
    ToolMessage: ToolMessageChunk, FunctionMessage: FunctionMessageChunk,
    ChatMessage: ChatMessageChunk,
}


def _fields(message: BaseMessage, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    return {k: getattr(message, k) for k, _ in message._fields if k not in skip}


def _as_chunk(message: BaseMessage) -> BaseMessageChunk:
    for cls, chunk_cls in _CHUNK_OF.items():
        if isinstance(message, cls):
            return chunk_cls(**_fields(message))
    raise ValueError(f"Unrecognized message class {type(message)}. Supported classes are "
                     f"{list(_CHUNK_OF)}")


@_runnable_when_no_messages
def merge_message_runs(
    messages: Iterable[MessageLikeRepresentation] | PromptValue, *, chunk_separator: str = "\n",
) -> list[BaseMessage]:
    """Consecutive messages of one class as one (tool messages never merge): contents joined
    with ``chunk_separator`` when both are non-empty strings, tool calls and keywords combined,
    the first one's ``id`` and ``response_metadata`` kept."""
    if not messages:
        return []
    merged: list[BaseMessage] = []
    for msg in convert_to_messages(messages):
        last = merged[-1] if merged else None
        if last is None or isinstance(msg, ToolMessage) or not isinstance(msg, type(last)):
            merged.append(msg)
            continue
        left, right = _as_chunk(last), _as_chunk(msg)
        right.response_metadata = {}
        if isinstance(left.content, str) and isinstance(right.content, str) and (
                left.content and right.content):
            left.content += chunk_separator
        content = merge_content(left.content, right.content)
        left.content = right.content = ""
        total = left + right
        total.content = content
        cls = type(total).__mro__[1]
        merged[-1] = cls(**_fields(total, frozenset({"chunk_position", "tool_call_chunks"})))
    return merged


def _counter_of(token_counter: Any) -> Callable[[list[BaseMessage]], int]:
    """``token_counter`` as a function of a list of messages (a function whose first parameter
    is annotated ``BaseMessage`` counts one message: it is summed, as langchain_core does)."""
    if isinstance(token_counter, str):
        if token_counter == "approximate":
            raise NotImplementedError(
                "trim_messages: the reference engine has no count_tokens_approximately; give "
                "token_counter=len or a function")
        raise ValueError(f"Invalid token_counter shortcut '{token_counter}'. Available "
                         "shortcuts: 'approximate'.")
    if hasattr(token_counter, "get_num_tokens_from_messages"):
        return token_counter.get_num_tokens_from_messages  # type: ignore[no-any-return]
    if not callable(token_counter):
        from reference.runnables import Runnable

        if isinstance(token_counter, Runnable):
            raise NotImplementedError(
                "trim_messages: the reference engine's models do not count tokens; give "
                "token_counter=len or a function")
        raise ValueError(
            "'token_counter' expected to be a model that implements "
            "'get_num_tokens_from_messages()' or a function. Received object of type "
            f"{type(token_counter)}.")
    first = next(iter(inspect.signature(token_counter).parameters.values()))
    if first.annotation is BaseMessage:
        return lambda ms: sum(token_counter(m) for m in ms)
    return token_counter  # type: ignore[no-any-return]


def _first_fit(messages: list[BaseMessage], max_tokens: int,
               count: Callable[[list[BaseMessage]], int], end_on: TypeSpec | None) -> list[
        BaseMessage]:
    """The longest prefix within ``max_tokens``, then shortened to end on ``end_on``.

    The prefix is found by langchain_core's binary search, so a counter is called on the same
    slices (one that is not monotonic gives the same answer on both)."""
    if not messages:
        return messages
    if count(messages) <= max_tokens:
        n = len(messages)
    else:
        lo, hi = 0, len(messages)
        for _ in range(len(messages).bit_length()):
            if lo >= hi:
                break
            mid = (lo + hi + 1) // 2
            if count(messages[:mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        n = lo
    if end_on:
        while n > 0 and not _is_type(messages[n - 1], end_on):
            n -= 1
    return messages[:n]


@_runnable_when_no_messages
def trim_messages(
    messages: Iterable[MessageLikeRepresentation] | PromptValue,
    *,
    max_tokens: int,
    token_counter: Any,
    strategy: Literal["first", "last"] = "last",
    allow_partial: bool = False,
    end_on: TypeSpec | None = None,
    start_on: TypeSpec | None = None,
    include_system: bool = False,
    text_splitter: Callable[[str], list[str]] | None = None,
) -> list[BaseMessage]:
    """The first (``strategy="first"``) or last whole messages within ``max_tokens`` as
    ``token_counter`` counts them (``len`` counts messages), ending on ``end_on`` and (last)
    starting on ``start_on``; ``include_system`` keeps a leading system message (last only).

    ``allow_partial=True`` (cutting a message's content to fit) is not supported: it raises
    NotImplementedError, as do ``token_counter="approximate"`` and a model as counter.
    """
    if start_on and strategy == "first":
        raise ValueError("start_on parameter is only valid with strategy='last'")
    if include_system and strategy == "first":
        raise ValueError("include_system parameter is only valid with strategy='last'")
    msgs = convert_to_messages(messages)
    count = _counter_of(token_counter)
    if allow_partial:
        raise NotImplementedError(
            "trim_messages: allow_partial=True is not supported by the reference engine")
    del text_splitter  # used by langchain_core only to cut a partial message
    if strategy == "first":
        return _first_fit(msgs, max_tokens, count, end_on)
    if strategy != "last":
        raise ValueError(
            f"Unrecognized strategy={strategy!r}. Supported strategies are 'last' and 'first'.")
    if end_on:
        while msgs and not _is_type(msgs[-1], end_on):
            msgs.pop()
    system = None
    if include_system and msgs and isinstance(msgs[0], SystemMessage):
        system, msgs = msgs[0], msgs[1:]
    budget = max(0, max_tokens - count([system])) if system else max_tokens
    kept = _first_fit(msgs[::-1], budget, count, start_on)[::-1]
    return [system, *kept] if system else kept
