"""``langchain_core.language_models.base``: the base of chat models and LLMs and the types
of what models take and give, at the same path."""

from reference.language_models._base import (
    BaseLanguageModel,
    LangSmithParams,
    LanguageModelInput,
    LanguageModelLike,
    LanguageModelOutput,
    LanguageModelOutputVar,
)

__all__ = [
    "BaseLanguageModel",
    "LangSmithParams",
    "LanguageModelInput",
    "LanguageModelLike",
    "LanguageModelOutput",
    "LanguageModelOutputVar",
]
