"""The ``Runnable`` protocol: invoke / batch / stream in sync and async flavours, and ``|``.

Subclasses implement ``invoke`` (and usually ``ainvoke``); everything else has
a default built on those. Chain-type leaves run their body through
:func:`call_chain` / :func:`acall_chain`, which open the run, expose it to
nested invocations through the context variable, and close it with an end or
error event.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor, wait
from functools import partial
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._manager import (
    AsyncCallbackManagerForChainRun,
    CallbackManagerForChainRun,
    _check_handlers,
    start_chain_run,
)
from reference.runnables._config import (
    Local,
    RunnableConfig,
    current_run,
    get_async_manager,
    get_sync_manager,
    merge_configs,
    per_item_configs,
    resolve_config,
    validate_config,
)

if TYPE_CHECKING:
    from reference.runnables._binding import RunnableBinding
    from reference.runnables._sequence import RunnableSequence

__all__ = [
    "Runnable",
    "acall_chain",
    "arun_in",
    "call_chain",
    "coerce_to_runnable",
    "run_in",
]

Input = TypeVar("Input")
Output = TypeVar("Output")
T = TypeVar("T")

_NOTHING: Final = object()


def make_local(
    callbacks: Any, tags: list[str] | None, metadata: dict[str, Any] | None
) -> Local | None:
    """Constructor-scope registrations, precomputed once (None when there are none)."""
    if hasattr(callbacks, "handlers") and hasattr(callbacks, "inheritable_handlers"):
        callbacks = callbacks.handlers
    handlers = HandlerSet(_check_handlers(callbacks, "callbacks"))
    if tags is not None and (
        not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags)
    ):
        raise TypeError(f"tags must be a list of strings, got {tags!r}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    if not handlers and not tags and not metadata:
        return None
    return handlers, list(tags) if tags else None, dict(metadata) if metadata else None


def add_chunks(chunks: Sequence[Any]) -> Any:
    """Fold streamed chunks into one value: ``+`` where defined, dict union, else the last."""
    if not chunks:
        return None
    final = chunks[0]
    for chunk in chunks[1:]:
        if isinstance(final, dict) and isinstance(chunk, dict):
            final = {**final, **chunk}
            continue
        try:
            final = final + chunk
        except TypeError:
            final = chunk
    return final


class Runnable(Generic[Input, Output]):
    """A unit of work that can be invoked, batched, streamed and composed with ``|``."""

    _name: str | None = None
    _local: Local | None = None
    _ser: dict[str, Any] | None = None

    # -- identity -----------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """An explicit name for this runnable's runs (``get_name()`` falls back to the class)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        self._ser = None

    def _default_name(self) -> str:
        return type(self).__name__

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        """The run name handlers see."""
        n = name or self._name or self._default_name()
        return f"{n}{suffix}" if suffix else n

    def _serialized(self) -> dict[str, Any]:
        """The ``serialized`` mapping passed to start events; built once per name."""
        s = self._ser
        if s is None:
            s = {
                "lc": 1,
                "type": "not_implemented",
                "id": [type(self).__module__, type(self).__name__],
                "name": self.get_name(),
            }
            self._ser = s
        return s

    def _init_scope(
        self,
        name: str | None,
        callbacks: Any,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        """Record constructor-scope options: they apply to this object's own runs only (R3)."""
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        self._name = name
        self._local = make_local(callbacks, tags, metadata)

    @property
    def callbacks(self) -> list[Any] | None:
        """Constructor handlers (local to this object's runs)."""
        return list(self._local[0].items) if self._local else None

    @property
    def tags(self) -> list[str] | None:
        return self._local[1] if self._local else None

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._local[2] if self._local else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.get_name()!r})"

    # -- single input ---------------------------------------------------------------------

    def invoke(self, input: Input, config: RunnableConfig | None = None, **kwargs: Any) -> Output:
        """Run on one input."""
        raise NotImplementedError(f"{type(self).__name__} must implement invoke()")

    async def ainvoke(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Output:
        """Run on one input from async code; the default runs ``invoke`` in a worker thread."""
        ctx = contextvars.copy_context()
        call = partial(ctx.run, self.invoke, input, config, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    # -- many inputs ----------------------------------------------------------------------

    def batch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output]:
        """Invoke on each input in a thread pool; every item is its own run tree.

        Waits for every item; without ``return_exceptions`` then raises the
        first failure in input order.
        """
        if not inputs:
            return []
        configs = per_item_configs(config, len(inputs))
        first = configs[0]
        limit = first.get("max_concurrency") if first else None
        if len(inputs) == 1:
            try:
                return [self.invoke(inputs[0], configs[0], **kwargs)]
            except Exception as e:
                if return_exceptions:
                    return [cast(Output, e)]
                raise
        workers = min(limit or len(inputs), len(inputs))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [
                pool.submit(partial(contextvars.copy_context().run, self.invoke, x, c, **kwargs))
                for x, c in zip(inputs, configs, strict=True)
            ]
            wait(futures)
        out: list[Any] = []
        for f in futures:
            exc = f.exception()
            if exc is not None:
                if not return_exceptions:
                    raise exc
                out.append(exc)
            else:
                out.append(f.result())
        return out

    async def abatch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output]:
        """Await ``ainvoke`` on each input concurrently (bounded by ``max_concurrency``)."""
        if not inputs:
            return []
        configs = per_item_configs(config, len(inputs))
        first = configs[0]
        limit = first.get("max_concurrency") if first else None
        coros = [self.ainvoke(x, c, **kwargs) for x, c in zip(inputs, configs, strict=True)]
        results = await gather_limited(coros, limit)
        if not return_exceptions:
            for r in results:
                if isinstance(r, BaseException):
                    raise r
        return results

    # -- streaming ------------------------------------------------------------------------

    def stream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Yield the output in chunks; the default yields ``invoke``'s result whole."""
        yield self.invoke(input, config, **kwargs)

    async def astream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async ``stream``; the default yields ``ainvoke``'s result whole."""
        yield await self.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Stream over a stream of input chunks; the default buffers them, then streams.

        Buffering first means this runnable's run starts only after the
        upstream step has produced (so has started) - the pipelining rule R7.4.
        """
        chunks = list(input)
        if not chunks:
            return
        yield from self.stream(add_chunks(chunks), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async ``transform``; the default buffers, then streams."""
        chunks = [c async for c in input]
        if not chunks:
            return
        async for out in self.astream(add_chunks(chunks), config, **kwargs):
            yield out

    # -- composition ----------------------------------------------------------------------

    def __or__(self, other: Any) -> RunnableSequence:
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(self, coerce_to_runnable(other, "|"))

    def __ror__(self, other: Any) -> RunnableSequence:
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(coerce_to_runnable(other, "|"), self)

    def pipe(self, *others: Any, name: str | None = None) -> RunnableSequence:
        """``self | others[0] | ...`` as one sequence."""
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(self, *(coerce_to_runnable(o, "pipe()") for o in others), name=name)

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> RunnableBinding:
        """Bind configuration applied as runtime config to this object's subtree (R2).

        The binding creates no run of its own (R6).
        """
        from reference.runnables._binding import RunnableBinding

        if config is not None:
            validate_config(config, "with_config(config)")
        validate_config(kwargs, "with_config(**kwargs)")
        merged = merge_configs(config, cast(RunnableConfig, kwargs))
        return RunnableBinding(bound=self, config=merged)


