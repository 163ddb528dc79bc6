"""What ``RunnableWithMessageHistory`` stores: the messages in a run's input and output.

Inputs and outputs come in the shapes langchain_core accepts: a string (a human message in,
an AI message out), a message, a list or tuple of messages (a chat model's traced input is
a list holding one list), or a dict holding one of those under the given key, its only key,
or ``"input"`` / ``"output"``; a chat model's traced output is its ``LLMResult`` dump, whose
first generation's message is taken. A tracer keeps messages dumped, so a run's payloads
are revived first.
"""

from __future__ import annotations

from typing import Any

from reference import messages

__all__ = ["input_messages", "output_messages", "revive"]


def revive(value: Any) -> Any:
    """``value`` with the message dumps a tracer made (constructor records) as messages."""
    if isinstance(value, dict):
        ident = value.get("id")
        if value.get("lc") == 1 and value.get("type") == "constructor" \
                and isinstance(ident, list) and len(ident) > 1 and ident[-2] == "messages":
            cls = getattr(messages, ident[-1], None)
            if isinstance(cls, type) and issubclass(cls, messages.BaseMessage):
                kwargs = {k: revive(v) for k, v in value.get("kwargs", {}).items()
                          if k != "type"}
                return cls(**kwargs)
        return {k: revive(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revive(v) for v in value]
    return value


def _unexpected(value: Any) -> ValueError:
    return ValueError(
        f"Expected str, BaseMessage, list[BaseMessage], or tuple[BaseMessage]. Got {value}.")


def input_messages(value: Any, key: str | None) -> list[Any]:
    """The messages of a runnable's input (a dict's ``key``, only key, or ``"input"``)."""
    if isinstance(value, dict):
        value = value[key or (next(iter(value)) if len(value) == 1 else "input")]
    if isinstance(value, str):
        return [messages.HumanMessage(content=value)]
    if isinstance(value, messages.BaseMessage):
        return [value]
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], list):  # a chat model's [[messages]]
            if len(value) != 1:
                raise ValueError(f"Expected a single list of messages. Got {value}.")
            return list(value[0])
        return list(value)
    raise _unexpected(value)


def output_messages(value: Any, key: str | None) -> list[Any]:
    """The messages of a runnable's output (a dict's ``key``, only key, or ``"output"``; a
    model's result dump: its first generation's message)."""
    if isinstance(value, dict):
        pick = key or (next(iter(value)) if len(value) == 1 else "output")
        if pick not in value and "generations" in value:
            value = value["generations"][0][0]["message"]
        else:
            value = value[pick]
    if isinstance(value, str):
        return [messages.AIMessage(content=value)]
    if isinstance(value, messages.BaseMessage):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise _unexpected(value)
