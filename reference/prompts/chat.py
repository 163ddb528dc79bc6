"""``langchain_core.prompts.chat``'s public names the reference has, at the same path."""

from reference.prompts._chat import (
    BaseChatPromptTemplate,
    ChatPromptTemplate,
    MessageLike,
    MessageLikeRepresentation,
)
from reference.prompts._message import (
    AIMessagePromptTemplate,
    BaseMessagePromptTemplate,
    BaseStringMessagePromptTemplate,
    ChatMessagePromptTemplate,
    HumanMessagePromptTemplate,
    SystemMessagePromptTemplate,
)
from reference.prompts._placeholder import MessagesPlaceholder

__all__ = [
    "AIMessagePromptTemplate",
    "BaseChatPromptTemplate",
    "BaseMessagePromptTemplate",
    "BaseStringMessagePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessageLike",
    "MessageLikeRepresentation",
    "MessagesPlaceholder",
    "SystemMessagePromptTemplate",
]
