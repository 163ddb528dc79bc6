"""Callback managers: who gets the events of a run, and with which tags and metadata.

A manager holds two handler sets: ``handlers`` (used for the run it starts)
and ``inheritable_handlers`` (passed to child runs by ``get_child``). Local
registrations (constructor callbacks) go only into the first, which is how
constructor scope stays on one object. Tags and metadata follow the same
split. Starting a run returns a *run manager* that emits the run's remaining
events and makes the child manager.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar, Union, final
from uuid import UUID

from reference.callbacks._dispatch import (
    HandlerSet,
    adeliver,
    deliver,
    deliver_chain_start,
    deliver_outcome,
)
from reference.callbacks._ids import new_run_id

if TYPE_CHECKING:
    from reference.callbacks._handlers import BaseCallbackHandler

__all__ = [
    "AsyncCallbackManager",
    "AsyncCallbackManagerForChainRun",
    "AsyncCallbackManagerForLLMRun",
    "AsyncCallbackManagerForRetrieverRun",
    "AsyncCallbackManagerForToolRun",
    "BaseCallbackManager",
    "BaseRunManager",
    "CallbackManager",
    "CallbackManagerForChainRun",
    "CallbackManagerForLLMRun",
    "CallbackManagerForRetrieverRun",
    "CallbackManagerForToolRun",
    "Callbacks",
]

_new: Final = object.__new__
_EMPTY_SET: Final = HandlerSet()

M = TypeVar("M", bound="BaseCallbackManager")


def _merge_tags(base: list[str], extra: Iterable[str] | None) -> list[str]:
    """``base`` plus the new tags of ``extra``; never mutates ``base`` (lists are shared)."""
    if not extra:
        return base
    new = [t for t in extra if t not in base]
    return base + new if new else base


def _merge_meta(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    return {**base, **extra} if extra else base


class _Fields:
    """Storage shared by managers and run managers (slots, no per-call dicts)."""

    __slots__ = (
        "_hs",
        "_ihs",
        "inheritable_metadata",
        "inheritable_tags",
        "metadata",
        "parent_run_id",
        "tags",
    )

    _hs: HandlerSet
    _ihs: HandlerSet
    parent_run_id: UUID | None
    tags: list[str]
    inheritable_tags: list[str]
    metadata: dict[str, Any]
    inheritable_metadata: dict[str, Any]

    @property
    def handlers(self) -> list[BaseCallbackHandler]:
        """Handlers receiving this object's events (local and inheritable)."""
        return list(self._hs.items)

    @handlers.setter
    def handlers(self, value: Iterable[BaseCallbackHandler]) -> None:
        self._hs = HandlerSet(value)

    @property
    def inheritable_handlers(self) -> list[BaseCallbackHandler]:
        """Handlers passed on to child runs."""
        return list(self._ihs.items)

    @inheritable_handlers.setter
    def inheritable_handlers(self, value: Iterable[BaseCallbackHandler]) -> None:
        self._ihs = HandlerSet(value)


