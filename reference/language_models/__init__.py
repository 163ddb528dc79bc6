"""Chat models (a fake one for tests and examples)."""

from reference.language_models._fake import BaseChatModel, FakeListChatModel

__all__ = ["BaseChatModel", "FakeListChatModel"]
