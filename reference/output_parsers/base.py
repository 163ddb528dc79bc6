"""``langchain_core.output_parsers.base``'s ``BaseOutputParser``, at the same path."""

from reference.output_parsers._base import BaseOutputParser

__all__ = ["BaseOutputParser"]
