"""Prompt templates."""

from reference.prompts._base import BasePromptTemplate
from reference.prompts._chat import BaseChatPromptTemplate, ChatPromptTemplate
from reference.prompts._document import aformat_document, format_document
from reference.prompts._few_shot import FewShotChatMessagePromptTemplate, FewShotPromptTemplate
from reference.prompts._message import (
    AIMessagePromptTemplate,
    ChatMessagePromptTemplate,
    HumanMessagePromptTemplate,
    SystemMessagePromptTemplate,
)
from reference.prompts._placeholder import MessagesPlaceholder
from reference.prompts._string import PromptTemplate, StringPromptTemplate, get_template_variables

__all__ = [
    "AIMessagePromptTemplate",
    "BaseChatPromptTemplate",
    "BasePromptTemplate",
    "ChatMessagePromptTemplate",
    "ChatPromptTemplate",
    "FewShotChatMessagePromptTemplate",
    "FewShotPromptTemplate",
    "HumanMessagePromptTemplate",
    "MessagesPlaceholder",
    "PromptTemplate",
    "StringPromptTemplate",
    "SystemMessagePromptTemplate",
    "aformat_document",
    "format_document",
    "get_template_variables",
]
