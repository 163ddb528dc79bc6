"""``langchain_core.tools.base``'s public names the reference has, at the same path."""

from reference.tools._args import InjectedToolArg
from reference.tools._render import BaseToolkit
from reference.tools._structured import BaseTool, ToolException

__all__ = ["BaseTool", "BaseToolkit", "InjectedToolArg", "ToolException"]