def coerce_to_runnable(thing: Any, where: str = "|") -> Runnable[Any, Any]:
    """A Runnable for ``thing``: callables become RunnableLambda, dicts RunnableParallel."""
    if isinstance(thing, Runnable):
        return thing
    if callable(thing):
        from reference.runnables._lambda import RunnableLambda

        return RunnableLambda(thing)
    if isinstance(thing, Mapping):
        from reference.runnables._parallel import RunnableParallel

        return RunnableParallel(dict(thing))
    raise TypeError(
        f"Cannot compose {type(thing).__name__} {thing!r} with {where}: expected a Runnable, "
        "a callable (becomes a RunnableLambda) or a dict of those (becomes a RunnableParallel). "
        f"For a constant, write RunnableLambda(lambda _: {thing!r})."
    )


async def gather_limited(
    coros: Sequence[Awaitable[T]], limit: int | None
) -> list[Any]:
    """``asyncio.gather(..., return_exceptions=True)``, at most ``limit`` at a time."""
    if limit is None or limit >= len(coros):
        return list(await asyncio.gather(*coros, return_exceptions=True))
    sem = asyncio.Semaphore(limit)

    async def one(c: Awaitable[T]) -> T:
        async with sem:
            return await c

    return list(await asyncio.gather(*(one(c) for c in coros), return_exceptions=True))


