"""``BaseLanguageModel``: the common base of chat models and LLMs, so code that accepts "a
language model" (``isinstance(m, BaseLanguageModel)``) takes either, as langchain_core's."""

from __future__ import annotations

from typing import Any, ClassVar

from reference.runnables._serializable import RunnableSerializable

__all__ = ["BaseLanguageModel"]


class BaseLanguageModel(RunnableSerializable[Any, Any]):
    """A model run from a prompt (``BaseChatModel``, ``BaseLLM``): its annotated fields,
    ``name``, ``callbacks``, ``tags`` and ``metadata`` are constructor keywords."""

    _constructor_scope: ClassVar[bool] = True
