"""``langchain_core.messages.system``: instructions for the model, at the same path."""

from reference.messages._messages import SystemMessage, SystemMessageChunk

__all__ = ["SystemMessage", "SystemMessageChunk"]
