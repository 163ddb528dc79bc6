"""Prompt templates."""

from reference.prompts._chat import ChatPromptTemplate

__all__ = ["ChatPromptTemplate"]
