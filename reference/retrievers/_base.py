"""``BaseRetriever``: a query to documents, as a retriever-type run."""

from __future__ import annotations

import asyncio
import contextvars
from functools import partial
from typing import Any

from reference.documents import Document
from reference.runnables._base import Runnable, arun_in, run_in, start_info
from reference.runnables._config import (
    RunnableConfig,
    get_async_manager,
    get_sync_manager,
    resolve_config,
)

__all__ = ["BaseRetriever"]


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
        cfg, trusted = resolve_config(config)
        mgr = get_sync_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = mgr.on_retriever_start(ser, input, run_id=run_id, name=name)
        rm._config = cfg
        body = partial(self._get_relevant_documents, input, run_manager=rm)
        return run_in(rm, body, rm.on_retriever_end, rm.on_retriever_error)

    async def ainvoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = await mgr.on_retriever_start(ser, input, run_id=run_id, name=name)
        rm._config = cfg
        body = partial(self._aget_relevant_documents, input, run_manager=rm)
        return await arun_in(rm, body, rm.on_retriever_end, rm.on_retriever_error)
