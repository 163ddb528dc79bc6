"""``langchain_core.tools.convert``'s ``tool`` decorator, at the same path."""

from reference.tools._structured import tool

__all__ = ["tool"]
