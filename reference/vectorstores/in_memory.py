"""``langchain_core.vectorstores.in_memory``'s ``InMemoryVectorStore``, at the same path."""

from reference.vectorstores._in_memory import InMemoryVectorStore

__all__ = ["InMemoryVectorStore"]
