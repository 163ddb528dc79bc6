"""``langchain_core.output_parsers.openai_tools``'s tool-call parsers, at the same path."""

from reference.output_parsers._tools import (
    JsonOutputKeyToolsParser,
    JsonOutputToolsParser,
    parse_tool_calls,
)

__all__ = ["JsonOutputKeyToolsParser", "JsonOutputToolsParser", "parse_tool_calls"]
