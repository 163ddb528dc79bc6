"""``with_listeners`` / ``with_alisteners``: config factories giving each call its own
listener tracer.

The tracers package is imported on first use, so runnables that never use listeners do not
load it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from reference.runnables._config import RunnableConfig, ensure_config

if TYPE_CHECKING:
    from reference.tracers.root_listeners import AsyncListener, Listener

__all__ = ["alisteners_factory", "listeners_factory"]


def _check(method: str, listeners: dict[str, Any]) -> None:
    for name, listener in listeners.items():
        if listener is not None and not callable(listener):
            raise TypeError(f"{method}({name}=...) must be callable, got {listener!r}")


def listeners_factory(
    on_start: Listener | None, on_end: Listener | None, on_error: Listener | None
) -> Callable[[RunnableConfig], RunnableConfig]:
    """A config factory adding a new ``RootListenersTracer`` (as a runtime handler) per call."""
    _check("with_listeners", {"on_start": on_start, "on_end": on_end, "on_error": on_error})

    def factory(config: RunnableConfig) -> RunnableConfig:
        from reference.tracers.root_listeners import RootListenersTracer

        # listeners that take config get the call's, complete (as ensure_config makes it)
        tracer: Any = RootListenersTracer(config=ensure_config(config), on_start=on_start,
                                          on_end=on_end, on_error=on_error)
        return {"callbacks": [tracer]}

    return factory


def alisteners_factory(
    on_start: AsyncListener | None, on_end: AsyncListener | None, on_error: AsyncListener | None
) -> Callable[[RunnableConfig], RunnableConfig]:
    """A config factory adding a new ``AsyncRootListenersTracer`` per call: an async handler,
    so its listeners are awaited (on the engine's private loop in sync modes)."""
    _check("with_alisteners", {"on_start": on_start, "on_end": on_end, "on_error": on_error})

    def factory(config: RunnableConfig) -> RunnableConfig:
        from reference.tracers.root_listeners import AsyncRootListenersTracer

        tracer: Any = AsyncRootListenersTracer(config=ensure_config(config), on_start=on_start,
                                               on_end=on_end, on_error=on_error)
        return {"callbacks": [tracer]}

    return factory
