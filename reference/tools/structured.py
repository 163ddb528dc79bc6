"""``langchain_core.tools.structured``'s ``StructuredTool``, at the same path."""

from reference.tools._structured import StructuredTool

__all__ = ["StructuredTool"]
