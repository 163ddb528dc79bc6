"""Prompt templates."""

from reference.prompts._base import BasePromptTemplate
from reference.prompts._chat import ChatPromptTemplate
from reference.prompts._placeholder import MessagesPlaceholder
from reference.prompts._string import PromptTemplate

__all__ = ["BasePromptTemplate", "ChatPromptTemplate", "MessagesPlaceholder", "PromptTemplate"]
