"""Handler base classes: every callback method a no-op, so subclasses override only what they need.

The no-ops live in six mixins, grouped as langchain_core groups them (what a
callback manager starts, what each kind of run ends with, what any run may
send), so handler code that mixes them in or checks ``isinstance`` against
them runs unchanged. :class:`BaseCallbackHandler` is all six together.

The engine skips methods a handler does not override (see ``_dispatch``: it
knows every no-op below by identity), so inheriting a no-op costs nothing per
event. ``on_chat_model_start`` is the exception: its default raises
``NotImplementedError``, and the engine then calls ``on_llm_start`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from reference.documents import Document
    from reference.messages import BaseMessage
    from reference.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

__all__ = [
    "AsyncCallbackHandler",
    "BaseCallbackHandler",
    "CallbackManagerMixin",
    "ChainManagerMixin",
    "LLMManagerMixin",
    "RetrieverManagerMixin",
    "RunManagerMixin",
    "ToolManagerMixin",
]


class RetrieverManagerMixin:
    """How a retriever run ends."""

    __slots__ = ()

    def on_retriever_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever run raised ``error``."""

    def on_retriever_end(
        self,
        documents: Sequence[Document],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever run returned ``documents``."""


class LLMManagerMixin:
    """What an LLM or chat-model run sends after its start."""

    __slots__ = ()

    def on_llm_new_token(
        self,
        token: str,
        *,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A streamed model produced one token."""

    def on_llm_end(
        self, response: LLMResult, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """An LLM or chat model run finished."""

    def on_llm_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """An LLM or chat model run raised ``error``."""


class ChainManagerMixin:
    """How a chain-type run ends, and the agent events it may send."""

    __slots__ = ()

    def on_chain_end(
        self, outputs: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """A chain-type run returned ``outputs``."""

    def on_chain_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chain-type run raised ``error``."""

    def on_agent_action(
        self, action: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """Agent code reported an action (``run_manager.on_agent_action``)."""

    def on_agent_finish(
        self, finish: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """Agent code reported its final answer (``run_manager.on_agent_finish``)."""


class ToolManagerMixin:
    """How a tool run ends."""

    __slots__ = ()

    def on_tool_end(
        self, output: Any, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """A tool run returned ``output``."""

    def on_tool_error(
        self,
        error: BaseException,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A tool run raised ``error``."""


class CallbackManagerMixin:
    """The start of each kind of run."""

    __slots__ = ()

    def on_llm_start(
        self,
        serialized: dict[str, Any],
        prompts: list[str],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """An LLM run started (also the fallback for chat models, see below)."""

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chat model run started.

        Not overriding it makes the engine call ``on_llm_start`` with the
        messages rendered as strings, as LangChain does.
        """
        raise NotImplementedError(
            f"{type(self).__name__} does not implement on_chat_model_start"
        )

    def on_retriever_start(
        self,
        serialized: dict[str, Any],
        query: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A retriever run started."""

    def on_chain_start(
        self,
        serialized: dict[str, Any],
        inputs: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A chain-type run started."""

    def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A tool run started."""


class RunManagerMixin:
    """Events any run may send while it executes."""

    __slots__ = ()

    def on_text(
        self, text: str, *, run_id: UUID, parent_run_id: UUID | None = None, **kwargs: Any
    ) -> Any:
        """Code inside a run reported some text (``run_manager.on_text``)."""

    def on_retry(
        self,
        retry_state: Any,
        *,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> Any:
        """A run is about to retry (sent by code that calls ``run_manager.on_retry``)."""

    def on_custom_event(
        self,
        name: str,
        data: Any,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """``dispatch_custom_event(name, data)`` was called inside run ``run_id``."""


class BaseCallbackHandler(
    LLMManagerMixin,
    ChainManagerMixin,
    ToolManagerMixin,
    RetrieverManagerMixin,
    CallbackManagerMixin,
    RunManagerMixin,
):
    """Synchronous handler; override the ``on_*`` methods you care about.

    ``raise_error``: re-raise this handler's exceptions to the caller instead of
    logging them. ``ignore_*``: skip whole families of events. ``run_inline``:
    in async modes, call this sync handler on the event loop rather than in
    the loop's executor.
    """

    raise_error: bool = False
    run_inline: bool = False
    ignore_llm: bool = False
    ignore_chain: bool = False
    ignore_agent: bool = False
    ignore_retriever: bool = False
    ignore_chat_model: bool = False
    ignore_retry: bool = False
    ignore_custom_event: bool = False


class AsyncCallbackHandler(BaseCallbackHandler):
    """Handler whose methods are coroutines.

    Async invocations await them in order; sync invocations run each coroutine
    to completion on a private event loop (``asyncio.run`` in the calling
    thread, or in a helper thread when that thread already runs a loop).
    """

    async def on_chain_start(
        self, serialized: dict[str, Any], inputs: Any, **kwargs: Any
    ) -> None:
        """A chain-type run started."""

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """A chain-type run returned ``outputs``."""

    async def on_chain_error(
        self, error: BaseException, **kwargs: Any
    ) -> None:
        """A chain-type run raised ``error``."""

    async def on_agent_action(self, action: Any, **kwargs: Any) -> None:
        """Agent code reported an action."""

    async def on_agent_finish(self, finish: Any, **kwargs: Any) -> None:
        """Agent code reported its final answer."""

    async def on_llm_start(
        self, serialized: dict[str, Any], prompts: list[str], **kwargs: Any
    ) -> None:
        """An LLM run started."""

    async def on_chat_model_start(
        self, serialized: dict[str, Any], messages: list[list[BaseMessage]], **kwargs: Any
    ) -> None:
        """A chat model run started; not overriding it falls back to ``on_llm_start``."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement on_chat_model_start"
        )

    async def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        """A streamed model produced one token."""

    async def on_llm_end(self, response: LLMResult, **kwargs: Any) -> None:
        """An LLM or chat model run finished."""

    async def on_llm_error(
        self, error: BaseException, **kwargs: Any
    ) -> None:
        """An LLM or chat model run raised ``error``."""

    async def on_tool_start(
        self, serialized: dict[str, Any], input_str: str, **kwargs: Any
    ) -> None:
        """A tool run started."""

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        """A tool run returned ``output``."""

    async def on_tool_error(
        self, error: BaseException, **kwargs: Any
    ) -> None:
        """A tool run raised ``error``."""

    async def on_retriever_start(
        self, serialized: dict[str, Any], query: str, **kwargs: Any
    ) -> None:
        """A retriever run started."""

    async def on_retriever_end(
        self, documents: Sequence[Document], **kwargs: Any
    ) -> None:
        """A retriever run returned ``documents``."""

    async def on_retriever_error(
        self, error: BaseException, **kwargs: Any
    ) -> None:
        """A retriever run raised ``error``."""

    async def on_text(self, text: str, **kwargs: Any) -> None:
        """Code inside a run reported some text."""

    async def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        """A run is about to retry."""

    async def on_custom_event(self, name: str, data: Any, **kwargs: Any) -> None:
        """``adispatch_custom_event(name, data)`` was called inside run ``run_id``."""
