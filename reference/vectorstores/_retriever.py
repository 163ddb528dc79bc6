"""``VectorStoreRetriever``: a vector store searched as a retriever run.

Its runs carry the tags ``as_retriever`` gave it (by default the store's and
the embedding's class names) and, as metadata, ``ls_retriever_name``
("vectorstore"), ``ls_vector_store_provider`` and ``ls_embedding_provider``
(class names), as langchain_core's. Keywords given to ``invoke`` are search
keywords, over ``search_kwargs``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reference.documents import Document
from reference.embeddings import Embeddings
from reference.retrievers import BaseRetriever
from reference.vectorstores._base import VectorStore

__all__ = ["VectorStoreRetriever"]


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
