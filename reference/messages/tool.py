"""``langchain_core.messages.tool``: a tool's result message and the tool-call dicts (with
their constructors ``tool_call``, ``tool_call_chunk``, ``invalid_tool_call``), at the same
path."""

from reference.messages._messages import ToolMessage, ToolMessageChunk, ToolOutputMixin
from reference.messages._tool_calls import (
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    invalid_tool_call,
    tool_call,
    tool_call_chunk,
)

__all__ = [
    "InvalidToolCall",
    "ToolCall",
    "ToolCallChunk",
    "ToolMessage",
    "ToolMessageChunk",
    "ToolOutputMixin",
    "invalid_tool_call",
    "tool_call",
    "tool_call_chunk",
]
