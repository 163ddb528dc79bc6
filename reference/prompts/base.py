"""``langchain_core.prompts.base``'s names, at the same path."""

from reference.prompts._base import BasePromptTemplate
from reference.prompts._document import aformat_document, format_document

__all__ = ["BasePromptTemplate", "aformat_document", "format_document"]
