"""``langchain_core.messages.modifier``'s ``RemoveMessage``, at the same path."""

from reference.messages._messages import RemoveMessage

__all__ = ["RemoveMessage"]
