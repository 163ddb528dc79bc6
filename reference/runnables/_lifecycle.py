"""The run lifecycle: the one place where runs are opened and closed.

Every runnable, tool, retriever and model runs its work through this module:

- :func:`open_run` / :func:`aopen_run` resolve the config, build the run's
  callback manager, make its :class:`RunFrame` and deliver the start event;
- :func:`run` / :func:`arun` open a run, execute its body with the frame as
  the current run, and close it;
- :func:`stream_run` / :func:`astream_run` do the same around a stream.

A run that started always ends exactly once, with its end event or its error
event, whatever happens: the body raising any ``BaseException``, a handler
raising ``SystemExit``, a cancellation while an async handler is awaited
(delivery finishes the event first, see ``_dispatch``), or the consumer closing
a stream early (the stream's run ends with an error event carrying the
``GeneratorExit``; its inner streams are closed first). SPEC.md §6 states this.

The hot path is :func:`run_steps`, a sequence's body: plain-function steps
(lambdas of the input alone) run inline there, each with the same frame,
events and context variable as :func:`run` gives a run, sharing what their
enclosing run built for its children (nothing to resolve or validate).
:func:`run`'s first branch sends a lambda called that way by any other parent
there too, as a one-step chain.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from inspect import isawaitable
from typing import Any, Final, TypeVar

from reference.callbacks import _ids
from reference.callbacks._dispatch import (
    Pair,
    _failed,
    adeliver,
    deliver,
    deliver_chain_start,
    deliver_outcome,
    run_coroutine_sync,
)
from reference.callbacks._ids import new_run_id
from reference.callbacks._manager import AsyncCallbackManager, BaseCallbackManager, CallbackManager
from reference.callbacks._run_managers import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForRetrieverRun,
    AsyncCallbackManagerForToolRun,
    CallbackManagerForChainRun,
    CallbackManagerForRetrieverRun,
    CallbackManagerForToolRun,
)
from reference.runnables._base import Runnable
from reference.runnables._config import Local, RunnableConfig, manager_for, resolve_config
from reference.runnables._frame import RunFrame, RunKind, current_run
from reference.runnables._streams import (
    aclose_iter,
    aclosing_stream,
    add_chunks,
    aprepend,
    close_iter,
    prepend,
)

__all__ = [
    "ACHAIN",
    "ARETRIEVER",
    "ATOOL",
    "CHAIN",
    "FUNCTION",
    "RETRIEVER",
    "TOOL",
    "aend_run",
    "afail_run",
    "aopen_run",
    "arun",
    "astream_run",
    "atransform_run",
    "end_run",
    "fail_run",
    "open_run",
    "run",
    "run_steps",
    "start_info",
    "stream_run",
    "transform_run",
]

T = TypeVar("T")

CHAIN: Final = RunKind(
    start="on_chain_start", end="on_chain_end", error="on_chain_error",
    rm_cls=CallbackManagerForChainRun,
)
#: A chain run whose body is a user function of the input alone (see :func:`run`).
FUNCTION: Final = RunKind(
    start="on_chain_start", end="on_chain_end", error="on_chain_error",
    rm_cls=CallbackManagerForChainRun,
)
ACHAIN: Final = RunKind(
    start="on_chain_start", end="on_chain_end", error="on_chain_error",
    rm_cls=AsyncCallbackManagerForChainRun,
)
TOOL: Final = RunKind(
    start="on_tool_start", end="on_tool_end", error="on_tool_error",
    rm_cls=CallbackManagerForToolRun,
)
ATOOL: Final = RunKind(
    start="on_tool_start", end="on_tool_end", error="on_tool_error",
    rm_cls=AsyncCallbackManagerForToolRun,
)
RETRIEVER: Final = RunKind(
    start="on_retriever_start", end="on_retriever_end", error="on_retriever_error",
    rm_cls=CallbackManagerForRetrieverRun,
)
ARETRIEVER: Final = RunKind(
    start="on_retriever_start", end="on_retriever_end", error="on_retriever_error",
    rm_cls=AsyncCallbackManagerForRetrieverRun,
)

_NOTHING: Final[Any] = object()
_CallbackManager: Final = CallbackManager
_RunId: Final = _ids.RunId
_set_int: Final = _ids.set_int


def start_info(r: Runnable[Any, Any], cfg: RunnableConfig) -> tuple[dict[str, Any], str, Any]:
    """(serialized, name, run_id) for a run, honouring root-only ``run_name``/``run_id``."""
    ser = r._ser or r._serialized()
    run_name = cfg.get("run_name")
    if run_name:
        return {**ser, "name": run_name}, run_name, cfg.get("run_id")
    return ser, ser["name"], cfg.get("run_id")


def _common(frame: RunFrame, extra: dict[str, Any] | None) -> dict[str, Any]:
    mgr = frame.manager
    kw = {
        "run_id": frame.run_id,
        "parent_run_id": mgr.parent_run_id,
        "tags": mgr.tags,
        "metadata": mgr.metadata,
    }
    return kw | extra if extra else kw


def _prepare(
    r: Runnable[Any, Any], kind: RunKind, config: RunnableConfig | None,
    local: Local | None = None,
) -> tuple[RunFrame, dict[str, Any], str]:
    """A run's frame (config resolved, manager built, id chosen), ``serialized`` and name.

    ``local``: this run's constructor-scope registrations, when they are not ``r``'s own (a
    model's, with the ``ls_*`` metadata of the call)."""
    cfg, trusted = resolve_config(config)
    frame = RunFrame()
    frame.manager = manager_for(
        AsyncCallbackManager if kind.is_async else CallbackManager, cfg, trusted,
        r._local if local is None else local,
    )
    frame.config = cfg
    frame.kind = kind
    frame._child = None
    ser = r._ser or r._serialized()
    if "run_name" in cfg or "run_id" in cfg:
        ser, name, run_id = start_info(r, cfg)
        frame.run_id = new_run_id() if run_id is None else run_id
        return frame, ser, name
    frame.run_id = rid = _RunId()  # new_run_id(), inline
    _set_int(rid, next(_ids.counter))
    return frame, ser, ser["name"]


def open_run(
    r: Runnable[Any, Any],
    kind: RunKind,
    config: RunnableConfig | None,
    payload: Any,
    extra: dict[str, Any] | None = None,
    local: Local | None = None,
) -> RunFrame:
    """Open a run of ``r``: its frame, and its start event delivered (``payload``: inputs;
    ``local``: see :func:`_prepare`).

    If delivering the start raised (a ``raise_error`` handler, or an
    interruption), every handler has still received it; the run is closed with
    an error event before the exception propagates (R10).
    """
    frame, ser, name = _prepare(r, kind, config, local)
    mgr = frame.manager
    pairs = getattr(mgr._hs, kind.start)
    if pairs:
        try:
            if extra is None and (kind is CHAIN or kind is FUNCTION):
                deliver_chain_start(
                    pairs, ser, payload, frame.run_id, mgr.parent_run_id, mgr.tags,
                    mgr.metadata, name,
                )
            else:
                deliver(pairs, kind.start, (ser, payload), _common(frame, {"name": name, **(
                    extra or {})}))
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                fail_run(frame, exc)
            raise
    return frame


async def aopen_run(
    r: Runnable[Any, Any],
    kind: RunKind,
    config: RunnableConfig | None,
    payload: Any,
    extra: dict[str, Any] | None = None,
    local: Local | None = None,
) -> RunFrame:
    """Async twin of :func:`open_run`."""
    frame, ser, name = _prepare(r, kind, config, local)
    hs = frame.manager._hs
    if getattr(hs, kind.start):
        try:
            await adeliver(hs, kind.start, (ser, payload), _common(frame, {"name": name, **(
                extra or {})}))
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                await afail_run(frame, exc)
            raise
    return frame


def end_run(frame: RunFrame, value: Any) -> None:
    """Deliver the run's end event (to every handler, whatever one of them raises)."""
    mgr = frame.manager
    event = frame.kind.end
    pairs = getattr(mgr._hs, event)
    if pairs:
        deliver_outcome(
            pairs, event, value, frame.run_id, mgr.parent_run_id, mgr.tags, mgr.metadata
        )


def _with_keywords(pairs: tuple[Pair, ...], extra: dict[str, Any]) -> tuple[Pair, ...]:
    """``pairs`` whose methods also get ``extra``'s keywords. An end or error event with more
    keywords than ``deliver_outcome`` passes still goes through it, so that it stays the one
    place every sync end and error passes (what the broken-engine self-tests patch)."""
    if not extra:
        return pairs
    return tuple((partial(method, **extra), handler) for method, handler in pairs)


def fail_run(frame: RunFrame, error: BaseException) -> None:
    """Deliver the run's error event with ``error`` (and what its kind's ``error_keywords``
    make of it and of the chunks the run had streamed)."""
    mgr = frame.manager
    kind = frame.kind
    event = kind.error
    pairs = getattr(mgr._hs, event)
    if pairs:
        if kind.error_keywords is not None:
            pairs = _with_keywords(pairs, kind.error_keywords(error, getattr(frame, "streamed",
                                                                             None)))
        deliver_outcome(
            pairs, event, error, frame.run_id, mgr.parent_run_id, mgr.tags, mgr.metadata
        )


async def aend_run(frame: RunFrame, value: Any) -> None:
    """Async twin of :func:`end_run`."""
    hs = frame.manager._hs
    if getattr(hs, frame.kind.end):
        await adeliver(hs, frame.kind.end, (value,), _common(frame, None))


async def afail_run(frame: RunFrame, error: BaseException) -> None:
    """Async twin of :func:`fail_run`."""
    hs = frame.manager._hs
    kind = frame.kind
    if getattr(hs, kind.error):
        extra = None if kind.error_keywords is None else kind.error_keywords(
            error, getattr(frame, "streamed", None))
        await adeliver(hs, kind.error, (error,), _common(frame, extra))


def run_steps(steps: tuple[Runnable[Any, Any], ...], input: Any, scope: RunFrame) -> Any:
    """Run ``steps`` one after another as children of ``scope``; each output feeds the next.

    This is the engine's hot path: a sequence's body, and :func:`run` for a
    plain function called by its enclosing run. A step whose ``_leaf`` is set
    (a function of the input alone, no constructor options: see
    ``RunnableLambda``) runs right here, with what :func:`run` would do for it:
    a frame, the start event, the function as current run, the end or error
    event. Everything the steps share (the child config, its manager, handler
    lists, tags, metadata) is read once per call, not once per step, and a step
    costs no ``invoke``/``run`` calls. Any other step is invoked as usual.

    With exactly one handler for an event (the common case), its method is
    called right here; with several, the event goes through the shared
    delivery loop (``deliver_chain_start`` / ``deliver_outcome``). Either way
    every handler gets its own copies of the tags and metadata (new empty ones
    when there are none).
    """
    child = scope.child_config
    mgr: BaseCallbackManager = child["callbacks"]  # type: ignore[assignment]
    if type(mgr) is not _CallbackManager:
        mgr = mgr._as(_CallbackManager)
    hs = mgr._hs
    starts = hs.on_chain_start
    ends = hs.on_chain_end
    start, start_handler = starts[0] if len(starts) == 1 else (None, None)
    end, end_handler = ends[0] if len(ends) == 1 else (None, None)
    parent = mgr.parent_run_id
    tags = mgr.tags
    meta = mgr.metadata
    # No tags and no metadata (the common case): each handler call gets new empty containers,
    # cheaper to make than copies of empty ones.
    bare = not tags and not meta
    var = current_run
    x = input
    for step in steps:
        func = step._leaf
        if func is None:
            x = step.invoke(x, child)
            continue
        rid = _RunId()  # new_run_id(), inline (one call less per step)
        _set_int(rid, next(_ids.counter))
        frame = RunFrame()
        frame.run_id = rid
        frame.manager = mgr
        frame.config = child
        frame.kind = CHAIN
        frame._child = None
        if starts:
            ser = step._ser or step._serialized()
            try:
                if start is None:
                    deliver_chain_start(starts, ser, x, rid, parent, tags, meta, ser["name"])
                else:
                    if bare:
                        result = start(ser, x, run_id=rid, parent_run_id=parent, tags=[],
                                       metadata={}, name=ser["name"])
                    else:
                        result = start(ser, x, run_id=rid, parent_run_id=parent, tags=[*tags],
                                       metadata={**meta}, name=ser["name"])
                    if result is not None and isawaitable(result):
                        run_coroutine_sync(result)
            except BaseException as exc:
                if start is None or _failed(start_handler, "on_chain_start", exc, None) is not None:
                    with contextlib.suppress(BaseException):
                        fail_run(frame, exc)
                    raise
        token = var.set(frame)
        try:
            out = func(x)
            if isinstance(out, Runnable):
                out = out.invoke(x, frame.returned_config(step, x))
        except BaseException as e:
            var.reset(token)
            fail_run(frame, e)
            raise
        var.reset(token)
        if ends:
            try:
                if end is None:
                    deliver_outcome(ends, "on_chain_end", out, rid, parent, tags, meta)
                else:
                    if bare:
                        result = end(out, run_id=rid, parent_run_id=parent, tags=[], metadata={})
                    else:
                        result = end(out, run_id=rid, parent_run_id=parent, tags=[*tags],
                                     metadata={**meta})
                    if result is not None and isawaitable(result):
                        run_coroutine_sync(result)
            except BaseException as exc:
                if end is None or _failed(end_handler, "on_chain_end", exc, None) is not None:
                    raise
        x = out
    return x


def run(
    r: Runnable[Any, Any],
    body: Callable[[Any, RunFrame], T],
    input: Any,
    config: RunnableConfig | None,
    kind: RunKind = CHAIN,
    payload: Any = _NOTHING,
    extra: dict[str, Any] | None = None,
    report: Callable[[T], Any] | None = None,
    local: Local | None = None,
    end_extra: dict[str, Any] | None = None,
) -> T:
    """Run ``body(input, frame)`` as one run of ``r``: open, execute as current run, close.

    ``payload`` is what the start event shows (default ``input``), ``extra``
    its extra keywords (``end_extra``: the end event's, a tool's ``color`` and ``name``),
    ``report`` maps the body's result to the end event's
    value (default: the result itself), ``local`` replaces ``r``'s constructor
    registrations (see :func:`_prepare`). ``kind`` :data:`FUNCTION` is a
    chain run whose body is a user function taking the input alone; a
    Runnable it returns is invoked as the run's child (``RunnableLambda``).
    """
    scope = current_run.get()
    if (
        scope is not None
        and config is not None
        and config is scope._child
        and r._leaf is body  # type: ignore[comparison-overlap]
    ):
        # The hot path: a plain function step called by its enclosing run with the config
        # that run built for its children (and no keywords, which would make another body):
        # run it as that run's one-step chain.
        return run_steps((r,), input, scope)  # type: ignore[no-any-return]
    frame = open_run(r, kind, config, input if payload is _NOTHING else payload, extra, local)
    token = current_run.set(frame)
    try:
        if kind is FUNCTION:
            out = body(input)  # type: ignore[call-arg]
            if isinstance(out, Runnable):
                out = out.invoke(input, frame.returned_config(r, input))
        else:
            out = body(input, frame)
    except BaseException as e:
        current_run.reset(token)
        fail_run(frame, e)
        raise
    current_run.reset(token)
    mgr = frame.manager
    event = frame.kind.end
    pairs = getattr(mgr._hs, event)
    if pairs:
        if end_extra is not None:
            pairs = _with_keywords(pairs, end_extra)
        deliver_outcome(
            pairs, event, out if report is None else report(out), frame.run_id,
            mgr.parent_run_id, mgr.tags, mgr.metadata,
        )
    return out


async def arun(
    r: Runnable[Any, Any],
    body: Callable[[Any, RunFrame], Awaitable[T]],
    input: Any,
    config: RunnableConfig | None,
    kind: RunKind = ACHAIN,
    *,
    payload: Any = _NOTHING,
    extra: dict[str, Any] | None = None,
    report: Callable[[T], Any] | None = None,
    local: Local | None = None,
    end_extra: dict[str, Any] | None = None,
) -> T:
    """Async twin of :func:`run` (``await body(input, frame)``)."""
    frame = await aopen_run(r, kind, config, input if payload is _NOTHING else payload, extra,
                            local)
    token = current_run.set(frame)
    try:
        out = await body(input, frame)
    except BaseException as e:
        current_run.reset(token)
        await afail_run(frame, e)
        raise
    current_run.reset(token)
    value = out if report is None else report(out)
    if end_extra is None:
        await aend_run(frame, value)
    elif getattr(frame.manager._hs, frame.kind.end):
        await adeliver(frame.manager._hs, frame.kind.end, (value,), _common(frame, end_extra))
    return out


def _tapped(frame: RunFrame, method: str, it: T) -> T:
    """``it`` passed through the first handler of the run that offers ``method``, if any."""
    tap = frame.manager._hs.first_with(method)
    return it if tap is None else tap(frame.run_id, it)


def stream_run(
    r: Runnable[Any, Any],
    first: Any,
    config: RunnableConfig | None,
    chunks: Callable[[RunFrame], Iterator[Any]],
    kind: RunKind = CHAIN,
    *,
    payload: Any = _NOTHING,
    extra: dict[str, Any] | None = None,
    report: Callable[[list[Any]], Any] = add_chunks,
    upstream: Any = None,
    tap: bool = False,
    local: Local | None = None,
) -> Iterator[Any]:
    """Stream ``chunks(frame)`` as one run of ``r``; its end event gets ``report(chunks)``.

    The context variable is not held across ``yield`` (it would leak into the
    consumer's code); whatever the stream runs gets the child config instead.
    Closing the stream early closes ``chunks(frame)`` first, then ends the run
    with an error event carrying the ``GeneratorExit``. ``upstream``, the stream
    this run consumes (its first chunk already read), is closed if the run cannot
    start (a ``raise_error`` handler raising on the start), so the runs upstream
    end then, not never. ``tap``: the first handler of the run offering
    ``tap_output_iter`` (``astream_log``'s) sees the chunks, for the runnables
    whose chunks langchain_core logs (sequences, lambdas, generators, parsers). ``local``:
    see :func:`_prepare`.
    """
    try:
        frame = open_run(r, kind, config, first if payload is _NOTHING else payload, extra,
                         local)
    except BaseException:
        close_iter(upstream)
        raise
    frame.streamed = seen = []
    it = chunks(frame)
    if tap:
        it = _tapped(frame, "tap_output_iter", it)
    try:
        for chunk in it:
            seen.append(chunk)
            yield chunk
    except BaseException as e:
        try:
            close_iter(it)
        finally:
            fail_run(frame, e)
        raise
    end_run(frame, report(seen))


async def astream_run(
    r: Runnable[Any, Any],
    first: Any,
    config: RunnableConfig | None,
    chunks: Callable[[RunFrame], AsyncIterator[Any]],
    kind: RunKind = ACHAIN,
    *,
    payload: Any = _NOTHING,
    extra: dict[str, Any] | None = None,
    report: Callable[[list[Any]], Any] = add_chunks,
    upstream: Any = None,
    tap: bool = False,
    local: Local | None = None,
) -> AsyncIterator[Any]:
    """Async twin of :func:`stream_run` (``aclose()`` and ``break`` included)."""
    try:
        frame = await aopen_run(r, kind, config, first if payload is _NOTHING else payload,
                                extra, local)
    except BaseException:
        await aclose_iter(upstream)
        raise
    frame.streamed = seen = []
    it = chunks(frame)
    if tap:
        it = _tapped(frame, "tap_output_aiter", it)
    try:
        async for chunk in it:
            seen.append(chunk)
            yield chunk
    except BaseException as e:
        try:
            await aclose_iter(it)
        finally:
            await afail_run(frame, e)
        raise
    await aend_run(frame, report(seen))


def transform_run(
    r: Runnable[Any, Any],
    input: Iterator[Any],
    config: RunnableConfig | None,
    body: Callable[[Iterator[Any], RunFrame], Iterator[Any]],
) -> Iterator[Any]:
    """:func:`stream_run` over an input stream: ``body(input chunks, frame)``'s chunks, tapped.

    The run starts when the first input chunk arrives, so never before the
    step upstream (R7.4); no input chunk, no run. ``body`` gets every chunk,
    the first included, and closing what it gets closes the upstream stream.
    """
    upstream = iter(input)
    first = next(upstream, _NOTHING)
    if first is _NOTHING:
        return
    yield from stream_run(r, first, config, partial(body, prepend(first, upstream)),
                          upstream=upstream, tap=True)


async def atransform_run(
    r: Runnable[Any, Any],
    input: AsyncIterator[Any],
    config: RunnableConfig | None,
    body: Callable[[AsyncIterator[Any], RunFrame], AsyncIterator[Any]],
) -> AsyncIterator[Any]:
    """Async twin of :func:`transform_run`."""
    upstream = aiter(input)
    first = await anext(upstream, _NOTHING)
    if first is _NOTHING:
        return
    stream = astream_run(r, first, config, partial(body, aprepend(first, upstream)),
                         upstream=upstream, tap=True)
    async with aclosing_stream(stream) as it:
        async for chunk in it:
            yield chunk
