"""``ChatPromptTemplate``: format ``{variables}`` into a list of messages (a ``prompt`` run);
``BaseChatPromptTemplate``, the base of chat prompts a user subclass implements
``format_messages`` for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, final

from reference.messages import BaseMessage
from reference.prompt_values import ChatPromptValue
from reference.prompts._base import BasePromptTemplate
from reference.prompts._message import (
    AIMessagePromptTemplate,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    HumanMessagePromptTemplate,
    SystemMessagePromptTemplate,
)
from reference.prompts._placeholder import MessagesPlaceholder
from reference.prompts._string import template_variables

__all__ = [
    "BaseChatPromptTemplate",
    "ChatPromptTemplate",
    "MessageLike",
    "MessageLikeRepresentation",
]

_ROLE_TEMPLATES: dict[str, type[BaseStringMessagePromptTemplate]] = {
    "human": HumanMessagePromptTemplate,
    "user": HumanMessagePromptTemplate,
    "ai": AIMessagePromptTemplate,
    "assistant": AIMessagePromptTemplate,
    "system": SystemMessagePromptTemplate,
}


class BaseChatPromptTemplate(BasePromptTemplate):
    """A chat prompt: subclasses implement ``format_messages(**values) -> list[BaseMessage]``."""

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        raise NotImplementedError(f"{type(self).__name__} must implement format_messages")

    def format_prompt(self, **kwargs: Any) -> ChatPromptValue:
        return ChatPromptValue(self.format_messages(**kwargs))

    def format(self, **kwargs: Any) -> str:
        """The messages rendered as ``Role: content`` lines."""
        return self.format_prompt(**kwargs).to_string()

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        return self.format_messages(**kwargs)

    async def aformat(self, **kwargs: Any) -> str:
        return self.format(**kwargs)

    def _format(self, input: Any, rm: Any = None) -> ChatPromptValue:
        values = self._with_partials(self._variables(input))
        self._missing(values)
        return self.format_prompt(**values)


Part = BaseMessagePromptTemplate | BaseMessage | BaseChatPromptTemplate


def _placeholder(template: str) -> MessagesPlaceholder:
    """``("placeholder", "{name}")``: an optional placeholder for variable ``name``."""
    names = template_variables(template)
    if template != f"{{{names[0] if names else ''}}}":
        raise ValueError(
            f'A ("placeholder", ...) message takes one variable as "{{name}}", got {template!r}'
        )
    return MessagesPlaceholder(names[0], optional=True)


def _part(m: Any) -> Part:
    """A message-like as a chat prompt's part (a role's message template for a tuple or str)."""
    if isinstance(m, (BaseMessagePromptTemplate, BaseMessage, BaseChatPromptTemplate)):
        return m
    if isinstance(m, str):
        return HumanMessagePromptTemplate.from_template(m)
    if isinstance(m, dict):  # {"role": ..., "content": ...}: as the (role, template) pair
        if set(m) != {"role", "content"}:
            raise ValueError(
                f"A message dict of a chat prompt has the keys 'role' and 'content' only, got "
                f"{sorted(m)}"
            )
        m = (m["role"], m["content"])
    if isinstance(m, tuple) and len(m) == 2 and isinstance(m[1], str):
        role, template = m
        if role == "placeholder":
            return _placeholder(template)
        if role in _ROLE_TEMPLATES:
            return _ROLE_TEMPLATES[role].from_template(template)
        raise ValueError(
            f"Unexpected message type: {role}. Use one of 'human', 'user', 'ai', 'assistant', "
            "or 'system'."
        )
    raise TypeError(
        f"Unsupported message {m!r}: use (role, template) with role in "
        f"{sorted([*_ROLE_TEMPLATES, 'placeholder'])}, a {{'role': ..., 'content': ...}} "
        "dict, a str, a BaseMessage, a message prompt template, a MessagesPlaceholder or a "
        "chat prompt template."
    )


#: A part of a chat prompt as it is kept: a message, a message template or a chat prompt.
MessageLike = BaseMessagePromptTemplate | BaseMessage | BaseChatPromptTemplate
#: What a chat prompt is built from: those, ``(role, template)`` pairs, strings and dicts.
MessageLikeRepresentation = (
    MessageLike | tuple[str | type, str | Sequence[dict[str, Any]] | Sequence[object]]
    | str | dict[str, Any])


@final
class ChatPromptTemplate(BaseChatPromptTemplate):
    """Message templates (``(role, template)``, message prompt templates), fixed messages,
    placeholders and nested chat prompts; ``input_variables`` sorted, as langchain_core's."""

    def __init__(
        self,
        messages: Sequence[Any],
        *,
        template_format: str = "f-string",
        partial_variables: dict[str, Any] | None = None,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        verbose: bool = False,  # accepted and ignored, as langchain_core's is
    ) -> None:
        if template_format != "f-string":
            raise NotImplementedError(
                f"The reference's prompts support template_format='f-string' only, got "
                f"{template_format!r}"
            )
        self.messages: list[Part] = list(messages)
        self.partial_variables = dict(partial_variables or {})
        self._reconfigured(frozenset({"messages"}))
        self._init_scope(name, callbacks, tags, metadata)

    def _reconfigured(self, changed: frozenset[str]) -> None:
        """The parts and variables, from the messages (also when ``configurable_fields``
        sets them)."""
        if "messages" not in changed:
            return
        self.messages = [_part(m) for m in self.messages]
        required: set[str] = set()
        optional: set[str] = set()
        for m in self.messages:
            if isinstance(m, MessagesPlaceholder) and m.optional:
                optional.add(m.variable_name)
            elif not isinstance(m, BaseMessage):
                required.update(m.input_variables)
        self.input_variables = sorted(required - set(self.partial_variables))
        self.optional_variables = sorted(optional - required)

    @classmethod
    def from_template(cls, template: str, **kwargs: Any) -> ChatPromptTemplate:
        """One human message built from ``template``."""
        return cls([HumanMessagePromptTemplate.from_template(template)], **kwargs)

    @classmethod
    def from_messages(cls, messages: Sequence[Any], **kwargs: Any) -> ChatPromptTemplate:
        """Messages as ``(role, template)`` pairs (role ``placeholder``: an optional
        ``MessagesPlaceholder``), templates of human messages, messages, message prompt
        templates, placeholders or chat prompts."""
        return cls(messages, **kwargs)

    def __add__(self, other: Any) -> ChatPromptTemplate:
        """This prompt's parts followed by ``other``'s: a chat prompt's parts, a message or
        message template, a list (or tuple) of message-likes as ``from_messages`` takes, a
        str (a human message template); the partial variables of both."""
        if isinstance(other, ChatPromptTemplate):
            parts: list[Any] = other.messages
        elif isinstance(other, (BaseMessagePromptTemplate, BaseMessage, BaseChatPromptTemplate)):
            parts = [other]
        elif isinstance(other, (list, tuple)):
            parts = [_part(m) for m in other]
        elif isinstance(other, str):
            parts = [HumanMessagePromptTemplate.from_template(other)]
        else:
            raise NotImplementedError(
                f"Cannot add a {type(other).__name__} to a ChatPromptTemplate")
        partials = {**self.partial_variables, **getattr(other, "partial_variables", {})}
        return ChatPromptTemplate([*self.messages, *parts]).partial(**partials)

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        kwargs = self._with_partials(kwargs)
        self._missing(kwargs)
        out: list[BaseMessage] = []
        for m in self.messages:
            if isinstance(m, BaseMessage):
                out.append(m)
            else:
                out.extend(m.format_messages(**kwargs))
        return out
