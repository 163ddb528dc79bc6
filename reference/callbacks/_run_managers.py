"""Run managers: the object that emits one started run's remaining events.

A run manager stores only what is its own, the run id, and a reference to the
manager that started it; handlers, tags and metadata are read through that
manager instead of being copied. Run managers are views: the engine makes one
when code needs it (a tool's ``callbacks``, a retriever's ``run_manager``, a chat
model's token events), and the run's lifecycle (``reference.runnables._lifecycle``)
decides when the run starts and ends.

The classes follow langchain_core's hierarchy, so ``isinstance`` checks hold:
:class:`RunManager` (sync events any run sends), :class:`ParentRunManager` (a run
that can have children: ``get_child``) and their async twins; each run kind's
manager also carries the handler mixin of the events it sends.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, final
from uuid import UUID

from reference.callbacks import _manager
from reference.callbacks._dispatch import adeliver, deliver, deliver_outcome
from reference.callbacks._handlers import (
    ChainManagerMixin,
    LLMManagerMixin,
    RetrieverManagerMixin,
    RunManagerMixin,
    ToolManagerMixin,
)
from reference.callbacks._ids import new_run_id

if TYPE_CHECKING:
    from reference.callbacks._handlers import BaseCallbackHandler
    from reference.callbacks._manager import BaseCallbackManager

__all__ = [
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForRetrieverRun",
    "AsyncCallbackManagerForToolRun",
    "AsyncParentRunManager",
    "AsyncRunManager",
    "BaseRunManager",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForRetrieverRun",
    "CallbackManagerForToolRun",
    "ParentRunManager",
    "RunManager",
    "astart_run",
    "new_run_manager",
    "start_run",
]

_new: Final = object.__new__

RM = TypeVar("RM", bound="BaseRunManager")


class BaseRunManager(RunManagerMixin):
    """Emits the events of one started run."""

    __slots__ = ("_mgr", "run_id")

    run_id: UUID
    _mgr: BaseCallbackManager

    #: Whether this run manager's events are coroutines (the async twins).
    is_async: ClassVar[bool] = False

    def __init__(
        self,
        *,
        run_id: UUID,
        handlers: Sequence[BaseCallbackHandler],
        inheritable_handlers: Sequence[BaseCallbackHandler],
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        inheritable_tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inheritable_metadata: dict[str, Any] | None = None,
    ) -> None:
        cls = _manager.AsyncCallbackManager if self.is_async else _manager.CallbackManager
        self._mgr = cls(
            handlers,
            inheritable_handlers,
            parent_run_id,
            tags=tags,
            inheritable_tags=inheritable_tags,
            metadata=metadata,
            inheritable_metadata=inheritable_metadata,
        )
        self.run_id = run_id

    @property
    def handlers(self) -> list[BaseCallbackHandler]:
        """Handlers receiving this run's events (local and inheritable)."""
        return list(self._mgr._hs.items)

    @property
    def inheritable_handlers(self) -> list[BaseCallbackHandler]:
        """Handlers passed on to child runs."""
        return list(self._mgr._ihs.items)

    @property
    def parent_run_id(self) -> UUID | None:
        return self._mgr.parent_run_id

    @property
    def tags(self) -> list[str]:
        """A copy of this run's tags."""
        return list(self._mgr.tags)

    @property
    def inheritable_tags(self) -> list[str]:
        return list(self._mgr.inheritable_tags)

    @property
    def metadata(self) -> dict[str, Any]:
        """A copy of this run's metadata."""
        return dict(self._mgr.metadata)

    @property
    def inheritable_metadata(self) -> dict[str, Any]:
        return dict(self._mgr.inheritable_metadata)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(run_id={self.run_id!r})"

    @classmethod
    def get_noop_manager(cls: type[RM]) -> RM:
        """A run manager of a new run id with no handlers: its events go nowhere."""
        return cls(run_id=new_run_id(), handlers=[], inheritable_handlers=[])

    def _common(self) -> dict[str, Any]:
        """The keyword arguments every event of this run carries."""
        mgr = self._mgr
        return {
            "run_id": self.run_id,
            "parent_run_id": mgr.parent_run_id,
            "tags": mgr.tags,
            "metadata": mgr.metadata,
        }

    def _emit(self, event: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Deliver one of this run's events after its start (``args`` holds one value)."""
        mgr = self._mgr
        pairs = getattr(mgr._hs, event)
        if not pairs:
            return
        if kwargs:
            deliver(pairs, event, args, self._common() | kwargs)
        else:
            (value,) = args
            deliver_outcome(
                pairs, event, value, self.run_id, mgr.parent_run_id, mgr.tags, mgr.metadata
            )

    async def _aemit(self, event: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        hs = self._mgr._hs
        if getattr(hs, event):
            await adeliver(hs, event, args, self._common() | kwargs)



class RunManager(BaseRunManager):
    """A run manager of synchronous code: events are delivered when called."""

    __slots__ = ()

    def on_text(self, text: str, **kwargs: Any) -> None:
        """Send ``text`` to the handlers' ``on_text``."""
        self._emit("on_text", (text,), kwargs)

    def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        """Tell the handlers this run is about to retry (``ignore_retry`` silences it)."""
        self._emit("on_retry", (retry_state,), kwargs)


class ParentRunManager(RunManager):
    """A run manager whose run can have child runs."""

    __slots__ = ()

    def get_child(self, tag: str | None = None) -> _manager.CallbackManager:
        """The manager for this run's children (see ``_manager.child_manager``)."""
        return _manager.child_manager(self._mgr, self.run_id, tag)  # type: ignore[return-value]


class AsyncRunManager(BaseRunManager):
    """A run manager of async code: events are coroutines to await."""

    __slots__ = ()
    is_async = True
    _sync_cls: ClassVar[type[RunManager]]

    def get_sync(self) -> RunManager:
        """The synchronous run manager for the same run (same id and handlers)."""
        return new_run_manager(self._sync_cls, self._mgr, self.run_id)

    async def on_text(self, text: str, **kwargs: Any) -> None:
        """Send ``text`` to the handlers' ``on_text``."""
        await self._aemit("on_text", (text,), kwargs)

    async def on_retry(self, retry_state: Any, **kwargs: Any) -> None:
        """Tell the handlers this run is about to retry (``ignore_retry`` silences it)."""
        await self._aemit("on_retry", (retry_state,), kwargs)


class AsyncParentRunManager(AsyncRunManager):
    """An async run manager whose run can have child runs."""

    __slots__ = ()

    def get_child(self, tag: str | None = None) -> _manager.AsyncCallbackManager:
        """The async manager for this run's children (see ``_manager.child_manager``)."""
        mgr = _manager.child_manager(self._mgr, self.run_id, tag, is_async=True)
        return mgr  # type: ignore[return-value]


#: The async base's earlier private name, kept for code that wraps or patches it.
_AsyncRunManager = AsyncRunManager


def new_run_manager(cls: type[RM], mgr: BaseCallbackManager, run_id: UUID) -> RM:
    """A run manager for run ``run_id`` of ``mgr`` (no ``__init__``: nothing to copy)."""
    rm: RM = _new(cls)
    rm._mgr = mgr
    rm.run_id = run_id
    return rm


def start_run(
    rm: BaseRunManager,
    event: str,
    error_event: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Deliver a run's start event; if delivering it raised, close the run, then re-raise.

    Every handler has received the start event by then (delivery never stops
    half-way), so closing it with ``error_event`` gives each one start, error (R10).
    """
    pairs = getattr(rm._mgr._hs, event)
    if not pairs:
        return
    try:
        deliver(pairs, event, args, rm._common() | kwargs)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            rm._emit(error_event, (exc,), {})
        raise


async def astart_run(
    rm: BaseRunManager,
    event: str,
    error_event: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Async twin of :func:`start_run` (a cancellation while a handler is awaited included)."""
    hs = rm._mgr._hs
    if not getattr(hs, event):
        return
    try:
        await adeliver(hs, event, args, rm._common() | kwargs)
    except BaseException as exc:
        with contextlib.suppress(BaseException):
            await rm._aemit(error_event, (exc,), {})
        raise


@final
class CallbackManagerForChainRun(ParentRunManager, ChainManagerMixin):
    """Run manager of a chain-type run (sequences, lambdas, prompts, parsers...)."""

    __slots__ = ()

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._emit("on_chain_end", (outputs,), kwargs)

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_chain_error", (error,), kwargs)

    def on_agent_action(self, action: Any, **kwargs: Any) -> None:
        self._emit("on_agent_action", (action,), kwargs)

    def on_agent_finish(self, finish: Any, **kwargs: Any) -> None:
        self._emit("on_agent_finish", (finish,), kwargs)


@final
class CallbackManagerForLLMRun(RunManager, LLMManagerMixin):
    """Run manager of an LLM or chat-model run."""

    __slots__ = ()

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self._emit("on_llm_new_token", (token,), {"chunk": chunk, **kwargs})

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self._emit("on_llm_end", (response,), kwargs)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_llm_error", (error,), kwargs)


@final
class CallbackManagerForToolRun(ParentRunManager, ToolManagerMixin):
    """Run manager of a tool run."""

    __slots__ = ()

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self._emit("on_tool_end", (output,), kwargs)

    def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_tool_error", (error,), kwargs)


@final
class CallbackManagerForRetrieverRun(ParentRunManager, RetrieverManagerMixin):
    """Run manager of a retriever run."""

    __slots__ = ()

    def on_retriever_end(self, documents: Sequence[Any], **kwargs: Any) -> None:
        self._emit("on_retriever_end", (documents,), kwargs)

    def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_retriever_error", (error,), kwargs)


@final
class AsyncCallbackManagerForChainRun(AsyncParentRunManager, ChainManagerMixin):
    """Async run manager of a chain-type run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForChainRun

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        await self._aemit("on_chain_end", (outputs,), kwargs)

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_chain_error", (error,), kwargs)

    async def on_agent_action(self, action: Any, **kwargs: Any) -> None:
        await self._aemit("on_agent_action", (action,), kwargs)

    async def on_agent_finish(self, finish: Any, **kwargs: Any) -> None:
        await self._aemit("on_agent_finish", (finish,), kwargs)


@final
class AsyncCallbackManagerForLLMRun(AsyncRunManager, LLMManagerMixin):
    """Async run manager of an LLM or chat-model run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForLLMRun

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        await self._aemit("on_llm_new_token", (token,), {"chunk": chunk, **kwargs})

    async def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        await self._aemit("on_llm_end", (response,), kwargs)

    async def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_llm_error", (error,), kwargs)


@final
class AsyncCallbackManagerForToolRun(AsyncParentRunManager, ToolManagerMixin):
    """Async run manager of a tool run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForToolRun

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        await self._aemit("on_tool_end", (output,), kwargs)

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_tool_error", (error,), kwargs)


@final
class AsyncCallbackManagerForRetrieverRun(AsyncParentRunManager, RetrieverManagerMixin):
    """Async run manager of a retriever run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForRetrieverRun

    async def on_retriever_end(self, documents: Sequence[Any], **kwargs: Any) -> None:
        await self._aemit("on_retriever_end", (documents,), kwargs)

    async def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_retriever_error", (error,), kwargs)
