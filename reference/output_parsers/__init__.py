"""Output parsers."""

from reference.output_parsers._str import StrOutputParser

__all__ = ["StrOutputParser"]
