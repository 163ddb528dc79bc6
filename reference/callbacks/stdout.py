"""``langchain_core.callbacks.stdout``'s handler, at the same path."""

from reference.callbacks._stdout import StdOutCallbackHandler

__all__ = ["StdOutCallbackHandler"]
