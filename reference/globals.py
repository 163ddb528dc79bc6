"""``langchain_core.globals``: process-wide debug, verbose and LLM-cache settings.

``set_debug(True)`` makes every run print as it starts and ends, as langchain_core's does: one
:class:`~reference.tracers.stdout.ConsoleCallbackHandler` joins each run the engine configures
(inherited by its children). It is added as a configure hook (``reference.callbacks._hooks``)
only while debug is on, so with debug off the engine pays nothing more than before.
One handler serves every run (langchain_core makes one per top-level run and adds none when a
ConsoleCallbackHandler is given in the callbacks: the reference then prints twice).

``set_verbose`` only records the value: in langchain_core it is the default of a model's
``verbose`` field, whose standard-output handler prints nothing for model runs.

``set_llm_cache`` sets the cache models consult when their ``cache`` field is ``None`` (see
``reference.caches`` and ``reference.language_models._cache``).
"""

from __future__ import annotations

from typing import Any

from reference.callbacks._hooks import HOOKS

__all__ = ["get_debug", "get_llm_cache", "get_verbose", "set_debug", "set_llm_cache",
           "set_verbose"]


class _DebugSwitch:
    """The configure hooks' holder of the debug handler (one, made on first use)."""

    name = "set_debug(True)"

    def __init__(self) -> None:
        self.handler: Any = None

    def get(self) -> Any:
        return self.handler


_DEBUG = _DebugSwitch()
_HOOK = (_DEBUG, True)
_settings: dict[str, Any] = {"verbose": False, "llm_cache": None}


def set_debug(value: bool) -> None:
    """Print every run from now on (``True``) or stop (``False``)."""
    if value and _HOOK not in HOOKS:
        from reference.tracers.stdout import ConsoleCallbackHandler

        _DEBUG.handler = ConsoleCallbackHandler()
        HOOKS.append(_HOOK)
    elif not value and _HOOK in HOOKS:
        HOOKS.remove(_HOOK)
        _DEBUG.handler = None


def get_debug() -> bool:
    """Whether runs are being printed (``set_debug``)."""
    return _DEBUG.handler is not None


def set_verbose(value: bool) -> None:
    """Record the ``verbose`` setting (see the module docstring: nothing prints from it)."""
    _settings["verbose"] = value


def get_verbose() -> bool:
    """The ``verbose`` setting."""
    return bool(_settings["verbose"])


def set_llm_cache(value: Any) -> None:
    """The cache every model whose ``cache`` field is ``None`` consults (``None``: none)."""
    _settings["llm_cache"] = value


def get_llm_cache() -> Any:
    """The global cache (``set_llm_cache``), ``None`` by default."""
    return _settings["llm_cache"]
