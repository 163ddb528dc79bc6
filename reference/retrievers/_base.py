"""``BaseRetriever``: a query to documents, as a retriever-type run."""

from __future__ import annotations

import asyncio
import contextvars
from functools import partial
from typing import Any

from reference.documents import Document
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import ARETRIEVER, RETRIEVER, arun, run

__all__ = [
    "BaseRetriever",
    "RetrieverInput",
    "RetrieverLike",
    "RetrieverOutput",
    "RetrieverOutputLike",
]

#: A retriever's input (the query) and output (the documents found), and runnables with them.
RetrieverInput = str
RetrieverOutput = list[Document]
RetrieverLike = Runnable[RetrieverInput, RetrieverOutput]
RetrieverOutputLike = Runnable[Any, RetrieverOutput]


class BaseRetriever(Runnable[str, list[Document]]):
    """Subclasses implement ``_get_relevant_documents(query, *, run_manager)``.

    Runnables invoked from there are children of the retriever run.
    ``_aget_relevant_documents`` defaults to the sync one in a worker thread.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._init_scope(name, callbacks, tags, metadata)

    def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        raise NotImplementedError(f"{type(self).__name__} must implement _get_relevant_documents")

    async def _aget_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        ctx = contextvars.copy_context()
        call = partial(
            ctx.run, self._get_relevant_documents, query, run_manager=run_manager.get_sync()
        )
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def invoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        return run(self, self._retrieve, input, config, RETRIEVER)

    def _retrieve(self, query: str, frame: RunFrame) -> list[Document]:
        return self._get_relevant_documents(query, run_manager=frame.run_manager)

    async def ainvoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        return await arun(self, self._aretrieve, input, config, ARETRIEVER)

    async def _aretrieve(self, query: str, frame: RunFrame) -> list[Document]:
        return await self._aget_relevant_documents(query, run_manager=frame.run_manager)
