"""``langchain_core.messages.base``'s names the reference has, at the same path."""

from reference.messages._convert import message_to_dict, messages_to_dict
from reference.messages._messages import BaseMessage, BaseMessageChunk

__all__ = ["BaseMessage", "BaseMessageChunk", "message_to_dict", "messages_to_dict"]
