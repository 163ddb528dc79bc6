"""``langchain_core.output_parsers.json``'s JSON parser, at the same path."""

from reference.output_parsers._json import (
    JsonOutputParser,
    SimpleJsonOutputParser,
    parse_json_markdown,
    parse_partial_json,
)

__all__ = ["JsonOutputParser", "SimpleJsonOutputParser", "parse_json_markdown",
           "parse_partial_json"]
