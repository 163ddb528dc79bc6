"""``langchain_core.language_models.llms``'s base classes, at the same path."""

from reference.language_models._fake_llm import LLM, BaseLLM

__all__ = ["LLM", "BaseLLM"]
