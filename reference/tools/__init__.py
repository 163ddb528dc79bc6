"""Tools."""

from reference.tools._simple import Tool
from reference.tools._structured import BaseTool, StructuredTool, ToolException, tool

__all__ = ["BaseTool", "StructuredTool", "Tool", "ToolException", "tool"]
