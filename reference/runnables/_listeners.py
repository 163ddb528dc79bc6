"""``with_listeners``: a config factory giving each call its own listener tracer.

The tracers package is imported on first use, so runnables that never use listeners do not
load it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reference.runnables._config import RunnableConfig, ensure_config

__all__ = ["Listener", "listeners_factory"]

Listener = Callable[..., None]


def listeners_factory(
    on_start: Listener | None, on_end: Listener | None, on_error: Listener | None
) -> Callable[[RunnableConfig], RunnableConfig]:
    """A config factory adding a new ``RootListenersTracer`` (as a runtime handler) per call."""
    for name, listener in (("on_start", on_start), ("on_end", on_end), ("on_error", on_error)):
        if listener is not None and not callable(listener):
            raise TypeError(f"with_listeners({name}=...) must be callable, got {listener!r}")

    def factory(config: RunnableConfig) -> RunnableConfig:
        from reference.tracers.root_listeners import RootListenersTracer

        # listeners that take config get the call's, complete (as ensure_config makes it)
        tracer: Any = RootListenersTracer(config=ensure_config(config), on_start=on_start,
                                          on_end=on_end, on_error=on_error)
        return {"callbacks": [tracer]}

    return factory
