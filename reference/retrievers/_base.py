"""``BaseRetriever``: a query to documents, as a retriever-type run."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from functools import partial
from typing import Any, ClassVar

from reference.documents import Document
from reference.runnables._base import ReassignableTagsMetadata, Runnable
from reference.runnables._config import RunnableConfig, resolve_config
from reference.runnables._executor import run_in_executor
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import ARETRIEVER, RETRIEVER, arun, run
from reference.runnables._serializable import RunnableSerializable

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


class BaseRetriever(ReassignableTagsMetadata, RunnableSerializable[str, list[Document]]):
    """Subclasses implement ``_get_relevant_documents(query, *, run_manager)``.

    Annotated fields are constructor keywords (``ToyRetriever(documents=docs, k=3)``, as
    langchain_core's pydantic retrievers take them), with ``name``, ``callbacks``, ``tags``
    and ``metadata``.

    Runnables invoked from there are children of the retriever run.
    ``_aget_relevant_documents`` defaults to the sync one in a worker thread.
    Keywords given to ``invoke`` reach it if it takes parameters other than
    ``query`` and ``run_manager``; one without ``run_manager`` is called
    without it. Each run's metadata, inherited by its children, gets
    ``_get_ls_params()`` (``ls_retriever_name``...), as langchain_core's.
    """

    #: Whether ``_get_relevant_documents`` takes ``run_manager``, and other keywords.
    _constructor_scope: ClassVar[bool] = True
    _new_arg_supported: ClassVar[bool] = True
    _expects_other_args: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        params = inspect.signature(cls._get_relevant_documents).parameters
        cls._new_arg_supported = "run_manager" in params
        cls._expects_other_args = bool(set(params) - {"self", "query", "run_manager"})

    def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        raise NotImplementedError(f"{type(self).__name__} must implement _get_relevant_documents")

    async def _aget_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
        ctx = contextvars.copy_context()
        call = partial(
            ctx.run, self._get_relevant_documents, query, run_manager=run_manager.get_sync()
        )
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def _get_ls_params(self, **kwargs: Any) -> dict[str, Any]:
        """Tracing metadata about this retriever: its name less "Retriever", lower-cased."""
        name = self.get_name()
        if name.startswith("Retriever"):
            name = name[9:]
        elif name.endswith("Retriever"):
            name = name[:-9]
        return {"ls_retriever_name": name.lower()}

    def _traced(self, config: RunnableConfig | None, kwargs: dict[str, Any]) -> RunnableConfig:
        """``config`` (merged with the enclosing run's) with the ``ls_*`` metadata added."""
        cfg, _ = resolve_config(config)
        metadata = {**cfg.get("metadata", {}), **self._get_ls_params(**kwargs)}
        return {**cfg, "metadata": metadata}

    def _body(self, method: Any, kwargs: dict[str, Any]) -> Any:
        """``method``, given ``kwargs`` if ``_get_relevant_documents`` takes them."""
        return partial(method, **kwargs) if kwargs and self._expects_other_args else method

    def invoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        body = self._body(self._retrieve, kwargs)
        return run(self, body, input, self._traced(config, kwargs), RETRIEVER)

    def _retrieve(self, query: str, frame: RunFrame, **kwargs: Any) -> list[Document]:
        if self._new_arg_supported:
            return self._get_relevant_documents(query, run_manager=frame.run_manager, **kwargs)
        return self._get_relevant_documents(query, **kwargs)

    async def ainvoke(
        self, input: str, config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Document]:
        body = self._body(self._aretrieve, kwargs)
        return await arun(self, body, input, self._traced(config, kwargs), ARETRIEVER)

    async def _aretrieve(self, query: str, frame: RunFrame, **kwargs: Any) -> list[Document]:
        if self._new_arg_supported:
            return await self._aget_relevant_documents(
                query, run_manager=frame.run_manager, **kwargs)
        if type(self)._aget_relevant_documents is BaseRetriever._aget_relevant_documents:
            # the default would pass run_manager on: call the sync one without it
            return await run_in_executor(None, self._get_relevant_documents, query, **kwargs)
        return await self._aget_relevant_documents(query, **kwargs)
