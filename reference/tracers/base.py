"""``langchain_core.tracers.base``: tracers as handlers, sync (:class:`BaseTracer`) and async.

Each ``on_*`` method updates the run it concerns (see ``_core``) and then calls
the matching hook a subclass may override: ``_on_run_create`` when a run is
placed in its trace, ``_on_run_update`` when it ends, and the per-type
``_on_chain_start``, ``_on_llm_new_token``, ``_on_tool_error``, ... hooks. A
root run is handed to ``_persist_run`` when it ends. Chat models reach a tracer
as ``llm`` runs whose prompts are the messages rendered as strings, as in
langchain_core (``on_chat_model_start`` is left unimplemented on purpose).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

from reference.callbacks._handlers import AsyncCallbackHandler, BaseCallbackHandler
from reference.tracers._core import TracerCore, TracerException
from reference.tracers.schemas import Run

if TYPE_CHECKING:
    from reference.documents import Document
    from reference.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

__all__ = ["AsyncBaseTracer", "BaseTracer", "TracerException"]


class BaseTracer(TracerCore, BaseCallbackHandler, ABC):
    """A handler that records runs as :class:`Run` trees; implement ``_persist_run``."""

    @abstractmethod
    def _persist_run(self, run: Run) -> None:
        """Store a finished root run (its ``child_runs`` hold the whole tree)."""

    def _start_trace(self, run: Run) -> None:
        super()._start_trace(run)
        self._on_run_create(run)

    def _end_trace(self, run: Run) -> None:
        if not run.parent_run_id:
            self._persist_run(run)
        self._forget(run)
        self._on_run_update(run)

    # -- events ---------------------------------------------------------------------------

    def on_chain_start(
        self, serialized: dict[str, Any], inputs: Any, *, run_id: UUID, **kwargs: Any
    ) -> Run:
        run = self._create_chain_run(serialized, inputs, run_id, **kwargs)
        self._start_trace(run)
        self._on_chain_start(run)
        return run

    def on_chain_end(
        self, outputs: Any, *, run_id: UUID, inputs: Any = None, **kwargs: Any
    ) -> Run:
        run = self._complete_chain_run(outputs, run_id, inputs)
        self._end_trace(run)
        self._on_chain_end(run)
        return run

    def on_chain_error(
        self, error: BaseException, *, run_id: UUID, inputs: Any = None, **kwargs: Any
    ) -> Run:
        run = self._errored_chain_run(error, inputs, run_id)
        self._end_trace(run)
        self._on_chain_error(run)
        return run

    def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any
    ) -> Run:
        run = self._create_llm_run(serialized, prompts, run_id, **kwargs)
        self._start_trace(run)
        self._on_llm_start(run)
        return run

    def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID,
        **kwargs: Any,
    ) -> Run:
        """Only with ``_schema_format="original+chat"``; otherwise NotImplementedError makes
        the engine send ``on_llm_start`` instead."""
        run = self._create_chat_model_run(serialized, messages, run_id, **kwargs)
        self._start_trace(run)
        self._on_chat_model_start(run)
        return run

    def on_llm_new_token(
        self,
        token: Any,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Run:
        run = self._llm_run_with_token_event(token, run_id, chunk, parent_run_id)
        self._on_llm_new_token(run, token, chunk)
        return run

    def on_retry(self, retry_state: Any, *, run_id: UUID, **kwargs: Any) -> Run:
        return self._llm_run_with_retry_event(retry_state, run_id)

    def on_llm_end(self, response: LLMResult, *, run_id: UUID, **kwargs: Any) -> Run:
        run = self._complete_llm_run(response, run_id)
        self._end_trace(run)
        self._on_llm_end(run)
        return run

    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> Run:
        run = self._errored_llm_run(error, run_id, kwargs.get("response"))
        self._end_trace(run)
        self._on_llm_error(run)
        return run

    def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> Run:
        run = self._create_tool_run(serialized, input_str, run_id, **kwargs)
        self._start_trace(run)
        self._on_tool_start(run)
        return run

    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> Run:
        run = self._complete_tool_run(output, run_id)
        self._end_trace(run)
        self._on_tool_end(run)
        return run

    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> Run:
        run = self._errored_tool_run(error, run_id)
        self._end_trace(run)
        self._on_tool_error(run)
        return run

    def on_retriever_start(
        self, serialized: dict[str, Any], query: str, *, run_id: UUID, **kwargs: Any
    ) -> Run:
        run = self._create_retrieval_run(serialized, query, run_id, **kwargs)
        self._start_trace(run)
        self._on_retriever_start(run)
        return run

    def on_retriever_end(
        self, documents: Sequence[Document], *, run_id: UUID, **kwargs: Any
    ) -> Run:
        run = self._complete_retrieval_run(documents, run_id)
        self._end_trace(run)
        self._on_retriever_end(run)
        return run

    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> Run:
        run = self._errored_retrieval_run(error, run_id)
        self._end_trace(run)
        self._on_retriever_error(run)
        return run

    # -- hooks for subclasses (no-ops) ----------------------------------------------------

    def _on_run_create(self, run: Run) -> None:
        """A run was placed in its trace."""

    def _on_run_update(self, run: Run) -> None:
        """A run ended (with its outputs or its error)."""

    def _on_llm_start(self, run: Run) -> None:
        """An llm run started."""

    def _on_llm_new_token(self, run: Run, token: Any, chunk: Any) -> None:
        """An llm run streamed ``token``."""

    def _on_llm_end(self, run: Run) -> None:
        """An llm run ended."""

    def _on_llm_error(self, run: Run) -> None:
        """An llm run failed."""

    def _on_chain_start(self, run: Run) -> None:
        """A chain (or prompt, parser) run started."""

    def _on_chain_end(self, run: Run) -> None:
        """A chain run ended."""

    def _on_chain_error(self, run: Run) -> None:
        """A chain run failed."""

    def _on_tool_start(self, run: Run) -> None:
        """A tool run started."""

    def _on_tool_end(self, run: Run) -> None:
        """A tool run ended."""

    def _on_tool_error(self, run: Run) -> None:
        """A tool run failed."""

    def _on_chat_model_start(self, run: Run) -> None:
        """A chat_model run started (``original+chat`` format only)."""

    def _on_retriever_start(self, run: Run) -> None:
        """A retriever run started."""

    def _on_retriever_end(self, run: Run) -> None:
        """A retriever run ended."""

    def _on_retriever_error(self, run: Run) -> None:
        """A retriever run failed."""


class AsyncBaseTracer(TracerCore, AsyncCallbackHandler, ABC):
    """:class:`BaseTracer` whose ``_persist_run`` and hooks are coroutines.

    A start awaits the trace placement (with ``_on_run_create``) and the
    per-type hook together, as does an end with ``_on_run_update``. The run is placed
    (and, at its end, dropped) before the first ``await``, so a cancellation meanwhile
    leaves no run half-known.
    """

    @abstractmethod
    async def _persist_run(self, run: Run) -> None:
        """Store a finished root run."""

    def _start_trace(self, run: Run) -> Coroutine[Any, Any, None]:
        """Place ``run`` at once, then give ``_on_run_create``'s coroutine to await.

        Placed before the first ``await`` (not by a coroutine that a cancellation could
        stop before it runs): the run's error event must find it.
        """
        super()._start_trace(run)
        return self._on_run_create(run)

    def _end_trace(self, run: Run) -> Coroutine[Any, Any, None]:
        """Drop ``run`` from the open runs at once, then give the coroutine that persists a
        root and calls ``_on_run_update`` (a cancellation before it runs leaves nothing
        behind)."""
        self._forget(run)
        return self._ended(run)

    async def _ended(self, run: Run) -> None:
        if not run.parent_run_id:
            await self._persist_run(run)
        await self._on_run_update(run)

    async def on_chain_start(  # type: ignore[override]
        self, serialized: dict[str, Any], inputs: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._create_chain_run(serialized, inputs, run_id, **kwargs)
        await asyncio.gather(self._start_trace(run), self._on_chain_start(run))

    async def on_chain_end(  # type: ignore[override]
        self, outputs: Any, *, run_id: UUID, inputs: Any = None, **kwargs: Any
    ) -> None:
        run = self._complete_chain_run(outputs, run_id, inputs)
        await asyncio.gather(self._end_trace(run), self._on_chain_end(run))

    async def on_chain_error(  # type: ignore[override]
        self, error: BaseException, *, run_id: UUID, inputs: Any = None, **kwargs: Any
    ) -> None:
        run = self._errored_chain_run(error, inputs, run_id)
        await asyncio.gather(self._end_trace(run), self._on_chain_error(run))

    async def on_llm_start(  # type: ignore[override]
        self, serialized: dict[str, Any], prompts: list[str], *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._create_llm_run(serialized, prompts, run_id, **kwargs)
        await asyncio.gather(self._start_trace(run), self._on_llm_start(run))

    async def on_chat_model_start(  # type: ignore[override]
        self, serialized: dict[str, Any], messages: list[list[Any]], *, run_id: UUID,
        **kwargs: Any,
    ) -> None:
        run = self._create_chat_model_run(serialized, messages, run_id, **kwargs)
        await asyncio.gather(self._start_trace(run), self._on_chat_model_start(run))

    async def on_llm_new_token(  # type: ignore[override]
        self,
        token: Any,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> None:
        run = self._llm_run_with_token_event(token, run_id, chunk, parent_run_id)
        await self._on_llm_new_token(run, token, chunk)

    async def on_retry(  # type: ignore[override]
        self, retry_state: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        self._llm_run_with_retry_event(retry_state, run_id)

    async def on_llm_end(  # type: ignore[override]
        self, response: LLMResult, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._complete_llm_run(response, run_id)
        await asyncio.gather(self._on_llm_end(run), self._end_trace(run))

    async def on_llm_error(  # type: ignore[override]
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._errored_llm_run(error, run_id, kwargs.get("response"))
        await asyncio.gather(self._on_llm_error(run), self._end_trace(run))

    async def on_tool_start(  # type: ignore[override]
        self, serialized: dict[str, Any], input_str: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._create_tool_run(serialized, input_str, run_id, **kwargs)
        await asyncio.gather(self._start_trace(run), self._on_tool_start(run))

    async def on_tool_end(  # type: ignore[override]
        self, output: Any, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._complete_tool_run(output, run_id)
        await asyncio.gather(self._end_trace(run), self._on_tool_end(run))

    async def on_tool_error(  # type: ignore[override]
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._errored_tool_run(error, run_id)
        await asyncio.gather(self._end_trace(run), self._on_tool_error(run))

    async def on_retriever_start(  # type: ignore[override]
        self, serialized: dict[str, Any], query: str, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._create_retrieval_run(serialized, query, run_id, **kwargs)
        await asyncio.gather(self._start_trace(run), self._on_retriever_start(run))

    async def on_retriever_end(  # type: ignore[override]
        self, documents: Sequence[Document], *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._complete_retrieval_run(documents, run_id)
        await asyncio.gather(self._end_trace(run), self._on_retriever_end(run))

    async def on_retriever_error(  # type: ignore[override]
        self, error: BaseException, *, run_id: UUID, **kwargs: Any
    ) -> None:
        run = self._errored_retrieval_run(error, run_id)
        await asyncio.gather(self._end_trace(run), self._on_retriever_error(run))

    # -- hooks for subclasses (no-op coroutines) ------------------------------------------

    async def _on_run_create(self, run: Run) -> None:
        """A run was placed in its trace."""

    async def _on_run_update(self, run: Run) -> None:
        """A run ended."""

    async def _on_llm_start(self, run: Run) -> None:
        """An llm run started."""

    async def _on_llm_new_token(self, run: Run, token: Any, chunk: Any) -> None:
        """An llm run streamed ``token``."""

    async def _on_llm_end(self, run: Run) -> None:
        """An llm run ended."""

    async def _on_llm_error(self, run: Run) -> None:
        """An llm run failed."""

    async def _on_chain_start(self, run: Run) -> None:
        """A chain run started."""

    async def _on_chain_end(self, run: Run) -> None:
        """A chain run ended."""

    async def _on_chain_error(self, run: Run) -> None:
        """A chain run failed."""

    async def _on_tool_start(self, run: Run) -> None:
        """A tool run started."""

    async def _on_tool_end(self, run: Run) -> None:
        """A tool run ended."""

    async def _on_tool_error(self, run: Run) -> None:
        """A tool run failed."""

    async def _on_chat_model_start(self, run: Run) -> None:
        """A chat_model run started (``original+chat`` format only)."""

    async def _on_retriever_start(self, run: Run) -> None:
        """A retriever run started."""

    async def _on_retriever_end(self, run: Run) -> None:
        """A retriever run ended."""

    async def _on_retriever_error(self, run: Run) -> None:
        """A retriever run failed."""
