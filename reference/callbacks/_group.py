"""Chain groups: one chain-type run grouping calls that no single runnable composes.

``with trace_as_chain_group("name") as group:`` starts a chain run named
``name``; the yielded manager, passed as ``callbacks``, makes every run started
through it a child of that run, with the group's ``tags`` and ``metadata``. The
group run ends once: by the first ``group.on_chain_end(outputs)`` or
``on_chain_error`` the block calls (on the group or a copy of it; langchain_core
ends it again at the exit, or at each call), else when the block exits, with
``{}`` as outputs, or with ``on_chain_error`` if the block raised.

Which handlers see it is langchain_core's choice with LangSmith tracing off (this
engine has no LangSmith tracer): the ``callback_manager`` argument only receives
that tracer, so it is not used, and the group run itself starts with no handlers.
Handlers see the group's children: add them to the yielded manager
(``group.add_handler(h)``, or ``group.merge(manager)``); each child's
``parent_run_id`` is the group run's id (``group.parent_run_manager.run_id``, or
the ``run_id`` given).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar
from uuid import UUID

from reference.callbacks._manager import (
    AsyncCallbackManager,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
)
from reference.callbacks._run_managers import (
    AsyncCallbackManagerForChainRun,
    CallbackManagerForChainRun,
)

__all__ = [
    "AsyncCallbackManagerForChainGroup",
    "CallbackManagerForChainGroup",
    "atrace_as_chain_group",
    "trace_as_chain_group",
]

G = TypeVar("G", "CallbackManagerForChainGroup", "AsyncCallbackManagerForChainGroup")


class CallbackManagerForChainGroup(CallbackManager):
    """The manager of a chain group's children; ``on_chain_end``/``on_chain_error`` end the group.

    Its copies (``copy``, ``merge``) end the same group run, and share whether it ended: the
    run ends once, by the first of these calls (later ones change nothing), or when the block
    exits.
    """

    __slots__ = ("_open", "ended", "parent_run_manager")

    parent_run_manager: CallbackManagerForChainRun
    #: Whether this manager's ``on_chain_end``/``on_chain_error`` was called.
    ended: bool
    #: Shared with the copies: holds one item until the group run ends (whoever ends it
    #: pops it, atomically, so two threads cannot both end it).
    _open: list[bool]

    def __init__(
        self,
        handlers: list[Any],
        inheritable_handlers: list[Any] | None = None,
        parent_run_id: UUID | None = None,
        *,
        parent_run_manager: CallbackManagerForChainRun,
        **kwargs: Any,
    ) -> None:
        super().__init__(handlers, inheritable_handlers, parent_run_id, **kwargs)
        self.parent_run_manager = parent_run_manager
        self.ended = False
        self._open = [True]

    def _replace(self, **fields: Any) -> CallbackManagerForChainGroup:
        new = super()._replace(**fields)
        new.parent_run_manager = self.parent_run_manager
        new.ended = False
        new._open = self._open
        return new

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """End the group run with ``outputs`` (unless it has ended)."""
        self.ended = True
        if not _ended_before(self._open):
            self.parent_run_manager.on_chain_end(outputs, **kwargs)

    def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
        """End the group run with ``error`` (unless it has ended)."""
        self.ended = True
        if not _ended_before(self._open):
            self.parent_run_manager.on_chain_error(error, **kwargs)


class AsyncCallbackManagerForChainGroup(AsyncCallbackManager):
    """Async twin of :class:`CallbackManagerForChainGroup`."""

    __slots__ = ("_open", "ended", "parent_run_manager")

    parent_run_manager: AsyncCallbackManagerForChainRun
    ended: bool
    _open: list[bool]

    def __init__(
        self,
        handlers: list[Any],
        inheritable_handlers: list[Any] | None = None,
        parent_run_id: UUID | None = None,
        *,
        parent_run_manager: AsyncCallbackManagerForChainRun,
        **kwargs: Any,
    ) -> None:
        super().__init__(handlers, inheritable_handlers, parent_run_id, **kwargs)
        self.parent_run_manager = parent_run_manager
        self.ended = False
        self._open = [True]

    def _replace(self, **fields: Any) -> AsyncCallbackManagerForChainGroup:
        new = super()._replace(**fields)
        new.parent_run_manager = self.parent_run_manager
        new.ended = False
        new._open = self._open
        return new

    async def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        """End the group run with ``outputs`` (unless it has ended)."""
        self.ended = True
        if not _ended_before(self._open):
            await self.parent_run_manager.on_chain_end(outputs, **kwargs)

    async def on_chain_error(
        self, error: BaseException, **kwargs: Any
    ) -> None:
        """End the group run with ``error`` (unless it has ended)."""
        self.ended = True
        if not _ended_before(self._open):
            await self.parent_run_manager.on_chain_error(error, **kwargs)


def _ended_before(open_: list[bool]) -> bool:
    """Mark the group run ended; whether it already was."""
    try:
        open_.pop()
    except IndexError:
        return True
    return False


def _group(cls: type[G], child: BaseCallbackManager, rm: Any) -> G:
    """A group manager with ``child``'s handlers, tags and metadata, ending run ``rm``."""
    group = cls._make(**child._fields())
    group.parent_run_manager = rm
    group.ended = False
    group._open = [True]
    return group


@contextmanager
def trace_as_chain_group(
    group_name: str,
    callback_manager: Callbacks = None,
    *,
    inputs: dict[str, Any] | None = None,
    project_name: str | None = None,
    address: Any = None,
    example_id: str | UUID | None = None,
    run_id: UUID | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> Iterator[CallbackManagerForChainGroup]:
    """Start a chain run named ``group_name``; yield the manager its children start through.

    ``tags`` and ``metadata`` are inherited by every run of the group.
    ``callback_manager``, ``project_name``, ``address`` and ``example_id`` only
    serve LangSmith tracing, which this engine does not have: they change
    nothing (see the module docstring).
    """
    mgr = CallbackManager.configure(None, inheritable_tags=tags, inheritable_metadata=metadata)
    rm = mgr.on_chain_start({"name": group_name}, inputs or {}, run_id=run_id)
    group = _group(CallbackManagerForChainGroup, rm.get_child(), rm)
    try:
        yield group
    except BaseException as exc:
        if not _ended_before(group._open):
            rm.on_chain_error(exc)
        raise
    if not _ended_before(group._open):
        rm.on_chain_end({})


@asynccontextmanager
async def atrace_as_chain_group(
    group_name: str,
    callback_manager: Callbacks = None,
    *,
    inputs: dict[str, Any] | None = None,
    project_name: str | None = None,
    address: Any = None,
    example_id: str | UUID | None = None,
    run_id: UUID | None = None,
    tags: list[str] | None = None,
    metadata: dict[str, Any] | None = None,
) -> AsyncIterator[AsyncCallbackManagerForChainGroup]:
    """Async twin of :func:`trace_as_chain_group` (``async with``)."""
    mgr = AsyncCallbackManager.configure(
        None, inheritable_tags=tags, inheritable_metadata=metadata
    )
    rm = await mgr.on_chain_start({"name": group_name}, inputs or {}, run_id=run_id)
    group = _group(AsyncCallbackManagerForChainGroup, rm.get_child(), rm)
    try:
        yield group
    except BaseException as exc:
        if not _ended_before(group._open):
            await rm.on_chain_error(exc)
        raise
    if not _ended_before(group._open):
        await rm.on_chain_end({})
