"""``langchain_core.prompts.string``'s ``StringPromptTemplate``, at the same path."""

from reference.prompts._string import StringPromptTemplate

__all__ = ["StringPromptTemplate"]
