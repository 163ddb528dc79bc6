"""``dispatch_custom_event`` / ``adispatch_custom_event``: a user event inside the current run.

The event goes to the handlers the current run hands to its children (its
inheritable ones: runtime and bound routes; not its constructor handlers),
with ``run_id`` the current run's id, as in langchain_core (SPEC.md §8).
``ignore_custom_event`` silences it.
"""

from __future__ import annotations

from typing import Any

from reference.callbacks._dispatch import adeliver, deliver

__all__ = ["adispatch_custom_event", "dispatch_custom_event"]


def _target(config: Any) -> Any:
    from reference.callbacks._manager import CallbackManager
    from reference.runnables._config import manager_for, resolve_config

    cfg, trusted = resolve_config(config)
    mgr = manager_for(CallbackManager, cfg, trusted, None)
    if mgr.parent_run_id is None:
        raise RuntimeError(
            "dispatch_custom_event() must be called inside a run (a RunnableLambda, a tool, a "
            "RunnableGenerator...), or given the config such a run received: there is no run "
            "to attach the event to."
        )
    return mgr


def dispatch_custom_event(name: str, data: Any, *, config: Any = None) -> None:
    """Send ``on_custom_event(name, data)`` for the current run (or the run ``config`` is of)."""
    mgr = _target(config)
    pairs = mgr._hs.on_custom_event
    if pairs:
        deliver(pairs, "on_custom_event", (name, data),
                {"run_id": mgr.parent_run_id, "tags": mgr.tags, "metadata": mgr.metadata})


async def adispatch_custom_event(name: str, data: Any, *, config: Any = None) -> None:
    """Async twin of :func:`dispatch_custom_event` (coroutine handlers awaited)."""
    mgr = _target(config)
    if mgr._hs.on_custom_event:
        await adeliver(mgr._hs, "on_custom_event", (name, data),
                       {"run_id": mgr.parent_run_id, "tags": mgr.tags, "metadata": mgr.metadata})
