"""``langchain_core.callbacks.base``'s handler and manager base classes, at the same path."""

from reference.callbacks._handlers import (
    AsyncCallbackHandler,
    BaseCallbackHandler,
    CallbackManagerMixin,
    ChainManagerMixin,
    LLMManagerMixin,
    RetrieverManagerMixin,
    RunManagerMixin,
    ToolManagerMixin,
)
from reference.callbacks._manager import BaseCallbackManager, Callbacks

__all__ = [
    "AsyncCallbackHandler",
    "BaseCallbackHandler",
    "BaseCallbackManager",
    "CallbackManagerMixin",
    "Callbacks",
    "ChainManagerMixin",
    "LLMManagerMixin",
    "RetrieverManagerMixin",
    "RunManagerMixin",
    "ToolManagerMixin",
]
