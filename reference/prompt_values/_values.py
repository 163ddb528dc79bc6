"""Prompt values: what a prompt template produces and a model consumes."""

from __future__ import annotations

from reference._model import Record
from reference.messages import BaseMessage, HumanMessage, get_buffer_string

__all__ = ["ChatPromptValue", "PromptValue", "StringPromptValue"]


class PromptValue(Record):
    """Base class: can be rendered as a string or as chat messages."""

    def to_string(self) -> str:
        raise NotImplementedError

    def to_messages(self) -> list[BaseMessage]:
        raise NotImplementedError


class ChatPromptValue(PromptValue):
    """A list of chat messages."""

    _fields = (("messages", []),)
    _always = frozenset({"messages"})

    def __init__(self, messages: list[BaseMessage]) -> None:
        self.messages = list(messages)

    def to_string(self) -> str:
        return get_buffer_string(self.messages)

    def to_messages(self) -> list[BaseMessage]:
        return list(self.messages)


class StringPromptValue(PromptValue):
    """A plain text prompt."""

    _fields = (("text", ""),)
    _always = frozenset({"text"})

    def __init__(self, text: str) -> None:
        self.text = text

    def to_string(self) -> str:
        return self.text

    def to_messages(self) -> list[BaseMessage]:
        return [HumanMessage(self.text)]
