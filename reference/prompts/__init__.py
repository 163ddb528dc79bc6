"""Prompt templates."""

from reference.prompts._base import BasePromptTemplate
from reference.prompts._chat import BaseChatPromptTemplate, ChatPromptTemplate
from reference.prompts._message import (
    AIMessagePromptTemplate,
    ChatMessagePromptTemplate,
    HumanMessagePromptTemplate,
    SystemMessagePromptTemplate,
)
from reference.prompts._placeholder import MessagesPlaceholder
from reference.prompts._string import PromptTemplate, StringPromptTemplate

__all__ = [
    "AIMessagePromptTemplate",
    "BaseChatPromptTemplate",
    "BasePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessagesPlaceholder",
    "PromptTemplate",
    "StringPromptTemplate",
    "SystemMessagePromptTemplate",
]
