"""``langchain_core.runnables.router``'s names, at the same path."""

from reference.runnables._router import RouterInput, RouterRunnable

__all__ = ["RouterInput", "RouterRunnable"]
