"""``langchain_core.tools.base``'s public names the reference has, at the same path."""

from reference.tools._structured import BaseTool, ToolException

__all__ = ["BaseTool", "ToolException"]
