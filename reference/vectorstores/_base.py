"""``VectorStore``: the interface of a store of embedded documents, searched by similarity.

A store is not a runnable: adding and searching start no run. Its retriever
(``as_retriever``) is, and that run is what a handler sees. Subclasses
implement ``similarity_search`` and ``from_texts``, and one of ``add_texts`` /
``add_documents`` (each defaults to the other); everything else has a default
built on those or raises ``NotImplementedError``, as langchain_core's. The
async methods default to the sync ones in a worker thread.

``VectorStoreRetriever`` (here too: a store makes its retriever, which searches the store): its
runs carry the tags ``as_retriever`` gave it (by default the store's and the embedding's class
names) and, as metadata, ``ls_retriever_name`` ("vectorstore"), ``ls_vector_store_provider`` and
``ls_embedding_provider`` (class names), as langchain_core's. Keywords given to ``invoke`` are
search keywords, over ``search_kwargs``.
"""

from __future__ import annotations

import abc
import logging
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from itertools import cycle, repeat
from typing import Any, ClassVar, TypeVar

from typing_extensions import Self

from reference.documents import Document
from reference.embeddings import Embeddings
from reference.retrievers import BaseRetriever
from reference.runnables._executor import run_in_executor

__all__ = ["VST", "VectorStore", "VectorStoreRetriever"]

VST = TypeVar("VST", bound="VectorStore")

logger = logging.getLogger(__name__)


def _documents(
    texts: Iterable[str], metadatas: list[dict[str, Any]] | None, ids: list[str] | None
) -> list[Document]:
    """Texts as documents, with their metadata and ids where given."""
    texts = texts if isinstance(texts, (list, tuple)) else list(texts)
    if metadatas and len(metadatas) != len(texts):
        raise ValueError(
            "The number of metadatas must match the number of texts."
            f"Got {len(metadatas)} metadatas and {len(texts)} texts."
        )
    metas: Iterable[dict[str, Any]] = metadatas if metadatas else cycle([{}])
    id_list: Iterable[str | None] = ids if ids else repeat(None)
    return [Document(page_content=text, metadata=meta, id=id_)
            for text, meta, id_ in zip(texts, metas, id_list)]


def _ids_of(documents: list[Document], kwargs: dict[str, Any]) -> None:
    """Pass the documents' own ids on as ``ids`` when any has one and none were given."""
    if "ids" not in kwargs:
        ids = [doc.id for doc in documents]
        if any(ids):
            kwargs["ids"] = ids


def _overrides(store: VectorStore, name: str) -> bool:
    return getattr(type(store), name) is not getattr(VectorStore, name)


def _kept_above(
    scored: list[tuple[Document, float]], threshold: float | None
) -> list[tuple[Document, float]]:
    """Relevance-scored hits, warned about when out of [0, 1], filtered by ``threshold``."""
    if any(score < 0.0 or score > 1.0 for _, score in scored):
        warnings.warn(f"Relevance scores must be between 0 and 1, got {scored}", stacklevel=3)
    if threshold is None:
        return scored
    kept = [(doc, score) for doc, score in scored if score >= threshold]
    if not kept:
        logger.warning(
            "No relevant docs were retrieved using the relevance score threshold %s", threshold
        )
    return kept


