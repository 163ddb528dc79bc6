"""``langchain_core.prompts.prompt``'s ``PromptTemplate``, at the same path."""

from reference.prompts._string import PromptTemplate

__all__ = ["PromptTemplate"]
