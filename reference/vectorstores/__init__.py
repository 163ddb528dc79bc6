"""Vector stores: documents embedded and searched by similarity; their retrievers are runs."""

from reference.vectorstores._base import VST, VectorStore, VectorStoreRetriever
from reference.vectorstores._in_memory import InMemoryVectorStore

__all__ = ["VST", "InMemoryVectorStore", "VectorStore", "VectorStoreRetriever"]
