"""``langchain_core.output_parsers.string``'s ``StrOutputParser``, at the same path."""

from reference.output_parsers._base import BaseTransformOutputParser
from reference.output_parsers._str import StrOutputParser

__all__ = ["BaseTransformOutputParser", "StrOutputParser"]
