"""``langchain_core.tools.convert``: the ``tool`` decorator and ``convert_runnable_to_tool``
(what ``Runnable.as_tool`` calls), at the same path."""

from reference.tools._from_runnable import convert_runnable_to_tool
from reference.tools._structured import tool

__all__ = ["convert_runnable_to_tool", "tool"]
