"""``langchain_core.runnables.utils``: of its helpers, the one scenarios meet in outputs,
:class:`AddableDict`."""

from reference.runnables._addable import AddableDict

__all__ = ["AddableDict"]
