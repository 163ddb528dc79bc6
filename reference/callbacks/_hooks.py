"""Handlers that join runs because a context variable holds them (langchain_core's configure hooks).

``register_configure_hook(var, inheritable)`` makes every run started while
``var`` holds a handler send its events to that handler too (``collect_runs``
is built on it). Nothing is registered by default: until something is, the
engine's only cost is one truth test of :data:`HOOKS` per run it configures.

The handler joins the run's inheritable handlers whatever ``inheritable`` says:
this engine runs plain-function steps inline with their parent's child
manager, never configuring them one by one, so inheritance is how they are
reached. (langchain_core adds a non-inheritable hook's handler to each run it
configures; the difference shows only for runs started outside the variable's
scope below a run started inside it.)
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar

if TYPE_CHECKING:
    from reference.callbacks._manager import BaseCallbackManager

__all__ = ["HOOKS", "apply_hooks", "register_configure_hook"]

M = TypeVar("M", bound="BaseCallbackManager")



class Holder(Protocol):
    """What a hook reads: a context variable, or a process-wide switch (``set_debug``)."""

    @property
    def name(self) -> str: ...

    def get(self) -> Any: ...


#: (holder, inheritable) pairs, in registration order; mutated in place only.
HOOKS: Final[list[tuple[Holder, bool]]] = []


def register_configure_hook(
    context_var: ContextVar[Any],
    inheritable: bool,
    handle_class: type | None = None,
    env_var: str | None = None,
) -> None:
    """Send the events of runs started while ``context_var`` holds a handler to that handler.

    ``handle_class``/``env_var`` (langchain_core's "make one when this environment
    variable is set") are not supported: they raise NotImplementedError.
    """
    if handle_class is not None or env_var is not None:
        raise NotImplementedError(
            "register_configure_hook: handle_class and env_var are not supported by the "
            "reference engine; set the context variable to a handler instead."
        )
    if not isinstance(context_var, ContextVar):
        raise TypeError(
            f"register_configure_hook needs a contextvars.ContextVar, got "
            f"{type(context_var).__name__}"
        )
    if all(var is not context_var for var, _ in HOOKS):
        HOOKS.append((context_var, bool(inheritable)))


def apply_hooks(mgr: M) -> M:
    """``mgr`` with the handlers the registered context variables hold now (kept once)."""
    for var, _inheritable in HOOKS:
        handler = var.get()
        if handler is None:
            continue
        if any(h is handler for h in mgr._hs.items) and any(
            h is handler for h in mgr._ihs.items
        ):
            continue
        from reference.callbacks._dispatch import check_handlers

        check_handlers([handler], f"the handler held by {var.name!r}")
        mgr = mgr._replace(hs=mgr._hs.union((handler,)), ihs=mgr._ihs.union((handler,)))
    return mgr
