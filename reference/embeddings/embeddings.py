"""``langchain_core.embeddings.embeddings``'s ``Embeddings``, at the same path."""

from reference.embeddings._embeddings import Embeddings

__all__ = ["Embeddings"]
