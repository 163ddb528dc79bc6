"""``langchain_core.language_models.fake``'s fake LLMs, at the same path."""

from reference.language_models._fake_llm import FakeListLLM, FakeStreamingListLLM

__all__ = ["FakeListLLM", "FakeStreamingListLLM"]
