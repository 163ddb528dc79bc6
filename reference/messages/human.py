"""``langchain_core.messages.human``: the user's message, at the same path."""

from reference.messages._messages import HumanMessage, HumanMessageChunk

__all__ = ["HumanMessage", "HumanMessageChunk"]
