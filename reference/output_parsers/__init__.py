"""Output parsers."""

from reference.output_parsers._base import (
    BaseCumulativeTransformOutputParser,
    BaseGenerationOutputParser,
    BaseLLMOutputParser,
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
from reference.output_parsers._tools import JsonOutputKeyToolsParser, JsonOutputToolsParser
from reference.output_parsers._xml import XMLOutputParser

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseGenerationOutputParser",
    "BaseLLMOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "CommaSeparatedListOutputParser",
    "JsonOutputKeyToolsParser",
    "JsonOutputParser",
    "JsonOutputToolsParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
    "SimpleJsonOutputParser",
    "StrOutputParser",
    "XMLOutputParser",
]
