"""``langchain_core.outputs.llm_result``'s ``LLMResult`` (what ``on_llm_end`` receives), at
the same path."""

from reference.outputs._outputs import LLMResult

__all__ = ["LLMResult"]
