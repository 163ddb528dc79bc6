"""``langchain_core.runnables.branch``'s public names, at the same path."""

from reference.runnables._branch import RunnableBranch

__all__ = ["RunnableBranch"]
