"""``langchain_core.tracers.context``: tracers that join every run started in a scope.

``with collect_runs() as cb: chain.invoke(x)`` leaves each root run started in
the block (tree included) in ``cb.traced_runs``. It rests on
:func:`register_configure_hook` (see ``reference.callbacks._hooks``); the
LangSmith side of langchain_core's module (``tracing_v2_enabled``) is not offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from reference.callbacks._hooks import register_configure_hook
from reference.tracers.run_collector import RunCollectorCallbackHandler

__all__ = ["collect_runs", "register_configure_hook", "run_collector_var"]

run_collector_var: ContextVar[RunCollectorCallbackHandler | None] = ContextVar(
    "run_collector", default=None
)


@contextmanager
def collect_runs() -> Iterator[RunCollectorCallbackHandler]:
    """Yield a :class:`RunCollectorCallbackHandler` that sees every run started in the block."""
    register_configure_hook(run_collector_var, inheritable=False)
    cb = RunCollectorCallbackHandler()
    token = run_collector_var.set(cb)
    try:
        yield cb
    finally:
        run_collector_var.reset(token)
