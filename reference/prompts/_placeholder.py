"""``MessagesPlaceholder``: a chat prompt's slot for a list of messages given at format time."""

from __future__ import annotations

from typing import Any

from reference.messages import BaseMessage, convert_to_messages
from reference.prompts._message import BaseMessagePromptTemplate

__all__ = ["MessagesPlaceholder", "coerce_messages"]


def coerce_messages(value: Any, variable: str) -> list[BaseMessage]:
    """A list of message-likes (messages, strings, ``(role, text)`` pairs, role dicts: what
    ``convert_to_messages`` takes) as messages."""
    if not isinstance(value, list):
        raise ValueError(
            f"Prompt variable {variable!r} must be a list of messages, got "
            f"{type(value).__name__}: {value!r}"
        )
    return convert_to_messages(value)


class MessagesPlaceholder(BaseMessagePromptTemplate):
    """The messages of variable ``variable_name`` (the last ``n_messages`` if set).

    An ``optional`` placeholder is not an input variable and formats to no
    messages when its variable is not given.
    """

    def __init__(
        self, variable_name: str, *, optional: bool = False, n_messages: int | None = None,
        verbose: bool = False,  # accepted and ignored, as langchain_core's is
    ) -> None:
        self.variable_name = variable_name
        self.optional = optional
        self.n_messages = n_messages

    def __repr__(self) -> str:
        return f"MessagesPlaceholder(variable_name={self.variable_name!r})"

    @property
    def input_variables(self) -> list[str]:
        return [] if self.optional else [self.variable_name]

    def format_messages(self, **values: Any) -> list[BaseMessage]:
        name = self.variable_name
        value = values.get(name, []) if self.optional else values[name]
        messages = coerce_messages(value, self.variable_name)
        return messages[-self.n_messages:] if self.n_messages else messages
