"""``langchain_core.runnables.history``'s names, at the same path."""

from reference.runnables._history import GetSessionHistoryCallable, RunnableWithMessageHistory

__all__ = ["GetSessionHistoryCallable", "RunnableWithMessageHistory"]
