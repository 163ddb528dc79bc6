"""``langchain_core.messages.chat``: messages with a free-form role, at the same path."""

from reference.messages._messages import ChatMessage, ChatMessageChunk

__all__ = ["ChatMessage", "ChatMessageChunk"]
