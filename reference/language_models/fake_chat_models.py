"""``langchain_core.language_models.fake_chat_models``'s fake chat models, at the same path."""

from reference.language_models._fake import FakeListChatModel, GenericFakeChatModel

__all__ = ["FakeListChatModel", "GenericFakeChatModel"]