class BaseCallbackManager(_Fields):
    """Shared behaviour of :class:`CallbackManager` and :class:`AsyncCallbackManager`."""

    __slots__ = ()

    def __init__(
        self,
        handlers: Sequence[BaseCallbackHandler] | None = None,
        inheritable_handlers: Sequence[BaseCallbackHandler] | None = None,
        parent_run_id: UUID | None = None,
        *,
        tags: list[str] | None = None,
        inheritable_tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inheritable_metadata: dict[str, Any] | None = None,
    ) -> None:
        self._hs = HandlerSet(handlers or ())
        self._ihs = HandlerSet(inheritable_handlers or ())
        self.parent_run_id = parent_run_id
        self.tags = list(tags or ())
        self.inheritable_tags = list(inheritable_tags or ())
        self.metadata = dict(metadata or {})
        self.inheritable_metadata = dict(inheritable_metadata or {})

    @classmethod
    def _make(
        cls: type[M],
        hs: HandlerSet,
        ihs: HandlerSet,
        parent_run_id: UUID | None,
        tags: list[str],
        inheritable_tags: list[str],
        metadata: dict[str, Any],
        inheritable_metadata: dict[str, Any],
    ) -> M:
        """Build without copying: the engine never mutates these containers in place."""
        m: M = _new(cls)
        m._hs = hs
        m._ihs = ihs
        m.parent_run_id = parent_run_id
        m.tags = tags
        m.inheritable_tags = inheritable_tags
        m.metadata = metadata
        m.inheritable_metadata = inheritable_metadata
        return m

    def _as(self, cls: type[M]) -> M:
        if type(self) is cls:
            return self
        return cls._make(
            self._hs,
            self._ihs,
            self.parent_run_id,
            self.tags,
            self.inheritable_tags,
            self.metadata,
            self.inheritable_metadata,
        )

    @property
    def is_async(self) -> bool:
        return False

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(handlers={self.handlers!r}, "
            f"inheritable_handlers={self.inheritable_handlers!r}, "
            f"parent_run_id={self.parent_run_id!r}, tags={self.tags!r})"
        )

    def copy(self: M) -> M:
        """A shallow copy sharing handlers but not containers."""
        return type(self)._make(
            self._hs,
            self._ihs,
            self.parent_run_id,
            list(self.tags),
            list(self.inheritable_tags),
            dict(self.metadata),
            dict(self.inheritable_metadata),
        )

    def merge(self: M, other: BaseCallbackManager) -> M:
        """A new manager with the handlers, tags and metadata of both (ours first)."""
        return type(self)._make(
            self._hs.union(other._hs.items),
            self._ihs.union(other._ihs.items),
            self.parent_run_id or other.parent_run_id,
            _merge_tags(self.tags, other.tags),
            _merge_tags(self.inheritable_tags, other.inheritable_tags),
            _merge_meta(self.metadata, other.metadata),
            _merge_meta(self.inheritable_metadata, other.inheritable_metadata),
        )

    def add_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        """Register ``handler`` for this manager's runs (and its children's if ``inherit``)."""
        self._hs = self._hs.union((handler,))
        if inherit:
            self._ihs = self._ihs.union((handler,))

    def remove_handler(self, handler: BaseCallbackHandler) -> None:
        self._hs = self._hs.without(handler)
        self._ihs = self._ihs.without(handler)

    def set_handlers(self, handlers: list[BaseCallbackHandler], inherit: bool = True) -> None:
        self._hs = HandlerSet(handlers)
        self._ihs = HandlerSet(handlers) if inherit else _EMPTY_SET

    def set_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        self.set_handlers([handler], inherit=inherit)

    def add_tags(self, tags: list[str], inherit: bool = True) -> None:
        self.tags = _merge_tags(self.tags, tags)
        if inherit:
            self.inheritable_tags = _merge_tags(self.inheritable_tags, tags)

    def remove_tags(self, tags: list[str]) -> None:
        self.tags = [t for t in self.tags if t not in tags]
        self.inheritable_tags = [t for t in self.inheritable_tags if t not in tags]

    def add_metadata(self, metadata: dict[str, Any], inherit: bool = True) -> None:
        self.metadata = _merge_meta(self.metadata, metadata)
        if inherit:
            self.inheritable_metadata = _merge_meta(self.inheritable_metadata, metadata)

    def remove_metadata(self, keys: list[str]) -> None:
        self.metadata = {k: v for k, v in self.metadata.items() if k not in keys}
        self.inheritable_metadata = {
            k: v for k, v in self.inheritable_metadata.items() if k not in keys
        }

    def _with_local(
        self: M,
        handlers: HandlerSet | None,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
    ) -> M:
        """A copy with constructor-scope additions: used for this run only, never inherited."""
        return type(self)._make(
            self._hs.union(handlers.items) if handlers else self._hs,
            self._ihs,
            self.parent_run_id,
            _merge_tags(self.tags, tags),
            self.inheritable_tags,
            _merge_meta(self.metadata, metadata),
            self.inheritable_metadata,
        )

    @classmethod
    def configure(
        cls: type[M],
        inheritable_callbacks: Callbacks = None,
        local_callbacks: Callbacks = None,
        verbose: bool = False,
        inheritable_tags: list[str] | None = None,
        local_tags: list[str] | None = None,
        inheritable_metadata: dict[str, Any] | None = None,
        local_metadata: dict[str, Any] | None = None,
    ) -> M:
        """Combine registrations into one manager; every route adds, none replaces (R4).

        ``*_callbacks`` may each be a list of handlers or a manager. Handlers
        reached twice are kept once (R5).
        """
        if isinstance(inheritable_callbacks, BaseCallbackManager):
            mgr = inheritable_callbacks._as(cls)
            if mgr._hs is not mgr._ihs or mgr.tags is not mgr.inheritable_tags:
                # A manager given as runtime/bound callbacks is the same registration as a
                # list (SPEC §1): everything it holds reaches the whole subtree.
                mgr = cls._make(
                    mgr._hs,
                    mgr._ihs.union(mgr._hs.items),
                    mgr.parent_run_id,
                    mgr.tags,
                    _merge_tags(mgr.inheritable_tags, mgr.tags),
                    mgr.metadata,
                    {**mgr.metadata, **mgr.inheritable_metadata},
                )
        else:
            handlers = _check_handlers(inheritable_callbacks, "inheritable_callbacks")
            hs = HandlerSet(handlers) if handlers else _EMPTY_SET
            mgr = cls._make(hs, hs, None, [], [], {}, {})
        if inheritable_tags:
            mgr = cls._make(
                mgr._hs,
                mgr._ihs,
                mgr.parent_run_id,
                _merge_tags(mgr.tags, inheritable_tags),
                _merge_tags(mgr.inheritable_tags, inheritable_tags),
                mgr.metadata,
                mgr.inheritable_metadata,
            )
        if inheritable_metadata:
            mgr = cls._make(
                mgr._hs,
                mgr._ihs,
                mgr.parent_run_id,
                mgr.tags,
                mgr.inheritable_tags,
                _merge_meta(mgr.metadata, inheritable_metadata),
                _merge_meta(mgr.inheritable_metadata, inheritable_metadata),
            )
        if isinstance(local_callbacks, BaseCallbackManager):
            local = local_callbacks._hs
            local_tags = [*(local_tags or ()), *local_callbacks.tags]
            local_metadata = {**local_callbacks.metadata, **(local_metadata or {})}
        elif local_callbacks:
            local = HandlerSet(_check_handlers(local_callbacks, "local_callbacks"))
        else:
            local = _EMPTY_SET
        if local.items or local_tags or local_metadata:
            mgr = mgr._with_local(local, local_tags, local_metadata)
        if verbose and not any(type(h).__name__ == "StdOutCallbackHandler" for h in mgr._hs.items):
            from reference.callbacks._stdout import StdOutCallbackHandler

            mgr = mgr._with_local(HandlerSet((StdOutCallbackHandler(),)), None, None)
        return mgr


