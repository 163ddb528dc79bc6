"""``langchain_core.outputs.run_info``'s ``RunInfo`` (an item of ``LLMResult.run``), at the
same path."""

from reference.outputs._outputs import RunInfo

__all__ = ["RunInfo"]
