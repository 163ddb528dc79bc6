"""``ChatPromptTemplate``: format ``{variables}`` into a list of messages (a chain-type run)."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any, final

from reference.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from reference.prompt_values import ChatPromptValue
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._lifecycle import arun, run

__all__ = ["ChatPromptTemplate"]

_ROLES: dict[str, type[BaseMessage]] = {
    "human": HumanMessage,
    "user": HumanMessage,
    "ai": AIMessage,
    "assistant": AIMessage,
    "system": SystemMessage,
}


def _variables(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f]


@final
class ChatPromptTemplate(Runnable[Any, ChatPromptValue]):
    """Message templates: (role class, template string) or fixed messages."""

    def __init__(
        self,
        messages: Sequence[tuple[type[BaseMessage], str] | BaseMessage],
        *,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.messages = list(messages)
        seen: list[str] = []
        for m in self.messages:
            if isinstance(m, tuple):
                seen.extend(v for v in _variables(m[1]) if v not in seen)
        self.input_variables = seen
        self._init_scope(name, callbacks, tags, metadata)

    @classmethod
    def from_template(cls, template: str, **kwargs: Any) -> ChatPromptTemplate:
        """One human message built from ``template``."""
        return cls([(HumanMessage, template)], **kwargs)

    @classmethod
    def from_messages(
        cls, messages: Sequence[tuple[str, str] | BaseMessage], **kwargs: Any
    ) -> ChatPromptTemplate:
        """Messages given as ``(role, template)`` pairs or message objects."""
        parts: list[tuple[type[BaseMessage], str] | BaseMessage] = []
        for m in messages:
            if isinstance(m, BaseMessage):
                parts.append(m)
            elif isinstance(m, tuple) and len(m) == 2 and m[0] in _ROLES:
                parts.append((_ROLES[m[0]], m[1]))
            else:
                raise TypeError(
                    f"Unsupported message {m!r}: use (role, template) with role in "
                    f"{sorted(_ROLES)}, or a BaseMessage."
                )
        return cls(parts, **kwargs)

    def format_messages(self, **values: Any) -> list[BaseMessage]:
        missing = [v for v in self.input_variables if v not in values]
        if missing:
            raise KeyError(
                f"ChatPromptTemplate is missing input variables {missing}; "
                f"expected {self.input_variables}, got {sorted(values)}"
            )
        out: list[BaseMessage] = []
        for m in self.messages:
            if isinstance(m, tuple):
                out.append(m[0](m[1].format(**values)))
            else:
                out.append(m)
        return out

    def _format(self, input: Any, rm: Any = None) -> ChatPromptValue:
        if not isinstance(input, dict):
            if len(self.input_variables) != 1:
                raise TypeError(
                    f"ChatPromptTemplate expects a dict with keys {self.input_variables}, "
                    f"got {type(input).__name__}"
                )
            input = {self.input_variables[0]: input}
        return ChatPromptValue(self.format_messages(**input))

    async def _aformat(self, input: Any, rm: Any = None) -> ChatPromptValue:
        return self._format(input)

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ChatPromptValue:
        return run(self, self._format, input, config)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ChatPromptValue:
        return await arun(self, self._aformat, input, config)