def _check_handlers(callbacks: Any, where: str) -> Sequence[Any]:
    if callbacks is None:
        return ()
    if isinstance(callbacks, (list, tuple)):
        return callbacks
    raise TypeError(
        f"{where} must be a list of callback handlers or a CallbackManager, "
        f"got {type(callbacks).__name__}: {callbacks!r}. Wrap a single handler in a list: "
        "callbacks=[handler]."
    )


Callbacks = Union[list[Any], BaseCallbackManager, None]  # noqa: UP007 - runtime alias


# --------------------------------------------------------------------------- run managers


class BaseRunManager:
    """Emits the events of one started run and builds its children's manager.

    A run manager is created for every run, so it stores only what is its own
    (the run id, the run's config) plus a reference to the manager that
    started it; handlers, tags and metadata are read through that manager
    instead of being copied.
    """

    __slots__ = ("_child", "_config", "_mgr", "run_id")

    run_id: UUID
    _mgr: BaseCallbackManager
    _config: Any
    _child: Any

    _child_manager_cls: ClassVar[type[BaseCallbackManager]]

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
        mgr = self._child_manager_cls(
            handlers,
            inheritable_handlers,
            parent_run_id,
            tags=tags,
            inheritable_tags=inheritable_tags,
            metadata=metadata,
            inheritable_metadata=inheritable_metadata,
        )
        _init_run(self, mgr, run_id)

    # Read-only views of the starting manager's fields.
    @property
    def _hs(self) -> HandlerSet:
        return self._mgr._hs

    @property
    def _ihs(self) -> HandlerSet:
        return self._mgr._ihs

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
        return self._mgr.tags

    @property
    def inheritable_tags(self) -> list[str]:
        return self._mgr.inheritable_tags

    @property
    def metadata(self) -> dict[str, Any]:
        return self._mgr.metadata

    @property
    def inheritable_metadata(self) -> dict[str, Any]:
        return self._mgr.inheritable_metadata

    def get_child(self, tag: str | None = None) -> Any:
        """Manager for this run's children: inheritable handlers, tags and metadata only."""
        mgr = self._mgr
        ihs = mgr._ihs
        tags = mgr.inheritable_tags
        if tag is not None:
            tags = _merge_tags(tags, [tag])
        meta = mgr.inheritable_metadata
        return self._child_manager_cls._make(ihs, ihs, self.run_id, tags, tags, meta, meta)

    def _common_kwargs(self) -> dict[str, Any]:
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
            deliver(pairs, event, args, self._common_kwargs() | kwargs)
        else:
            (value,) = args
            deliver_outcome(
                pairs, event, value, self.run_id, mgr.parent_run_id, mgr.tags, mgr.metadata
            )

    async def _aemit(self, event: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        pairs = getattr(self._mgr._hs, event)
        if pairs:
            await adeliver(pairs, event, args, self._common_kwargs() | kwargs)


RM = TypeVar("RM", bound=BaseRunManager)


def _init_run(rm: BaseRunManager, mgr: BaseCallbackManager, run_id: UUID) -> None:
    rm.run_id = run_id
    rm._mgr = mgr
    rm._config = None
    rm._child = None


def _run_manager(cls: type[RM], mgr: BaseCallbackManager, run_id: UUID | None) -> RM:
    """A run manager for a new run of ``mgr`` (no ``__init__``: nothing to copy or check)."""
    rm: RM = _new(cls)
    _init_run(rm, mgr, new_run_id() if run_id is None else run_id)
    return rm


def start_chain_run(
    mgr: BaseCallbackManager,
    serialized: dict[str, Any] | None,
    inputs: Any,
    run_id: UUID | None,
    name: str | None,
    config: Any = None,
) -> CallbackManagerForChainRun:
    """Open a chain run of ``mgr`` and deliver its start event: the engine's hottest call.

    Runnables call this rather than ``CallbackManager.on_chain_start`` (the public face,
    which accepts any keyword arguments); ``config`` is the run's config, kept for
    ``child_config``.
    """
    # _run_manager() spelled out: calling it here measured about 1% slower per node.
    rm = _new(CallbackManagerForChainRun)
    rm.run_id = rid = new_run_id() if run_id is None else run_id
    rm._mgr = mgr
    rm._config = config
    rm._child = None
    pairs = mgr._hs.on_chain_start
    if pairs:
        try:
            deliver_chain_start(
                pairs, serialized, inputs, rid, mgr.parent_run_id, mgr.tags, mgr.metadata, name
            )
        except Exception as exc:
            _close_quietly(rm, "on_chain_error", exc)
            raise
    return rm


def _start(
    rm: BaseRunManager,
    event: str,
    error_event: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    """Deliver a start event; if a ``raise_error`` handler raised, close the run before re-raising.

    Closing it means every handler that saw the start also sees an error (R10).
    """
    pairs = getattr(rm._mgr._hs, event)
    if not pairs:
        return
    try:
        deliver(pairs, event, args, rm._common_kwargs() | kwargs)
    except Exception as exc:
        _close_quietly(rm, error_event, exc)
        raise


def _close_quietly(rm: BaseRunManager, error_event: str, exc: BaseException) -> None:
    with contextlib.suppress(Exception):
        rm._emit(error_event, (exc,), {})


async def _astart(
    rm: BaseRunManager,
    event: str,
    error_event: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    pairs = getattr(rm._mgr._hs, event)
    if not pairs:
        return
    try:
        await adeliver(pairs, event, args, rm._common_kwargs() | kwargs)
    except Exception as exc:
        with contextlib.suppress(Exception):
            await rm._aemit(error_event, (exc,), {})
        raise


@final
class CallbackManagerForChainRun(BaseRunManager):
    """Run manager of a chain-type run (sequences, lambdas, prompts, parsers...)."""

    __slots__ = ()

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._emit("on_chain_end", (outputs,), kwargs)

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_chain_error", (error,), kwargs)


@final
class CallbackManagerForLLMRun(BaseRunManager):
    """Run manager of an LLM or chat-model run."""

    __slots__ = ()

    def on_llm_new_token(self, token: str, *, chunk: Any = None, **kwargs: Any) -> None:
        self._emit("on_llm_new_token", (token,), {"chunk": chunk, **kwargs})

    def on_llm_end(self, response: Any, **kwargs: Any) -> None:
        self._emit("on_llm_end", (response,), kwargs)

    def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_llm_error", (error,), kwargs)


@final
class CallbackManagerForToolRun(BaseRunManager):
    """Run manager of a tool run."""

    __slots__ = ()

    def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        self._emit("on_tool_end", (output,), kwargs)

    def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_tool_error", (error,), kwargs)


@final
class CallbackManagerForRetrieverRun(BaseRunManager):
    """Run manager of a retriever run."""

    __slots__ = ()

    def on_retriever_end(self, documents: Sequence[Any], **kwargs: Any) -> None:
        self._emit("on_retriever_end", (documents,), kwargs)

    def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        self._emit("on_retriever_error", (error,), kwargs)


class _AsyncRunManager(BaseRunManager):
    __slots__ = ()
    _sync_cls: type[BaseRunManager]

    def get_sync(self) -> Any:
        """The synchronous run manager for the same run (same id and handlers)."""
        rm = _new(self._sync_cls)
        _init_run(rm, self._mgr, self.run_id)
        rm._config = self._config
        return rm


@final
class AsyncCallbackManagerForChainRun(_AsyncRunManager):
    """Async run manager of a chain-type run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForChainRun

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        await self._aemit("on_chain_end", (outputs,), kwargs)

    async def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_chain_error", (error,), kwargs)


@final
class AsyncCallbackManagerForLLMRun(_AsyncRunManager):
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
class AsyncCallbackManagerForToolRun(_AsyncRunManager):
    """Async run manager of a tool run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForToolRun

    async def on_tool_end(self, output: Any, **kwargs: Any) -> None:
        await self._aemit("on_tool_end", (output,), kwargs)

    async def on_tool_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_tool_error", (error,), kwargs)


@final
class AsyncCallbackManagerForRetrieverRun(_AsyncRunManager):
    """Async run manager of a retriever run."""

    __slots__ = ()
    _sync_cls = CallbackManagerForRetrieverRun

    async def on_retriever_end(self, documents: Sequence[Any], **kwargs: Any) -> None:
        await self._aemit("on_retriever_end", (documents,), kwargs)

    async def on_retriever_error(self, error: BaseException, **kwargs: Any) -> None:
        await self._aemit("on_retriever_error", (error,), kwargs)


# --------------------------------------------------------------------------- managers


class CallbackManager(BaseCallbackManager):
    """Starts runs from synchronous code."""

    __slots__ = ()

    def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> CallbackManagerForChainRun:
        """Start a chain run and tell the handlers."""
        rm = _run_manager(CallbackManagerForChainRun, self, run_id)
        _start(rm, "on_chain_start", "on_chain_error", (serialized, inputs), kwargs)
        return rm

    def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[CallbackManagerForLLMRun]:
        """Start one LLM run per prompt."""
        out = []
        for i, prompt in enumerate(prompts):
            rm = _run_manager(CallbackManagerForLLMRun, self, run_id if i == 0 else None)
            _start(rm, "on_llm_start", "on_llm_error", (serialized, [prompt]), kwargs)
            out.append(rm)
        return out

    def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[CallbackManagerForLLMRun]:
        """Start one chat-model run per message list."""
        out = []
        for i, msgs in enumerate(messages):
            rm = _run_manager(CallbackManagerForLLMRun, self, run_id if i == 0 else None)
            _start(rm, "on_chat_model_start", "on_llm_error", (serialized, [msgs]), kwargs)
            out.append(rm)
        return out

    def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        run_id: UUID | None = None,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> CallbackManagerForToolRun:
        """Start a tool run."""
        rm = _run_manager(CallbackManagerForToolRun, self, run_id)
        kw = {"inputs": inputs, **kwargs}
        _start(rm, "on_tool_start", "on_tool_error", (serialized, input_str), kw)
        return rm

    def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        run_id: UUID | None = None,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> CallbackManagerForRetrieverRun:
        """Start a retriever run."""
        rm = _run_manager(CallbackManagerForRetrieverRun, self, run_id)
        _start(rm, "on_retriever_start", "on_retriever_error", (serialized, query), kwargs)
        return rm


class AsyncCallbackManager(BaseCallbackManager):
    """Starts runs from async code; coroutine handlers are awaited in registration order."""

    __slots__ = ()

    @property
    def is_async(self) -> bool:
        return True

    async def on_chain_start(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> AsyncCallbackManagerForChainRun:
        """Start a chain run and tell the handlers."""
        rm = _run_manager(AsyncCallbackManagerForChainRun, self, run_id)
        await _astart(rm, "on_chain_start", "on_chain_error", (serialized, inputs), kwargs)
        return rm

    async def on_llm_start(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[AsyncCallbackManagerForLLMRun]:
        """Start one LLM run per prompt."""
        out = []
        for i, prompt in enumerate(prompts):
            rm = _run_manager(AsyncCallbackManagerForLLMRun, self, run_id if i == 0 else None)
            await _astart(rm, "on_llm_start", "on_llm_error", (serialized, [prompt]), kwargs)
            out.append(rm)
        return out

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[Any]],
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> list[AsyncCallbackManagerForLLMRun]:
        """Start one chat-model run per message list."""
        out = []
        for i, msgs in enumerate(messages):
            rm = _run_manager(AsyncCallbackManagerForLLMRun, self, run_id if i == 0 else None)
            await _astart(rm, "on_chat_model_start", "on_llm_error", (serialized, [msgs]), kwargs)
            out.append(rm)
        return out

    async def on_tool_start(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        run_id: UUID | None = None,
        parent_run_id: UUID | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> AsyncCallbackManagerForToolRun:
        """Start a tool run."""
        rm = _run_manager(AsyncCallbackManagerForToolRun, self, run_id)
        kw = {"inputs": inputs, **kwargs}
        await _astart(rm, "on_tool_start", "on_tool_error", (serialized, input_str), kw)
        return rm

    async def on_retriever_start(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        run_id: UUID | None = None,
        parent_run_id: UUID | None = None,
        **kwargs: Any,
    ) -> AsyncCallbackManagerForRetrieverRun:
        """Start a retriever run."""
        rm = _run_manager(AsyncCallbackManagerForRetrieverRun, self, run_id)
        await _astart(rm, "on_retriever_start", "on_retriever_error", (serialized, query), kwargs)
        return rm


_sync_run: tuple[type[BaseRunManager], ...] = (
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    CallbackManagerForToolRun,
    CallbackManagerForRetrieverRun,
)
_async_run: tuple[type[BaseRunManager], ...] = (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    AsyncCallbackManagerForToolRun,
    AsyncCallbackManagerForRetrieverRun,
)
for _cls in _sync_run:
    _cls._child_manager_cls = CallbackManager
for _cls in _async_run:
    _cls._child_manager_cls = AsyncCallbackManager
