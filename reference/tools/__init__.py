"""Tools."""

from reference.tools._structured import BaseTool, StructuredTool, tool

__all__ = ["BaseTool", "StructuredTool", "tool"]
