"""Embedding models: text to vectors, as vector stores use them."""

from reference.embeddings._embeddings import Embeddings
from reference.embeddings._fake import DeterministicFakeEmbedding, FakeEmbeddings

__all__ = ["DeterministicFakeEmbedding", "Embeddings", "FakeEmbeddings"]
