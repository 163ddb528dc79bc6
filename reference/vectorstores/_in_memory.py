"""``InMemoryVectorStore``: documents and their vectors in a dict, searched by cosine
similarity in pure Python.

Hits come most similar first; equal similarities keep the order documents were
added in (langchain_core's order for ties is whatever numpy's unstable sort
gives, which varies with the number of documents). ``filter``
is a function of a ``Document``. Scores are cosine similarities, for which the
store picks no relevance function: ``similarity_score_threshold`` search raises
``NotImplementedError``, as on langchain_core.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from reference.documents import Document
from reference.embeddings import Embeddings
from reference.vectorstores._base import VectorStore
from reference.vectorstores._similarity import cosine_similarities, maximal_marginal_relevance

__all__ = ["InMemoryVectorStore"]

Filter = Callable[[Document], bool]


def _document(entry: dict[str, Any]) -> Document:
    return Document(id=entry["id"], page_content=entry["text"], metadata=entry["metadata"])


class InMemoryVectorStore(VectorStore):
    """``store`` maps each id to ``{"id", "vector", "text", "metadata"}``, in insertion order."""

    def __init__(self, embedding: Embeddings) -> None:
        self.store: dict[str, dict[str, Any]] = {}
        self.embedding = embedding

    @property
    def embeddings(self) -> Embeddings:
        return self.embedding

    # -- adding and removing ----------------------------------------------------------------

    def _put(self, documents: list[Document], vectors: list[list[float]],
             ids: list[str] | None) -> list[str]:
        if ids and len(ids) != len(documents):
            raise ValueError(f"ids must be the same length as texts. Got {len(ids)} ids and "
                             f"{len(documents)} texts.")
        given: Iterator[str | None] = iter(ids) if ids else (doc.id for doc in documents)
        out = []
        for doc, vector in zip(documents, vectors):
            doc_id = next(given) or str(uuid.uuid4())
            out.append(doc_id)
            self.store[doc_id] = {"id": doc_id, "vector": vector, "text": doc.page_content,
                                  "metadata": doc.metadata}
        return out

    def add_documents(self, documents: list[Document], ids: list[str] | None = None,
                      **kwargs: Any) -> list[str]:
        vectors = self.embedding.embed_documents([doc.page_content for doc in documents])
        return self._put(documents, vectors, ids)

    async def aadd_documents(self, documents: list[Document], ids: list[str] | None = None,
                             **kwargs: Any) -> list[str]:
        vectors = await self.embedding.aembed_documents([doc.page_content for doc in documents])
        return self._put(documents, vectors, ids)

    def delete(self, ids: Sequence[str] | None = None, **kwargs: Any) -> None:
        for doc_id in ids or ():
            self.store.pop(doc_id, None)

    async def adelete(self, ids: Sequence[str] | None = None, **kwargs: Any) -> None:
        self.delete(ids)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return [_document(self.store[i]) for i in ids if self.store.get(i)]

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return self.get_by_ids(ids)

    # -- searching ----------------------------------------------------------------------------

    def _hits(self, embedding: list[float], k: int = 4, filter: Filter | None = None
              ) -> list[tuple[Document, float, list[float]]]:
        """The ``k`` best (document, similarity, vector), best first."""
        entries = list(self.store.values())
        if filter is not None:
            entries = [e for e in entries if filter(_document(e))]
        if not entries:
            return []
        similarity = cosine_similarities(embedding, [e["vector"] for e in entries])
        order = sorted(range(len(entries)), key=similarity.__getitem__, reverse=True)
        return [(_document(entries[i]), similarity[i], entries[i]["vector"]) for i in order[:k]]

    def similarity_search_with_score_by_vector(
        self, embedding: list[float], k: int = 4, filter: Filter | None = None, **_kwargs: Any
    ) -> list[tuple[Document, float]]:
        """The ``k`` documents most similar to a vector, with their cosine similarity."""
        return [(doc, score) for doc, score, _ in self._hits(embedding, k, filter)]

    def similarity_search_with_score(self, query: str, k: int = 4, **kwargs: Any
                                     ) -> list[tuple[Document, float]]:
        embedding = self.embedding.embed_query(query)
        return self.similarity_search_with_score_by_vector(embedding, k, **kwargs)

    async def asimilarity_search_with_score(self, query: str, k: int = 4, **kwargs: Any
                                            ) -> list[tuple[Document, float]]:
        embedding = await self.embedding.aembed_query(query)
        return self.similarity_search_with_score_by_vector(embedding, k, **kwargs)

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4, **kwargs: Any
                                    ) -> list[Document]:
        scored = self.similarity_search_with_score_by_vector(embedding, k, **kwargs)
        return [doc for doc, _ in scored]

    async def asimilarity_search_by_vector(self, embedding: list[float], k: int = 4,
                                           **kwargs: Any) -> list[Document]:
        return self.similarity_search_by_vector(embedding, k, **kwargs)

    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return [doc for doc, _ in self.similarity_search_with_score(query, k, **kwargs)]

    async def asimilarity_search(self, query: str, k: int = 4, **kwargs: Any
                                 ) -> list[Document]:
        scored = await self.asimilarity_search_with_score(query, k, **kwargs)
        return [doc for doc, _ in scored]

    def max_marginal_relevance_search_by_vector(
        self, embedding: list[float], k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        *, filter: Filter | None = None, **kwargs: Any,
    ) -> list[Document]:
        hits = self._hits(embedding, fetch_k, filter)
        chosen = maximal_marginal_relevance(
            embedding, [vector for _, _, vector in hits], k=k, lambda_mult=lambda_mult)
        return [hits[i][0] for i in chosen]

    def max_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        embedding = self.embedding.embed_query(query)
        return self.max_marginal_relevance_search_by_vector(
            embedding, k, fetch_k, lambda_mult=lambda_mult, **kwargs)

    async def amax_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        embedding = await self.embedding.aembed_query(query)
        return self.max_marginal_relevance_search_by_vector(
            embedding, k, fetch_k, lambda_mult=lambda_mult, **kwargs)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> InMemoryVectorStore:
        store = cls(embedding=embedding)
        store.add_texts(texts=texts, metadatas=metadatas, **kwargs)
        return store

    @classmethod
    async def afrom_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> InMemoryVectorStore:
        store = cls(embedding=embedding)
        await store.aadd_texts(texts=texts, metadatas=metadatas, **kwargs)
        return store
