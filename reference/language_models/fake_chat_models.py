"""``langchain_core.language_models.fake_chat_models``'s fake chat models, at the same path."""

from reference.language_models._chat import BaseChatModel, SimpleChatModel
from reference.language_models._fake import (
    FakeChatModel,
    FakeListChatModel,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
    ParrotFakeChatModel,
)

__all__ = [
    "BaseChatModel",
    "FakeChatModel",
    "FakeListChatModel",
    "FakeMessagesListChatModel",
    "GenericFakeChatModel",
    "ParrotFakeChatModel",
    "SimpleChatModel",
]
