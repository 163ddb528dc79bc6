"""``langchain_core.tools.simple``'s ``Tool``, at the same path."""

from reference.tools._simple import Tool

__all__ = ["Tool"]
