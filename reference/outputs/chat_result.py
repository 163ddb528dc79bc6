"""``langchain_core.outputs.chat_result``'s ``ChatResult``, at the same path."""

from reference.outputs._outputs import ChatResult

__all__ = ["ChatResult"]
