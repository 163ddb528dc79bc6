"""Callback handlers and the managers that route events to them.

The usage and file handlers (``callbacks.usage``, ``callbacks.file``) are imported on
first use: the usage one needs the message classes, which runnables that never meet a
model do not load.
"""

from typing import TYPE_CHECKING, Any

from reference.callbacks._custom import adispatch_custom_event, dispatch_custom_event
from reference.callbacks._group import (
    AsyncCallbackManagerForChainGroup,
    CallbackManagerForChainGroup,
    atrace_as_chain_group,
    trace_as_chain_group,
)
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
from reference.callbacks._manager import (
    AsyncCallbackManager,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
)
from reference.callbacks._run_managers import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    AsyncCallbackManagerForRetrieverRun,
    AsyncCallbackManagerForToolRun,
    AsyncParentRunManager,
    AsyncRunManager,
    BaseRunManager,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    CallbackManagerForRetrieverRun,
    CallbackManagerForToolRun,
    ParentRunManager,
    RunManager,
)
from reference.callbacks._stdout import StdOutCallbackHandler, StreamingStdOutCallbackHandler

if TYPE_CHECKING:
    from reference.callbacks.file import FileCallbackHandler
    from reference.callbacks.usage import (
        UsageMetadataCallbackHandler,
        get_usage_metadata_callback,
    )

_LAZY = {"FileCallbackHandler": "file", "UsageMetadataCallbackHandler": "usage",
         "get_usage_metadata_callback": "usage"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AsyncCallbackHandler",
    "AsyncCallbackManager",
    "AsyncCallbackManagerForChainGroup",
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForRetrieverRun",
    "AsyncCallbackManagerForToolRun",
    "AsyncParentRunManager",
    "AsyncRunManager",
    "BaseCallbackHandler",
    "BaseCallbackManager",
    "BaseRunManager",
    "CallbackManager",
    "CallbackManagerForChainGroup",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForRetrieverRun",
    "CallbackManagerForToolRun",
    "CallbackManagerMixin",
    "Callbacks",
    "ChainManagerMixin",
    "FileCallbackHandler",
    "LLMManagerMixin",
    "ParentRunManager",
    "RetrieverManagerMixin",
    "RunManager",
    "RunManagerMixin",
    "StdOutCallbackHandler",
    "StreamingStdOutCallbackHandler",
    "ToolManagerMixin",
    "UsageMetadataCallbackHandler",
    "adispatch_custom_event",
    "atrace_as_chain_group",
    "dispatch_custom_event",
    "get_usage_metadata_callback",
    "trace_as_chain_group",
]
