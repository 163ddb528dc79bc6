"""``langchain_core.runnables.fallbacks``'s public names, at the same path."""

from reference.runnables._fallbacks import RunnableWithFallbacks

__all__ = ["RunnableWithFallbacks"]
