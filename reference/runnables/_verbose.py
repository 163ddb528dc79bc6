"""``verbose=True`` on a model or a tool: a :class:`StdOutCallbackHandler` for that object's
own run (never its children's), unless the run already has one or debug is on, as
langchain_core's ``configure(verbose=...)`` does. Only called when verbose is true, so other
runs pay nothing."""

from __future__ import annotations

from typing import Any

from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._stdout import StdOutCallbackHandler
from reference.runnables._config import Local, RunnableConfig, resolve_config

__all__ = ["coerce_verbose", "verbose_local"]

_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def coerce_verbose(value: Any) -> bool:
    """``value`` as a bool the way a pydantic ``bool`` field takes it (``None``: the global
    ``set_verbose`` setting); anything else is a ValueError, as pydantic's validation error."""
    if value is None:
        from reference.globals import get_verbose

        return get_verbose()
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise ValueError(f"verbose takes a bool, got {value!r}")


def _handlers(callbacks: Any) -> list[Any]:
    if callbacks is None:
        return []
    if isinstance(callbacks, list):
        return callbacks
    return list(getattr(callbacks, "handlers", ()))


def verbose_local(config: RunnableConfig | None, local: Local | None) -> Local | None:
    """``local`` (a run's constructor registrations) with a standard-output handler added,
    when neither the call's handlers nor ``local``'s have one and debug is off."""
    from reference.globals import get_debug

    if get_debug():
        return local
    own = list(local[0].items) if local is not None else []
    given = _handlers(resolve_config(config)[0].get("callbacks"))
    if any(isinstance(h, StdOutCallbackHandler) for h in [*given, *own]):
        return local
    handlers = HandlerSet((*own, StdOutCallbackHandler()))
    return (handlers, None, None) if local is None else (handlers, local[1], local[2])
