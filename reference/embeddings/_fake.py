"""Fake embedding models for tests: random vectors of a given ``size``.

``DeterministicFakeEmbedding`` draws from a generator seeded by a hash of the
text, so equal texts get equal vectors in every process (``hash()`` would not:
it is salted per process). The numbers are not langchain_core's (it draws with
numpy); the size and the determinism are what tests rely on.
"""

from __future__ import annotations

import hashlib
import random

from reference._model import Record
from reference.embeddings._embeddings import Embeddings

__all__ = ["DeterministicFakeEmbedding", "FakeEmbeddings"]


def _normal(rng: random.Random, size: int) -> list[float]:
    return [rng.gauss(0.0, 1.0) for _ in range(size)]


class FakeEmbeddings(Record, Embeddings):
    """A fresh random vector for every text, even the same one twice."""

    _fields = (("size", None),)
    _always = frozenset({"size"})

    def __init__(self, *, size: int) -> None:
        self.size = size
        self._rng = random.Random()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [_normal(self._rng, self.size) for _ in texts]

    def embed_query(self, text: str) -> list[float]:
        return _normal(self._rng, self.size)


class DeterministicFakeEmbedding(Record, Embeddings):
    """The same vector for the same text, whatever the process or the call."""

    _fields = (("size", None),)
    _always = frozenset({"size"})

    def __init__(self, *, size: int) -> None:
        self.size = size

    def _embed(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        return _normal(random.Random(seed), self.size)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._embed(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._embed(text)
