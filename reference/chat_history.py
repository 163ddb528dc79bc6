"""``langchain_core.chat_history``: where a conversation's messages are kept between calls.

``RunnableWithMessageHistory`` reads a history's ``messages`` (``aget_messages`` in async
code) before each call and hands ``add_messages`` (``aadd_messages``) the call's new input
and output messages after it, so a store needs ``messages``, ``add_messages`` (or
``add_message``) and ``clear``; the async forms default to the sync ones in a worker thread,
as langchain_core's do. Creating or using a history starts no run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from reference._model import Record
from reference.messages import AIMessage, BaseMessage, HumanMessage, get_buffer_string
from reference.runnables._executor import run_in_executor

__all__ = ["BaseChatMessageHistory", "InMemoryChatMessageHistory"]


class BaseChatMessageHistory(ABC):
    """A store of one conversation's messages; subclasses give ``messages`` (an attribute or a
    property), ``add_messages`` or ``add_message``, and ``clear``."""

    messages: list[BaseMessage]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # cooperative, so a history can also derive from another base (a pydantic model)
        super().__init__(*args, **kwargs)

    async def aget_messages(self) -> list[BaseMessage]:
        """``messages``, read in a worker thread (a store may do blocking I/O)."""
        return await run_in_executor(None, lambda: self.messages)

    def add_user_message(self, message: HumanMessage | str) -> None:
        """Add a ``HumanMessage`` (a string becomes one)."""
        self.add_message(message if isinstance(message, HumanMessage)
                         else HumanMessage(content=message))

    def add_ai_message(self, message: AIMessage | str) -> None:
        """Add an ``AIMessage`` (a string becomes one)."""
        self.add_message(message if isinstance(message, AIMessage)
                         else AIMessage(content=message))

    def add_message(self, message: BaseMessage) -> None:
        """Add one message through the subclass's ``add_messages``; a subclass with neither
        method raises NotImplementedError (each default would call the other)."""
        if type(self).add_messages is BaseChatMessageHistory.add_messages:
            raise NotImplementedError(
                "add_message is not implemented for this class. "
                "Please implement add_message or add_messages.")
        self.add_messages([message])

    def add_messages(self, messages: Sequence[BaseMessage]) -> None:
        """Add messages one by one through ``add_message``; stores override this to write
        them in one go."""
        for message in messages:
            self.add_message(message)

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        """``add_messages`` in a worker thread."""
        await run_in_executor(None, self.add_messages, messages)

    @abstractmethod
    def clear(self) -> None:
        """Remove every message."""

    async def aclear(self) -> None:
        """``clear`` in a worker thread."""
        await run_in_executor(None, self.clear)

    def __str__(self) -> str:
        """The conversation as text, one ``Role: content`` line per message."""
        return get_buffer_string(self.messages)


class InMemoryChatMessageHistory(BaseChatMessageHistory, Record):
    """Messages in a list (``messages``); the async methods work in place, no thread."""

    _fields = (("messages", []),)
    _always = frozenset({"messages"})

    def __init__(self, *, messages: Sequence[BaseMessage] | None = None) -> None:
        super().__init__()
        self.messages = list(messages) if messages else []

    async def aget_messages(self) -> list[BaseMessage]:
        return self.messages

    def add_message(self, message: BaseMessage) -> None:
        self.messages.append(message)

    async def aadd_messages(self, messages: Sequence[BaseMessage]) -> None:
        self.add_messages(messages)

    def clear(self) -> None:
        self.messages = []

    async def aclear(self) -> None:
        self.clear()
