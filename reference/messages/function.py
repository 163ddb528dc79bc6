"""``langchain_core.messages.function``: a function call's result, at the same path."""

from reference.messages._messages import FunctionMessage, FunctionMessageChunk

__all__ = ["FunctionMessage", "FunctionMessageChunk"]
