"""Tools."""

from reference.tools._args import FILTERED_ARGS, InjectedToolArg, InjectedToolCallId
from reference.tools._from_runnable import convert_runnable_to_tool
from reference.tools._render import (
    BaseToolkit,
    ToolsRenderer,
    render_text_description,
    render_text_description_and_args,
)
from reference.tools._retriever import create_retriever_tool
from reference.tools._simple import Tool
from reference.tools._structured import BaseTool, StructuredTool, ToolException, tool

__all__ = [
    "FILTERED_ARGS",
    "BaseTool",
    "BaseToolkit",
    "InjectedToolArg",
    "InjectedToolCallId",
    "StructuredTool",
    "Tool",
    "ToolException",
    "ToolsRenderer",
    "convert_runnable_to_tool",
    "create_retriever_tool",
    "render_text_description",
    "render_text_description_and_args",
    "tool",
]
