"""``langchain_core.callbacks.usage``: token usage summed per model name.

A chat model's ``on_llm_end`` carries the message it returned; when that is an
``AIMessage`` with ``usage_metadata`` and a ``model_name`` in its
``response_metadata``, the usage is added to that model's total. Only the first
generation of the first prompt is read, as in langchain_core.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from reference.callbacks._handlers import BaseCallbackHandler
from reference.callbacks._hooks import register_configure_hook
from reference.messages import AIMessage
from reference.messages._usage import UsageMetadata, add_usage
from reference.outputs import ChatGeneration, LLMResult

__all__ = ["UsageMetadataCallbackHandler", "get_usage_metadata_callback"]


class UsageMetadataCallbackHandler(BaseCallbackHandler):
    """``usage_metadata``: model name -> the usage of every call of it this handler saw."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.usage_metadata: dict[str, UsageMetadata] = {}

    def __repr__(self) -> str:
        return str(self.usage_metadata)

    def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        try:
            generation = response.generations[0][0]
        except IndexError:
            return
        if not isinstance(generation, ChatGeneration):
            return
        message = generation.message
        if not isinstance(message, AIMessage):
            return
        usage = message.usage_metadata
        model = message.response_metadata.get("model_name")
        if not usage or not model:
            return
        with self._lock:
            seen = self.usage_metadata.get(model)
            self.usage_metadata[model] = usage if seen is None else add_usage(seen, usage)


#: Context variables for the handlers of the ``with`` blocks open in a context, one per
#: nesting level: reused, so hooks do not pile up with every block (langchain_core
#: registers a new variable per block; what the handlers see is the same).
_VARS: list[ContextVar[UsageMetadataCallbackHandler | None]] = []
_VARS_LOCK = threading.Lock()


def _free_var() -> ContextVar[UsageMetadataCallbackHandler | None]:
    with _VARS_LOCK:
        for var in _VARS:
            if var.get() is None:
                return var
        var = ContextVar(f"usage_metadata_callback_{len(_VARS)}", default=None)
        register_configure_hook(var, inheritable=True)
        _VARS.append(var)
        return var


@contextmanager
def get_usage_metadata_callback(
    name: str = "usage_metadata_callback",
) -> Iterator[UsageMetadataCallbackHandler]:
    """Yield a :class:`UsageMetadataCallbackHandler` that sees every run started in the
    block (nested blocks: each its own). ``name`` is accepted for langchain_core's
    signature; it only named the context variable."""
    var = _free_var()
    cb = UsageMetadataCallbackHandler()
    token = var.set(cb)
    try:
        yield cb
    finally:
        var.reset(token)