def start_info(r: Runnable[Any, Any], cfg: RunnableConfig) -> tuple[dict[str, Any], str, Any]:
    """(serialized, name, run_id) for a run, honouring root-only ``run_name``/``run_id``."""
    ser = r._serialized()
    run_name = cfg.get("run_name")
    if run_name:
        return {**ser, "name": run_name}, run_name, cfg.get("run_id")
    return ser, ser["name"], cfg.get("run_id")


def run_in(
    rm: Any,
    body: Callable[[], T],
    end: Callable[[T], object],
    error: Callable[[BaseException], object],
) -> T:
    """Run ``body`` as ``rm``'s run: the current run of whatever it invokes, then its outcome.

    ``end``/``error`` are the run manager's outcome methods (``rm.on_chain_end``, ...). The
    run's whole lifecycle after its start is here; ``RunnableLambda.invoke`` inlines it (the
    engine's hottest path) and says so.
    """
    token = current_run.set(rm)
    try:
        out = body()
    except BaseException as e:
        current_run.reset(token)
        error(e)
        raise
    current_run.reset(token)
    end(out)
    return out


async def arun_in(
    rm: Any,
    body: Callable[[], Awaitable[T]],
    end: Callable[[T], Awaitable[object]],
    error: Callable[[BaseException], Awaitable[object]],
) -> T:
    """Async twin of :func:`run_in`."""
    token = current_run.set(rm)
    try:
        out = await body()
    except BaseException as e:
        current_run.reset(token)
        await error(e)
        raise
    current_run.reset(token)
    await end(out)
    return out


def call_chain(
    r: Runnable[Any, Any],
    body: Callable[[Any, CallbackManagerForChainRun], Any],
    input: Any,
    config: RunnableConfig | None,
    run_input: Any = _NOTHING,
) -> Any:
    """Run ``body`` as one chain-type run of ``r``: start, body, end or error."""
    cfg, trusted = resolve_config(config)
    mgr = get_sync_manager(cfg, trusted, r._local)
    ser, name, run_id = start_info(r, cfg)
    shown = input if run_input is _NOTHING else run_input
    rm = start_chain_run(mgr, ser, shown, run_id, name, cfg)
    return run_in(rm, partial(body, input, rm), rm.on_chain_end, rm.on_chain_error)


async def acall_chain(
    r: Runnable[Any, Any],
    body: Callable[[Any, AsyncCallbackManagerForChainRun], Awaitable[Any]],
    input: Any,
    config: RunnableConfig | None,
) -> Any:
    """Async twin of :func:`call_chain`."""
    cfg, trusted = resolve_config(config)
    mgr = get_async_manager(cfg, trusted, r._local)
    ser, name, run_id = start_info(r, cfg)
    rm = await mgr.on_chain_start(ser, input, run_id=run_id, name=name)
    rm._config = cfg
    return await arun_in(rm, partial(body, input, rm), rm.on_chain_end, rm.on_chain_error)


def close_iter(it: Any) -> None:
    """Close a generator we stop consuming, so its own runs end now, in order."""
    close = getattr(it, "close", None)
    if close is not None:
        close()


async def aclose_iter(it: Any) -> None:
    aclose = getattr(it, "aclose", None)
    if aclose is not None:
        await aclose()