class VectorStore(abc.ABC):
    """A store of documents with vectors, searched by similarity to a query."""

    # -- adding and removing ----------------------------------------------------------------

    def add_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Embed and store ``texts``; their ids (made up where not given)."""
        if not _overrides(self, "add_documents"):
            raise NotImplementedError(
                f"`add_texts` has not been implemented for {type(self).__name__} ")
        docs = _documents(texts, metadatas, ids)
        if ids is not None:
            kwargs["ids"] = ids
        return self.add_documents(docs, **kwargs)

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Embed and store ``documents`` (an ``ids`` keyword wins over their own ids)."""
        if not _overrides(self, "add_texts"):
            raise NotImplementedError(
                "`add_documents` and `add_texts` has not been implemented for "
                f"{type(self).__name__} ")
        _ids_of(documents, kwargs)
        texts = [doc.page_content for doc in documents]
        return self.add_texts(texts, [doc.metadata for doc in documents], **kwargs)

    async def aadd_texts(
        self,
        texts: Iterable[str],
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        if ids is not None:
            kwargs["ids"] = ids
        if _overrides(self, "aadd_documents"):
            return await self.aadd_documents(_documents(texts, metadatas, ids), **kwargs)
        return await run_in_executor(None, self.add_texts, texts, metadatas, **kwargs)

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        if _overrides(self, "aadd_texts"):
            _ids_of(documents, kwargs)
            texts = [doc.page_content for doc in documents]
            return await self.aadd_texts(texts, [doc.metadata for doc in documents], **kwargs)
        return await run_in_executor(None, self.add_documents, documents, **kwargs)

    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        """Remove the documents with these ids."""
        raise NotImplementedError("delete method must be implemented by subclass.")

    async def adelete(self, ids: list[str] | None = None, **kwargs: Any) -> bool | None:
        return await run_in_executor(None, self.delete, ids, **kwargs)

    def get_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        """The stored documents with these ids (unknown ids are skipped)."""
        raise NotImplementedError(f"{type(self).__name__} does not yet support get_by_ids.")

    async def aget_by_ids(self, ids: Sequence[str], /) -> list[Document]:
        return await run_in_executor(None, self.get_by_ids, ids)

    @property
    def embeddings(self) -> Embeddings | None:
        """The store's embedding model, if it exposes one (it tags its retriever's runs)."""
        return None

    # -- searching ----------------------------------------------------------------------------

    def search(self, query: str, search_type: str, **kwargs: Any) -> list[Document]:
        """Dispatch to the search ``search_type`` names (a retriever's three kinds)."""
        if search_type == "similarity":
            return self.similarity_search(query, **kwargs)
        if search_type == "similarity_score_threshold":
            scored = self.similarity_search_with_relevance_scores(query, **kwargs)
            return [doc for doc, _ in scored]
        if search_type == "mmr":
            return self.max_marginal_relevance_search(query, **kwargs)
        raise ValueError(_bad_search_type(search_type))

    async def asearch(self, query: str, search_type: str, **kwargs: Any) -> list[Document]:
        if search_type == "similarity":
            return await self.asimilarity_search(query, **kwargs)
        if search_type == "similarity_score_threshold":
            scored = await self.asimilarity_search_with_relevance_scores(query, **kwargs)
            return [doc for doc, _ in scored]
        if search_type == "mmr":
            return await self.amax_marginal_relevance_search(query, **kwargs)
        raise ValueError(_bad_search_type(search_type))

    @abc.abstractmethod
    def similarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        """The ``k`` documents most similar to ``query``, most similar first."""

    async def asimilarity_search(self, query: str, k: int = 4, **kwargs: Any) -> list[Document]:
        return await run_in_executor(None, self.similarity_search, query, k=k, **kwargs)

    def similarity_search_with_score(self, *args: Any, **kwargs: Any
                                     ) -> list[tuple[Document, float]]:
        """Hits with the store's own score (a similarity or a distance, per store)."""
        raise NotImplementedError

    async def asimilarity_search_with_score(self, *args: Any, **kwargs: Any
                                            ) -> list[tuple[Document, float]]:
        return await run_in_executor(None, self.similarity_search_with_score, *args, **kwargs)

    def similarity_search_by_vector(self, embedding: list[float], k: int = 4, **kwargs: Any
                                    ) -> list[Document]:
        """The ``k`` documents most similar to a vector."""
        raise NotImplementedError

    async def asimilarity_search_by_vector(self, embedding: list[float], k: int = 4,
                                           **kwargs: Any) -> list[Document]:
        return await run_in_executor(
            None, self.similarity_search_by_vector, embedding, k=k, **kwargs)

    # relevance: the store's score mapped to [0, 1], 1 the most similar

    @staticmethod
    def _euclidean_relevance_score_fn(distance: float) -> float:
        return 1.0 - distance / math.sqrt(2)

    @staticmethod
    def _cosine_relevance_score_fn(distance: float) -> float:
        return 1.0 - distance

    @staticmethod
    def _max_inner_product_relevance_score_fn(distance: float) -> float:
        return 1.0 - distance if distance > 0 else -1.0 * distance

    def _select_relevance_score_fn(self) -> Callable[[float], float]:
        """The map from this store's score to a relevance; each store picks its own."""
        raise NotImplementedError

    def _similarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        relevance = self._select_relevance_score_fn()
        return [(doc, relevance(score))
                for doc, score in self.similarity_search_with_score(query, k, **kwargs)]

    async def _asimilarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        relevance = self._select_relevance_score_fn()
        scored = await self.asimilarity_search_with_score(query, k, **kwargs)
        return [(doc, relevance(score)) for doc, score in scored]

    def similarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        """Hits with relevances in [0, 1], those under ``score_threshold`` (if given) left out."""
        threshold = kwargs.pop("score_threshold", None)
        return _kept_above(
            self._similarity_search_with_relevance_scores(query, k=k, **kwargs), threshold)

    async def asimilarity_search_with_relevance_scores(
        self, query: str, k: int = 4, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        threshold = kwargs.pop("score_threshold", None)
        return _kept_above(
            await self._asimilarity_search_with_relevance_scores(query, k=k, **kwargs),
            threshold)

    def max_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        """``k`` of the ``fetch_k`` hits, similar to the query yet unlike each other."""
        raise NotImplementedError

    async def amax_marginal_relevance_search(
        self, query: str, k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        return await run_in_executor(
            None, self.max_marginal_relevance_search, query, k=k, fetch_k=fetch_k,
            lambda_mult=lambda_mult, **kwargs)

    def max_marginal_relevance_search_by_vector(
        self, embedding: list[float], k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        raise NotImplementedError

    async def amax_marginal_relevance_search_by_vector(
        self, embedding: list[float], k: int = 4, fetch_k: int = 20, lambda_mult: float = 0.5,
        **kwargs: Any,
    ) -> list[Document]:
        return await run_in_executor(
            None, self.max_marginal_relevance_search_by_vector, embedding, k=k,
            fetch_k=fetch_k, lambda_mult=lambda_mult, **kwargs)

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def from_documents(cls, documents: list[Document], embedding: Embeddings, **kwargs: Any
                       ) -> Self:
        """A store holding ``documents`` (with their ids, if any has one)."""
        _ids_of(documents, kwargs)
        return cls.from_texts([d.page_content for d in documents], embedding,
                              metadatas=[d.metadata for d in documents], **kwargs)

    @classmethod
    async def afrom_documents(cls, documents: list[Document], embedding: Embeddings,
                              **kwargs: Any) -> Self:
        _ids_of(documents, kwargs)
        return await cls.afrom_texts([d.page_content for d in documents], embedding,
                                     metadatas=[d.metadata for d in documents], **kwargs)

    @classmethod
    @abc.abstractmethod
    def from_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        """A store holding ``texts``, embedded by ``embedding``."""

    @classmethod
    async def afrom_texts(
        cls,
        texts: list[str],
        embedding: Embeddings,
        metadatas: list[dict[str, Any]] | None = None,
        *,
        ids: list[str] | None = None,
        **kwargs: Any,
    ) -> Self:
        if ids is not None:
            kwargs["ids"] = ids
        return await run_in_executor(None, cls.from_texts, texts, embedding, metadatas, **kwargs)

    # -- retrieval ----------------------------------------------------------------------------

    def _get_retriever_tags(self) -> list[str]:
        """The tags a retriever of this store gets by default: the store's and the embedding
        model's class names."""
        tags = [type(self).__name__]
        if self.embeddings:
            tags.append(type(self.embeddings).__name__)
        return tags

    def as_retriever(self, **kwargs: Any) -> VectorStoreRetriever:
        """A retriever searching this store (``search_type``, ``search_kwargs``, ``tags``,
        ``metadata``, ``name``...). Without ``tags`` its runs are tagged with the store's and the
        embedding's class names; with them, with those only."""
        tags = kwargs.pop("tags", None) or self._get_retriever_tags()
        return VectorStoreRetriever(vectorstore=self, tags=tags, **kwargs)


def _bad_search_type(search_type: str) -> str:
    return (f"search_type of {search_type} not allowed. Expected search_type to be "
            "'similarity', 'similarity_score_threshold' or 'mmr'.")


# -- the retriever of a store (one module: each needs the other) -----------------------------

class VectorStoreRetriever(BaseRetriever):
    """Searches ``vectorstore`` by ``search_type``: ``"similarity"`` (``k``, ``filter``...),
    ``"similarity_score_threshold"`` (``score_threshold``, a float, required) or ``"mmr"``
    (``k``, ``fetch_k``, ``lambda_mult``), with ``search_kwargs``."""

    allowed_search_types: ClassVar[tuple[str, ...]] = (
        "similarity", "similarity_score_threshold", "mmr")

    def __init__(
        self,
        *,
        vectorstore: VectorStore,
        search_type: str = "similarity",
        search_kwargs: dict[str, Any] | None = None,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        search_kwargs = {} if search_kwargs is None else search_kwargs
        if search_type not in self.allowed_search_types:
            raise ValueError(f"search_type of {search_type} not allowed. Valid values are: "
                             f"{self.allowed_search_types}")
        if search_type == "similarity_score_threshold" and not isinstance(
                search_kwargs.get("score_threshold"), float):
            raise ValueError("`score_threshold` is not specified with a float value(0~1) in "
                             "`search_kwargs`.")
        super().__init__(name=name, callbacks=callbacks, tags=tags, metadata=metadata)
        self.vectorstore = vectorstore
        self.search_type = search_type
        self.search_kwargs = search_kwargs

    def _get_ls_params(self, **kwargs: Any) -> dict[str, Any]:
        params = super()._get_ls_params(**kwargs)
        store = self.vectorstore
        params["ls_vector_store_provider"] = type(store).__name__
        embedding = store.embeddings or getattr(store, "embedding", None)
        if isinstance(embedding, Embeddings):
            params["ls_embedding_provider"] = type(embedding).__name__
        return params

    def _get_relevant_documents(self, query: str, *, run_manager: Any, **kwargs: Any
                                ) -> list[Document]:
        return self.vectorstore.search(query, self.search_type, **self.search_kwargs | kwargs)

    async def _aget_relevant_documents(self, query: str, *, run_manager: Any, **kwargs: Any
                                       ) -> list[Document]:
        return await self.vectorstore.asearch(
            query, self.search_type, **self.search_kwargs | kwargs)

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        """Add to the store searched."""
        return self.vectorstore.add_documents(documents, **kwargs)

    async def aadd_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        return await self.vectorstore.aadd_documents(documents, **kwargs)
