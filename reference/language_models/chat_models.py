"""``langchain_core.language_models.chat_models``'s base classes, at the same path."""

from reference.language_models._chat import BaseChatModel, SimpleChatModel

__all__ = ["BaseChatModel", "SimpleChatModel"]
