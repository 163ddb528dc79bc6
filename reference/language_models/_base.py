"""``BaseLanguageModel``: the common base of chat models and LLMs, so code that accepts "a
language model" (``isinstance(m, BaseLanguageModel)``) takes either, as langchain_core's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar, Union

from reference.caches import BaseCache
from reference.language_models._ls_params import LangSmithParams
from reference.messages import AIMessage, BaseMessage, MessageLikeRepresentation
from reference.prompt_values import PromptValue
from reference.rate_limiters import BaseRateLimiter
from reference.runnables._base import ReassignableScope, Runnable
from reference.runnables._serializable import RunnableSerializable
from reference.runnables._verbose import coerce_verbose

__all__ = [
    "BaseLanguageModel",
    "LangSmithParams",
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


class BaseLanguageModel(ReassignableScope, RunnableSerializable[Any, Any]):
    """A model run from a prompt (``BaseChatModel``, ``BaseLLM``): its annotated fields,
    ``name``, ``callbacks``, ``tags`` and ``metadata`` are constructor keywords.

    ``cache``: a ``BaseCache``, ``True`` (the global cache, which must be set), ``False`` (no
    cache) or ``None`` (the global cache if one is set); see ``language_models._cache``."""

    @property
    def InputType(self) -> Any:
        """A str, a prompt value or a list of messages."""
        from reference.messages import AnyMessage
        from reference.prompt_values import ChatPromptValue, StringPromptValue

        return Union[str, StringPromptValue, ChatPromptValue, list[AnyMessage]]  # noqa: UP007

    _constructor_scope: ClassVar[bool] = True
    cache: BaseCache | bool | None = None
    #: Whether the model's runs get a ``StdOutCallbackHandler`` (which prints nothing for them;
    #: a custom model's ``on_text`` would print): ``None`` takes ``set_verbose``'s setting,
    #: when the model is made (``runnables._verbose``).
    verbose: bool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.verbose = coerce_verbose(self.verbose)
        #: The fields the constructor was given (pydantic's fields set: a ``streaming`` field
        #: counts only when given, see ``_stream_choice``).
        self._fields_given = frozenset(kwargs)
        check_options(self)

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """The ``ls_*`` metadata a call's runs carry (``language_models._ls_params``): none
        here; chat models and LLMs name their provider and model type."""
        return LangSmithParams()

    def _get_ls_params_with_defaults(self, stop: list[str] | None = None,
                                     **kwargs: Any) -> LangSmithParams:
        """:meth:`_get_ls_params` and the keys every run of the model kind has."""
        return self._get_ls_params(stop=stop, **kwargs)

    @property
    def _identifying_params(self) -> dict[str, Any]:
        """A subclass's own parameters: its runs' ``invocation_params`` (and cache keys)
        begin with them, as langchain_core's do."""
        return {}


def check_options(model: Any) -> None:
    """A model's ``cache`` and ``rate_limiter`` as they were given, checked when the model is
    made (not at its first call, inside a run): what to pass instead."""
    cache = model.cache
    if cache is not None and not isinstance(cache, (bool, BaseCache)):
        raise TypeError(
            f"{type(model).__name__}(cache=...) takes a BaseCache (e.g. InMemoryCache()), True "
            f"(the global cache, set_llm_cache), False or None; got {type(cache).__name__}: "
            f"{cache!r}"
        )
    limiter = getattr(model, "rate_limiter", None)
    if limiter is not None and not isinstance(limiter, BaseRateLimiter):
        raise TypeError(
            f"{type(model).__name__}(rate_limiter=...) takes a BaseRateLimiter (e.g. "
            f"InMemoryRateLimiter(requests_per_second=...)) or None; got "
            f"{type(limiter).__name__}: {limiter!r}"
        )
