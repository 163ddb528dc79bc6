"""``langchain_core.output_parsers.openai_tools``'s tool-call parsers, at the same path."""

from reference.output_parsers._tools import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    make_invalid_tool_call,
    parse_tool_call,
    parse_tool_calls,
)

__all__ = [
    "JsonOutputKeyToolsParser",
    "JsonOutputToolsParser",
    "make_invalid_tool_call",
    "parse_tool_call",
    "parse_tool_calls",
]
