"""A user function run as one chain-type run of a custom runnable (``_call_with_config``).

Custom runnables written for langchain_core open their own run this way: the
function receives ``run_manager`` and ``config`` keywords if it names them, and
runnables it invokes with that config (or with none, through the context
variable) become the run's children.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from reference._signatures import parameter_names
from reference.runnables._lifecycle import ACHAIN, CHAIN, arun, run

if TYPE_CHECKING:
    from reference.runnables._base import Runnable
    from reference.runnables._config import RunnableConfig
    from reference.runnables._frame import RunFrame

__all__ = ["acall_with_config", "call_with_config"]


def _wants(func: Callable[..., Any]) -> tuple[bool, bool]:
    """(takes ``run_manager``, takes ``config``), from the signature."""
    names = parameter_names(func)
    return "run_manager" in names, "config" in names


def _keywords(
    func: Callable[..., Any], frame: RunFrame, kwargs: dict[str, Any]
) -> dict[str, Any]:
    wants_rm, wants_cfg = _wants(func)
    out = dict(kwargs)
    if wants_rm:
        out["run_manager"] = frame.run_manager
    if wants_cfg:
        out["config"] = frame.function_config()
    return out


def _extra(run_type: str | None) -> dict[str, Any] | None:
    return None if run_type is None else {"run_type": run_type}


def call_with_config(
    r: Runnable[Any, Any],
    func: Callable[..., Any],
    input: Any,
    config: RunnableConfig | None,
    run_type: str | None = None,
    **kwargs: Any,
) -> Any:
    """``func(input, ...)`` as one run of ``r`` (named by ``run_name`` or ``r.get_name()``)."""

    def body(x: Any, frame: RunFrame) -> Any:
        return func(x, **_keywords(func, frame, kwargs))

    return run(r, body, input, config, CHAIN, extra=_extra(run_type))


async def acall_with_config(
    r: Runnable[Any, Any],
    func: Callable[..., Awaitable[Any]],
    input: Any,
    config: RunnableConfig | None,
    run_type: str | None = None,
    **kwargs: Any,
) -> Any:
    """Async twin of :func:`call_with_config` (``func`` returns an awaitable)."""

    async def body(x: Any, frame: RunFrame) -> Any:
        return await func(x, **_keywords(func, frame, kwargs))

    return await arun(r, body, input, config, ACHAIN, extra=_extra(run_type))
