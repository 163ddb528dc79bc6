"""``langchain_core.callbacks.streaming_stdout``'s handler, at the same path."""

from reference.callbacks._stdout import StreamingStdOutCallbackHandler

__all__ = ["StreamingStdOutCallbackHandler"]
