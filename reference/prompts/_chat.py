"""``ChatPromptTemplate``: format ``{variables}`` into a list of messages (a ``prompt`` run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, final

from reference.messages import BaseMessage, HumanMessage
from reference.prompt_values import ChatPromptValue
from reference.prompts._base import BasePromptTemplate
from reference.prompts._placeholder import _ROLES, MessagesPlaceholder
from reference.prompts._string import template_variables

__all__ = ["ChatPromptTemplate"]

Part = tuple[type[BaseMessage], str] | BaseMessage | MessagesPlaceholder


def _placeholder(template: str) -> MessagesPlaceholder:
    """``("placeholder", "{name}")``: an optional placeholder for variable ``name``."""
    names = template_variables(template)
    if template != f"{{{names[0] if names else ''}}}":
        raise ValueError(
            f'A ("placeholder", ...) message takes one variable as "{{name}}", got {template!r}'
        )
    return MessagesPlaceholder(names[0], optional=True)


@final
class ChatPromptTemplate(BasePromptTemplate):
    """Message templates: (role class, template string), fixed messages, placeholders."""

    def __init__(
        self,
        messages: Sequence[Part],
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
                names = template_variables(m[1])
            elif isinstance(m, MessagesPlaceholder):
                names = m.input_variables
            else:
                names = []
            seen.extend(v for v in names if v not in seen)
        self.input_variables = seen
        self._init_scope(name, callbacks, tags, metadata)

    @classmethod
    def from_template(cls, template: str, **kwargs: Any) -> ChatPromptTemplate:
        """One human message built from ``template``."""
        return cls([(HumanMessage, template)], **kwargs)

    @classmethod
    def from_messages(
        cls,
        messages: Sequence[tuple[str, str] | str | BaseMessage | MessagesPlaceholder],
        **kwargs: Any,
    ) -> ChatPromptTemplate:
        """Messages as ``(role, template)`` pairs (role ``placeholder``: an optional
        ``MessagesPlaceholder``), templates of human messages, messages or placeholders."""
        parts: list[Part] = []
        for m in messages:
            if isinstance(m, (BaseMessage, MessagesPlaceholder)):
                parts.append(m)
            elif isinstance(m, str):
                parts.append((HumanMessage, m))
            elif isinstance(m, tuple) and len(m) == 2 and m[0] == "placeholder":
                parts.append(_placeholder(m[1]))
            elif isinstance(m, tuple) and len(m) == 2 and m[0] in _ROLES:
                parts.append((_ROLES[m[0]], m[1]))
            else:
                raise TypeError(
                    f"Unsupported message {m!r}: use (role, template) with role in "
                    f"{sorted([*_ROLES, 'placeholder'])}, a str, a BaseMessage or a "
                    "MessagesPlaceholder."
                )
        return cls(parts, **kwargs)

    def format_messages(self, **values: Any) -> list[BaseMessage]:
        self._missing(values)
        out: list[BaseMessage] = []
        for m in self.messages:
            if isinstance(m, tuple):
                out.append(m[0](m[1].format(**values)))
            elif isinstance(m, MessagesPlaceholder):
                out.extend(m.format_messages(**values))
            else:
                out.append(m)
        return out

    def _format(self, input: Any, rm: Any = None) -> ChatPromptValue:
        return ChatPromptValue(self.format_messages(**self._variables(input)))
