"""``langchain_core.runnables.passthrough``'s public names, at the same path."""

from reference.runnables._assign import RunnableAssign, RunnablePick
from reference.runnables._passthrough import RunnablePassthrough

__all__ = ["RunnableAssign", "RunnablePassthrough", "RunnablePick"]
