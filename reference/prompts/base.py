"""``langchain_core.prompts.base``'s ``BasePromptTemplate``, at the same path."""

from reference.prompts._base import BasePromptTemplate

__all__ = ["BasePromptTemplate"]
