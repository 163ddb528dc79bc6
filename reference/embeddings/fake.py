"""``langchain_core.embeddings.fake``'s fake embedding models, at the same path."""

from reference.embeddings._fake import DeterministicFakeEmbedding, FakeEmbeddings

__all__ = ["DeterministicFakeEmbedding", "FakeEmbeddings"]
