"""``langchain_core.tools.base``'s public names the reference has, at the same path."""

from reference.tools._args import FILTERED_ARGS, InjectedToolArg, InjectedToolCallId
from reference.tools._render import BaseToolkit
from reference.tools._structured import BaseTool, ToolException

__all__ = [
    "FILTERED_ARGS",
    "BaseTool",
    "BaseToolkit",
    "InjectedToolArg",
    "InjectedToolCallId",
    "ToolException",
]
