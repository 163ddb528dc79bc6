"""``Embeddings``: the interface vector stores embed documents and queries through.

Embedding is not a run: no handler sees it (langchain_core's embeddings are not
runnables either). The async methods run the sync ones in a worker thread.
"""

from __future__ import annotations

import abc

__all__ = ["Embeddings"]


class Embeddings(abc.ABC):
    """Subclasses implement ``embed_documents`` and ``embed_query``.

    Documents and queries are embedded separately because some models embed
    them differently (a search query is not a passage).
    """

    @abc.abstractmethod
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""

    @abc.abstractmethod
    def embed_query(self, text: str) -> list[float]:
        """The vector of a search query."""

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        from reference.runnables import run_in_executor

        return await run_in_executor(None, self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        from reference.runnables import run_in_executor

        return await run_in_executor(None, self.embed_query, text)
