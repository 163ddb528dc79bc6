"""``BaseLanguageModel``: the common base of chat models and LLMs, so code that accepts "a
language model" (``isinstance(m, BaseLanguageModel)``) takes either, as langchain_core's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from reference.language_models._cache import check_options
from reference.messages import AIMessage, BaseMessage, MessageLikeRepresentation
from reference.prompt_values import PromptValue
from reference.runnables._base import Runnable
from reference.runnables._serializable import RunnableSerializable

if TYPE_CHECKING:
    from reference.caches import BaseCache

__all__ = [
    "BaseLanguageModel",
    "LanguageModelInput",
    "LanguageModelLike",
    "LanguageModelOutput",
    "LanguageModelOutputVar",
]

#: What a model is invoked with: a prompt value, a string, or messages (in any form
#: ``convert_to_messages`` takes).
LanguageModelInput = PromptValue | str | Sequence[MessageLikeRepresentation]
#: What a model answers: a message (chat models) or a string (LLMs).
LanguageModelOutput = BaseMessage | str
#: Any runnable taking and giving what a model does (a model, or a model bound to options).
LanguageModelLike = Runnable[LanguageModelInput, LanguageModelOutput]
#: A model's output type: a chat model's AIMessage or an LLM's str.
LanguageModelOutputVar = TypeVar("LanguageModelOutputVar", AIMessage, str)


class BaseLanguageModel(RunnableSerializable[Any, Any]):
    """A model run from a prompt (``BaseChatModel``, ``BaseLLM``): its annotated fields,
    ``name``, ``callbacks``, ``tags`` and ``metadata`` are constructor keywords.

    ``cache``: a ``BaseCache``, ``True`` (the global cache, which must be set), ``False`` (no
    cache) or ``None`` (the global cache if one is set); see ``language_models._cache``."""

    _constructor_scope: ClassVar[bool] = True
    cache: BaseCache | bool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_options(self)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """A subclass's own parameters: its runs' ``invocation_params`` (and cache keys)
        begin with them, as langchain_core's do."""
        return {}
