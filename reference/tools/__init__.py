"""Tools."""

from reference.tools._structured import BaseTool, StructuredTool, ToolException, tool

__all__ = ["BaseTool", "StructuredTool", "ToolException", "tool"]
