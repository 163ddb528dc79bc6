"""Callback managers and ``configure``: who gets the events of a run, with which tags and metadata.

A manager holds two handler sets: ``handlers`` (used for the run it starts)
and ``inheritable_handlers`` (passed to child runs). Local registrations
(constructor callbacks) go only into the first, which is how constructor scope
stays on one object. Tags and metadata follow the same split. Starting a run
returns a *run manager* (``_run_managers``) that emits the run's remaining events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar, Union
from uuid import UUID

from reference.callbacks._dispatch import HandlerSet, check_handlers
from reference.callbacks._handlers import CallbackManagerMixin
from reference.callbacks._hooks import HOOKS, apply_hooks
from reference.callbacks._ids import new_run_id
from reference.callbacks._merge import merge_metadata, merge_tags
from reference.callbacks._run_managers import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    AsyncCallbackManagerForRetrieverRun,
    AsyncCallbackManagerForToolRun,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
    CallbackManagerForRetrieverRun,
    CallbackManagerForToolRun,
    astart_run,
    new_run_manager,
    start_run,
)

if TYPE_CHECKING:
    from reference.callbacks._handlers import BaseCallbackHandler

__all__ = [
    "AsyncCallbackManager",
    "BaseCallbackManager",
    "CallbackManager",
    "Callbacks",
    "check_run_id",
    "child_manager",
    "handlers_manager",
]

_new: Final = object.__new__
_EMPTY_SET: Final = HandlerSet()

M = TypeVar("M", bound="BaseCallbackManager")


def check_run_id(run_id: Any, where: str = "run_id") -> UUID | None:
    """``run_id`` if it is a ``uuid.UUID`` (or None); a TypeError saying what to pass otherwise."""
    if run_id is None or isinstance(run_id, UUID):
        return run_id
    raise TypeError(
        f"{where} must be a uuid.UUID or None, got {type(run_id).__name__} {run_id!r}; "
        "pass e.g. uuid.uuid4(), or uuid.UUID(text) for an id you have as a string."
    )


class BaseCallbackManager(CallbackManagerMixin):
    """Shared behaviour of :class:`CallbackManager` and :class:`AsyncCallbackManager`."""

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
        self._hs = HandlerSet(check_handlers(handlers, "handlers"))
        self._ihs = HandlerSet(check_handlers(inheritable_handlers, "inheritable_handlers"))
        self.parent_run_id = check_run_id(parent_run_id, "parent_run_id")
        self.tags = list(tags or ())
        self.inheritable_tags = list(inheritable_tags or ())
        self.metadata = dict(metadata or {})
        self.inheritable_metadata = dict(inheritable_metadata or {})

    @classmethod
    def _make(
        cls: type[M],
        *,
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

    def _replace(self: M, **fields: Any) -> M:
        """A manager like this one with some fields replaced."""
        return type(self)._make(**(self._fields() | fields))

    def _fields(self) -> dict[str, Any]:
        return {
            "hs": self._hs,
            "ihs": self._ihs,
            "parent_run_id": self.parent_run_id,
            "tags": self.tags,
            "inheritable_tags": self.inheritable_tags,
            "metadata": self.metadata,
            "inheritable_metadata": self.inheritable_metadata,
        }

    def _as(self, cls: type[M]) -> M:
        return self if type(self) is cls else cls._make(**self._fields())

    @property
    def handlers(self) -> list[BaseCallbackHandler]:
        """Handlers receiving this manager's runs' events (local and inheritable)."""
        return list(self._hs.items)

    @handlers.setter
    def handlers(self, value: Iterable[BaseCallbackHandler]) -> None:
        self._hs = HandlerSet(check_handlers(list(value), "handlers"))

    @property
    def inheritable_handlers(self) -> list[BaseCallbackHandler]:
        """Handlers passed on to child runs."""
        return list(self._ihs.items)

    @inheritable_handlers.setter
    def inheritable_handlers(self, value: Iterable[BaseCallbackHandler]) -> None:
        self._ihs = HandlerSet(check_handlers(list(value), "inheritable_handlers"))

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
        return self._replace(
            tags=list(self.tags),
            inheritable_tags=list(self.inheritable_tags),
            metadata=dict(self.metadata),
            inheritable_metadata=dict(self.inheritable_metadata),
        )

    def merge(self: M, other: BaseCallbackManager) -> M:
        """A new manager with the handlers, tags and metadata of both (ours first)."""
        return self._replace(
            hs=self._hs.union(other._hs.items),
            ihs=self._ihs.union(other._ihs.items),
            parent_run_id=self.parent_run_id or other.parent_run_id,
            tags=merge_tags(self.tags, other.tags),
            inheritable_tags=merge_tags(self.inheritable_tags, other.inheritable_tags),
            metadata=merge_metadata(self.metadata, other.metadata),
            inheritable_metadata=merge_metadata(
                self.inheritable_metadata, other.inheritable_metadata
            ),
        )

    def add_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        """Register ``handler`` for this manager's runs (and its children's if ``inherit``)."""
        check_handlers([handler], "add_handler(handler)")
        self._hs = self._hs.union((handler,))
        if inherit:
            self._ihs = self._ihs.union((handler,))

    def remove_handler(self, handler: BaseCallbackHandler) -> None:
        self._hs = self._hs.without(handler)
        self._ihs = self._ihs.without(handler)

    def set_handlers(self, handlers: list[BaseCallbackHandler], inherit: bool = True) -> None:
        self._hs = HandlerSet(check_handlers(handlers, "handlers"))
        self._ihs = self._hs if inherit else _EMPTY_SET

    def set_handler(self, handler: BaseCallbackHandler, inherit: bool = True) -> None:
        self.set_handlers([handler], inherit=inherit)

    def add_tags(self, tags: list[str], inherit: bool = True) -> None:
        self.tags = merge_tags(self.tags, tags)
        if inherit:
            self.inheritable_tags = merge_tags(self.inheritable_tags, tags)

    def remove_tags(self, tags: list[str]) -> None:
        self.tags = [t for t in self.tags if t not in tags]
        self.inheritable_tags = [t for t in self.inheritable_tags if t not in tags]

    def add_metadata(self, metadata: dict[str, Any], inherit: bool = True) -> None:
        self.metadata = merge_metadata(self.metadata, metadata)
        if inherit:
            self.inheritable_metadata = merge_metadata(self.inheritable_metadata, metadata)

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
        return self._replace(
            hs=self._hs.union(handlers.items) if handlers else self._hs,
            tags=merge_tags(self.tags, tags),
            metadata=merge_metadata(self.metadata, metadata),
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
            # A manager keeps its split (SPEC §1): its ``handlers``, ``tags`` and ``metadata``
            # are the run's own, only its ``inheritable_*`` ones reach the run's children.
            mgr = inheritable_callbacks._as(cls)
            if inheritable_tags:
                mgr = mgr._replace(
                    tags=merge_tags(mgr.tags, inheritable_tags),
                    inheritable_tags=merge_tags(mgr.inheritable_tags, inheritable_tags),
                )
            if inheritable_metadata:
                mgr = mgr._replace(
                    metadata=merge_metadata(mgr.metadata, inheritable_metadata),
                    inheritable_metadata=merge_metadata(
                        mgr.inheritable_metadata, inheritable_metadata
                    ),
                )
        else:
            mgr = handlers_manager(cls, inheritable_callbacks, inheritable_tags,
                                   inheritable_metadata)
        if local_callbacks is not None or local_tags or local_metadata:
            if isinstance(local_callbacks, BaseCallbackManager):
                local = local_callbacks._hs
                local_tags = [*(local_tags or ()), *local_callbacks.tags]
                local_metadata = {**local_callbacks.metadata, **(local_metadata or {})}
            elif local_callbacks:
                local = HandlerSet(check_handlers(local_callbacks, "local_callbacks"))
            else:
                local = _EMPTY_SET
            if local.items or local_tags or local_metadata:
                mgr = mgr._with_local(local, local_tags, local_metadata)
        if verbose and not any(type(h).__name__ == "StdOutCallbackHandler" for h in mgr._hs.items):
            from reference.callbacks._stdout import StdOutCallbackHandler

            mgr = mgr._with_local(HandlerSet((StdOutCallbackHandler(),)), None, None)
        if HOOKS:
            mgr = apply_hooks(mgr)
        return mgr


Callbacks = Union[list[Any], BaseCallbackManager, None]  # noqa: UP007 - runtime alias


def handlers_manager(
    cls: type[M],
    callbacks: Sequence[Any] | None,
    tags: list[str] | None,
    metadata: dict[str, Any] | None,
) -> M:
    """The manager ``configure`` builds for a list of handlers (or None) with inheritable
    ``tags`` and ``metadata``: one manager whose containers are its own.

    A runtime config's ``callbacks`` is nearly always such a list, so the run lifecycle
    calls this directly for a root run, without ``configure``'s classmethod call, keyword
    matching and checks for its other routes (``manager_for``).
    """
    handlers = check_handlers(callbacks, "callbacks")
    hs = HandlerSet(handlers) if handlers else _EMPTY_SET
    return cls._make(
        hs=hs,
        ihs=hs,
        parent_run_id=None,
        tags=[*tags] if tags else [],
        inheritable_tags=[*tags] if tags else [],
        metadata={**metadata} if metadata else {},
        inheritable_metadata={**metadata} if metadata else {},
    )


def child_manager(
    mgr: BaseCallbackManager, run_id: UUID, tag: str | None = None, *, is_async: bool = False
) -> BaseCallbackManager:
    """The manager of run ``run_id``'s children: ``mgr``'s inheritable parts, parented to it.

    ``tag`` is the child run's own: its own children do not inherit it, as in langchain_core.
    """
    ihs = mgr._ihs
    itags = mgr.inheritable_tags
    tags = itags if tag is None else merge_tags(itags, [tag])
    meta = mgr.inheritable_metadata
    cls: type[BaseCallbackManager] = AsyncCallbackManager if is_async else CallbackManager
    return cls._make(
        hs=ihs,
        ihs=ihs,
        parent_run_id=run_id,
        tags=tags,
        inheritable_tags=itags,
        metadata=meta,
        inheritable_metadata=meta,
    )


def _id(run_id: Any) -> UUID:
    return new_run_id() if run_id is None else check_run_id(run_id)  # type: ignore[return-value]


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
        rm = new_run_manager(CallbackManagerForChainRun, self, _id(run_id))
        start_run(rm, "on_chain_start", "on_chain_error", (serialized, inputs), kwargs)
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
            rm = new_run_manager(CallbackManagerForLLMRun, self, _id(run_id if i == 0 else None))
            start_run(rm, "on_llm_start", "on_llm_error", (serialized, [prompt]), kwargs)
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
            rm = new_run_manager(CallbackManagerForLLMRun, self, _id(run_id if i == 0 else None))
            start_run(rm, "on_chat_model_start", "on_llm_error", (serialized, [msgs]), kwargs)
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
        rm = new_run_manager(CallbackManagerForToolRun, self, _id(run_id))
        kw = {"inputs": inputs, **kwargs}
        start_run(rm, "on_tool_start", "on_tool_error", (serialized, input_str), kw)
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
        rm = new_run_manager(CallbackManagerForRetrieverRun, self, _id(run_id))
        start_run(rm, "on_retriever_start", "on_retriever_error", (serialized, query), kwargs)
        return rm


class AsyncCallbackManager(BaseCallbackManager):
    """Starts runs from async code; see ``_dispatch`` for where each handler runs."""

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
        rm = new_run_manager(AsyncCallbackManagerForChainRun, self, _id(run_id))
        await astart_run(rm, "on_chain_start", "on_chain_error", (serialized, inputs), kwargs)
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
            rid = _id(run_id if i == 0 else None)
            rm = new_run_manager(AsyncCallbackManagerForLLMRun, self, rid)
            await astart_run(rm, "on_llm_start", "on_llm_error", (serialized, [prompt]), kwargs)
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
            rid = _id(run_id if i == 0 else None)
            rm = new_run_manager(AsyncCallbackManagerForLLMRun, self, rid)
            await astart_run(
                rm, "on_chat_model_start", "on_llm_error", (serialized, [msgs]), kwargs
            )
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
        rm = new_run_manager(AsyncCallbackManagerForToolRun, self, _id(run_id))
        kw = {"inputs": inputs, **kwargs}
        await astart_run(rm, "on_tool_start", "on_tool_error", (serialized, input_str), kw)
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
        rm = new_run_manager(AsyncCallbackManagerForRetrieverRun, self, _id(run_id))
        await astart_run(
            rm, "on_retriever_start", "on_retriever_error", (serialized, query), kwargs
        )
        return rm
