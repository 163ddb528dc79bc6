"""Vector stores: documents embedded and searched by similarity; their retrievers are runs."""

from reference.vectorstores._base import VST, VectorStore
from reference.vectorstores._in_memory import InMemoryVectorStore
from reference.vectorstores._retriever import VectorStoreRetriever

__all__ = ["VST", "InMemoryVectorStore", "VectorStore", "VectorStoreRetriever"]
