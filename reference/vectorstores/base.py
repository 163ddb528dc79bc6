"""``langchain_core.vectorstores.base``'s names, at the same path."""

from reference.vectorstores._base import VST, VectorStore, VectorStoreRetriever

__all__ = ["VST", "VectorStore", "VectorStoreRetriever"]
