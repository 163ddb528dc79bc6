"""Output parsers."""

from reference.output_parsers._base import (
    BaseCumulativeTransformOutputParser,
    BaseOutputParser,
    BaseTransformOutputParser,
)
from reference.output_parsers._json import JsonOutputParser, SimpleJsonOutputParser
from reference.output_parsers._list import (
    CommaSeparatedListOutputParser,
    ListOutputParser,
    MarkdownListOutputParser,
    NumberedListOutputParser,
)
from reference.output_parsers._str import StrOutputParser

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "CommaSeparatedListOutputParser",
    "JsonOutputParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
    "SimpleJsonOutputParser",
    "StrOutputParser",
]
