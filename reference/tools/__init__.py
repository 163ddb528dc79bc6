"""Tools."""

from reference.tools._args import InjectedToolArg
from reference.tools._render import (
    BaseToolkit,
    render_text_description,
    render_text_description_and_args,
)
from reference.tools._retriever import create_retriever_tool
from reference.tools._simple import Tool
from reference.tools._structured import BaseTool, StructuredTool, ToolException, tool

__all__ = [
    "BaseTool",
    "BaseToolkit",
    "InjectedToolArg",
    "StructuredTool",
    "Tool",
    "ToolException",
    "create_retriever_tool",
    "render_text_description",
    "render_text_description_and_args",
    "tool",
]
