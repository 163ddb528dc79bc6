"""``RunnableLambda``: a plain function as a chain-type run.

What the function needs (is it async? does it take ``config``?) is decided
once here, in the constructor; ``invoke`` is the engine's hottest path and
does no introspection.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Final, final

from reference.callbacks._manager import CallbackManager, start_chain_run
from reference.runnables._base import Runnable, start_info
from reference.runnables._config import (
    RunnableConfig,
    child_config,
    current_run,
    get_async_manager,
    get_sync_manager,
    resolve_config,
)

__all__ = ["RunnableLambda"]

_CallbackManager: Final = CallbackManager


def _takes_config(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return "config" in params


def _is_async(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - async callable objects
    )


@final
class RunnableLambda(Runnable[Any, Any]):
    """Wrap ``func`` (sync) and/or ``afunc`` (async) as a runnable.

    A function with a ``config`` parameter receives the child config, which it
    may forward; one without still gets its nested invocations attached to this
    run through the context variable. A returned Runnable is invoked with the
    same input, as a child of this run.
    """

    __slots__ = ("_afunc", "_afunc_cfg", "_func", "_func_cfg")

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        afunc: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
        *,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if func is None and afunc is None:
            raise TypeError("RunnableLambda needs func, afunc or both")
        if func is not None and not callable(func):
            raise TypeError(
                f"RunnableLambda expects a callable, got {type(func).__name__} {func!r}"
            )
        if func is not None and _is_async(func):
            if afunc is not None:
                raise TypeError("func is a coroutine function; pass the sync version as func")
            func, afunc = None, func
        if afunc is not None and not _is_async(afunc):
            raise TypeError(f"afunc must be an async function, got {afunc!r}")
        self._func = func
        self._afunc = afunc
        self._func_cfg = func is not None and _takes_config(func)
        self._afunc_cfg = afunc is not None and _takes_config(afunc)
        if name is None:
            src = func if func is not None else afunc
            fname = getattr(src, "__name__", None)
            name = fname if fname and fname != "<lambda>" else None
        self._init_scope(name, callbacks, tags, metadata)

    def _default_name(self) -> str:
        return "RunnableLambda"

    def __repr__(self) -> str:
        return f"RunnableLambda({self.get_name()})"

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        func = self._func
        if func is None:
            raise TypeError(
                f"RunnableLambda {self.get_name()!r} wraps only an async function; "
                "call ainvoke()/abatch()/astream(), or pass a sync func as well."
            )
        scope = current_run.get()
        if config is not None and scope is not None and config is scope._child and not self._local:
            # Fast path: a step called by its enclosing run with the config that run built for
            # its children (as sequences do): the manager in it is ready to use as is.
            mgr = config["callbacks"]
            if type(mgr) is not _CallbackManager:
                mgr = mgr._as(_CallbackManager)  # type: ignore[union-attr]
            ser = self._ser or self._serialized()
            rm = start_chain_run(mgr, ser, input, None, ser["name"], config)
        else:
            cfg, trusted = resolve_config(config)
            mgr = get_sync_manager(cfg, trusted, self._local)
            ser, name, run_id = start_info(self, cfg)
            rm = start_chain_run(mgr, ser, input, run_id, name, cfg)
        # run_in() spelled out: this is the engine's hottest path (benchmarks/README.md).
        token = current_run.set(rm)
        try:
            out = func(input, config=child_config(rm)) if self._func_cfg else func(input)
            if isinstance(out, Runnable):
                out = out.invoke(input, child_config(rm))
        except BaseException as e:
            current_run.reset(token)
            rm.on_chain_error(e)
            raise
        current_run.reset(token)
        rm.on_chain_end(out)
        return out

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = await mgr.on_chain_start(ser, input, run_id=run_id, name=name)
        rm._config = cfg
        token = current_run.set(rm)
        try:
            afunc = self._afunc
            if afunc is not None:
                if self._afunc_cfg:
                    out = await afunc(input, config=child_config(rm))
                else:
                    out = await afunc(input)
            else:
                # A sync function may block: run it in a worker thread carrying our context.
                func = self._func
                assert func is not None
                call = (
                    partial(func, input, config=child_config(rm))
                    if self._func_cfg
                    else partial(func, input)
                )
                ctx = contextvars.copy_context()
                out = await asyncio.get_running_loop().run_in_executor(None, ctx.run, call)
            if isinstance(out, Runnable):
                out = await out.ainvoke(input, child_config(rm))
        except BaseException as e:
            current_run.reset(token)
            await rm.on_chain_error(e)
            raise
        current_run.reset(token)
        await rm.on_chain_end(out)
        return out
