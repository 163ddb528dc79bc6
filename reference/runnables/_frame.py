"""The frame of an open run, and the context variable that holds the current one.

A :class:`RunFrame` is made in one place, when the run lifecycle
(``_lifecycle``) opens a run, and never changes afterwards: its run id, the
callback manager that started it, the config the run received and its kind.
The config its children get is derived from those on first use and kept (a
pure function of the frame, so reading it twice gives the same object).

While a run's body executes, :data:`current_run` holds its frame, so a
runnable invoked without ``config`` inside it becomes its child (R1), in
threads and asyncio tasks alike (each copies the context).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, final
from uuid import UUID

from reference.callbacks._manager import BaseCallbackManager, child_manager
from reference.callbacks._run_managers import BaseRunManager, new_run_manager
from reference.runnables._streams import aclose_iter, close_iter

if TYPE_CHECKING:
    from reference.runnables._config import RunnableConfig

__all__ = ["END", "ErrorKeywords", "RunFrame", "RunKind", "apump", "current_run", "next_in", "pump"]


#: What a kind's error event carries beside the error: keywords made from the error and, for a
#: streamed run, the chunks it had yielded (None for a run that was not streamed).
ErrorKeywords = Callable[[BaseException, "list[Any] | None"], "dict[str, Any]"]


@final
class RunKind:
    """What kind of run a frame is: its events and its run-manager class, per mode, and what
    its error event carries beside the error (``error_keywords``: models' ``response=``)."""

    __slots__ = ("end", "error", "error_keywords", "is_async", "rm_cls", "start")

    def __init__(
        self, *, start: str, end: str, error: str, rm_cls: type[BaseRunManager],
        error_keywords: ErrorKeywords | None = None,
    ) -> None:
        self.start: Final = start
        self.end: Final = end
        self.error: Final = error
        self.rm_cls: Final = rm_cls
        self.is_async: Final = rm_cls.is_async
        self.error_keywords: Final = error_keywords

    def __repr__(self) -> str:
        return f"RunKind({self.rm_cls.__name__})"


@final
class RunFrame:
    """One open run: id, starting manager, received config, kind; children's config derived."""

    __slots__ = ("_child", "config", "kind", "manager", "run_id", "streamed")

    run_id: UUID
    #: The manager that started the run: its handlers, tags, metadata and parent run id.
    manager: BaseCallbackManager
    #: The config the run received (after merging with the enclosing run's).
    config: RunnableConfig
    kind: RunKind
    _child: RunnableConfig | None
    #: A streamed run's chunks so far (set by ``stream_run``; unset on other runs): what its
    #: kind's ``error_keywords`` may report.
    streamed: list[Any]

    def __repr__(self) -> str:
        return f"RunFrame({self.kind.rm_cls.__name__}, run_id={self.run_id})"

    @property
    def parent_run_id(self) -> UUID | None:
        return self.manager.parent_run_id

    @property
    def child_config(self) -> RunnableConfig:
        """The config this run hands to its children: the engine's own, shared, never mutated.

        Root-only keys (``run_name``, ``run_id``) are dropped (R14), and
        ``callbacks`` is the child manager, parented to this run.
        """
        child = self._child
        if child is None:
            child = {**self.config}
            if "run_name" in child:
                del child["run_name"]
            if "run_id" in child:
                del child["run_id"]
            child["callbacks"] = child_manager(
                self.manager, self.run_id, is_async=self.kind.is_async
            )
            self._child = child
        return child

    def returned_config(self, owner: Any, input: Any) -> RunnableConfig:
        """The config for a Runnable that ``owner``'s function returned: this run's child
        config one recursion level down (a function returning runnables that return runnables
        stops, as in langchain_core, when ``recursion_limit`` levels are used up)."""
        limit = self.config.get("recursion_limit", 25)
        if limit <= 0:
            raise RecursionError(
                f"{owner!r} reached the recursion limit (functions returning runnables, "
                f"{self.config.get('recursion_limit', 25)} levels left) with input {input!r}")
        return {**self.child_config, "recursion_limit": limit - 1}

    def function_config(self) -> RunnableConfig:
        """The child config as user code receives it: its own copies of everything mutable.

        ``tags``, ``metadata`` and ``configurable`` are new containers and
        ``callbacks`` a copy of the child manager (handlers themselves are
        shared), so a function that mutates or replaces them changes nothing
        outside its own call. They are always there, as in langchain_core (empty,
        and ``recursion_limit`` 25, when nobody set them), so ``config["metadata"]``
        works in any function.
        """
        out: dict[str, Any] = dict(self.child_config)
        for key, value in out.items():
            if type(value) is list:
                out[key] = list(value)
            elif type(value) is dict:
                out[key] = dict(value)
        for key, default in _FUNCTION_CONFIG_DEFAULTS:
            if key not in out:
                out[key] = default()
        callbacks = out.get("callbacks")
        if isinstance(callbacks, BaseCallbackManager):
            out["callbacks"] = callbacks.copy()
        return out  # type: ignore[return-value]

    @property
    def run_manager(self) -> Any:
        """A run manager for this run (a view: its events go to the frame's handlers)."""
        return new_run_manager(self.kind.rm_cls, self.manager, self.run_id)


#: The keys every function's config has, with a maker of each one's default.
_FUNCTION_CONFIG_DEFAULTS: Final[tuple[tuple[str, Callable[[], Any]], ...]] = (
    ("tags", list), ("metadata", dict), ("configurable", dict), ("recursion_limit", lambda: 25))

#: The frame of the run whose body is executing in this context (thread / task), if any.
current_run: Final[ContextVar[RunFrame | None]] = ContextVar(
    "reference_current_run", default=None
)


#: What :func:`next_in` gives for an exhausted iterator.
END: Final[Any] = object()


def next_in(frame: RunFrame, it: Iterator[Any]) -> Any:
    """``next(it)`` with ``frame`` as the current run (:data:`END` when exhausted)."""
    token = current_run.set(frame)
    try:
        return next(it, END)
    finally:
        current_run.reset(token)


def pump(frame: RunFrame, it: Iterator[Any]) -> Iterator[Any]:
    """The items of a user's generator, each step run with ``frame`` as the current run (so
    runnables it invokes without config are the run's children), but not across our ``yield``:
    the consumer's code runs in its own context. ``it`` is closed when we are done or closed."""
    try:
        while (item := next_in(frame, it)) is not END:
            yield item
    finally:
        close_iter(it)


async def apump(frame: RunFrame, it: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """Async twin of :func:`pump`."""
    try:
        while True:
            token = current_run.set(frame)
            try:
                item = await anext(it, END)
            finally:
                current_run.reset(token)
            if item is END:
                return
            yield item
    finally:
        await aclose_iter(it)
