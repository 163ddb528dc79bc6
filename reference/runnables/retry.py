"""``langchain_core.runnables.retry``'s public names, at the same path."""

from reference.runnables._retry import RunnableRetry

__all__ = ["RunnableRetry"]
