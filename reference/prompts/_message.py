"""Message prompt templates: one chat message (of a role) formatted from a ``PromptTemplate``.

They are parts of a ``ChatPromptTemplate``, not runnables: formatting one opens no run.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from reference.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage
from reference.prompts._string import PromptTemplate

__all__ = [
    "AIMessagePromptTemplate",
    "BaseMessagePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "HumanMessagePromptTemplate",
    "SystemMessagePromptTemplate",
]


class BaseMessagePromptTemplate:
    """A part of a chat prompt: ``format_messages(**values)`` gives its messages."""

    @property
    def input_variables(self) -> list[str]:
        raise NotImplementedError

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        raise NotImplementedError

    async def aformat_messages(self, **kwargs: Any) -> list[BaseMessage]:
        return self.format_messages(**kwargs)

    def __add__(self, other: Any) -> Any:
        """A chat prompt of this part followed by ``other`` (as ``ChatPromptTemplate +``)."""
        from reference.prompts._chat import ChatPromptTemplate

        return ChatPromptTemplate([self]) + other


class BaseStringMessagePromptTemplate(BaseMessagePromptTemplate):
    """One message whose content is ``prompt`` formatted (subclasses set the message class)."""

    message_class: ClassVar[type[BaseMessage]]

    def __init__(
        self, prompt: PromptTemplate, *, additional_kwargs: dict[str, Any] | None = None
    ) -> None:
        if not isinstance(prompt, PromptTemplate):
            raise TypeError(
                f"{type(self).__name__} takes a PromptTemplate, got {type(prompt).__name__}"
            )
        self.prompt = prompt
        self.additional_kwargs = dict(additional_kwargs or {})

    @classmethod
    def from_template(
        cls,
        template: str,
        template_format: str = "f-string",
        partial_variables: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Self:
        """The message template of an f-string ``template`` (its variables read from it)."""
        if template_format != "f-string":
            raise NotImplementedError(
                f"The reference's prompts support template_format='f-string' only, got "
                f"{template_format!r}"
            )
        if partial_variables:
            raise NotImplementedError("The reference's prompts do not support partial_variables")
        return cls(PromptTemplate.from_template(template), **kwargs)

    @property
    def input_variables(self) -> list[str]:
        return self.prompt.input_variables

    def _message(self, text: str) -> BaseMessage:
        return self.message_class(text, additional_kwargs=dict(self.additional_kwargs))

    def format(self, **kwargs: Any) -> BaseMessage:
        """The message, its content the template formatted with ``kwargs``."""
        return self._message(self.prompt.format(**kwargs))

    async def aformat(self, **kwargs: Any) -> BaseMessage:
        return self.format(**kwargs)

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        return [self.format(**kwargs)]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prompt={self.prompt!r})"


class HumanMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A ``HumanMessage`` from a template."""

    message_class = HumanMessage


class AIMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """An ``AIMessage`` from a template."""

    message_class = AIMessage


class SystemMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A ``SystemMessage`` from a template."""

    message_class = SystemMessage


class ChatMessagePromptTemplate(BaseStringMessagePromptTemplate):
    """A ``ChatMessage`` of ``role`` from a template (``from_template(t, role="...")``)."""

    message_class = ChatMessage

    def __init__(
        self,
        prompt: PromptTemplate,
        *,
        role: str,
        additional_kwargs: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(prompt, additional_kwargs=additional_kwargs)
        self.role = role

    def _message(self, text: str) -> BaseMessage:
        return ChatMessage(text, role=self.role, additional_kwargs=dict(self.additional_kwargs))
