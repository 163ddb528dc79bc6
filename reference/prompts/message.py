"""``langchain_core.prompts.message``'s ``BaseMessagePromptTemplate``, at the same path."""

from reference.prompts._message import BaseMessagePromptTemplate

__all__ = ["BaseMessagePromptTemplate"]
