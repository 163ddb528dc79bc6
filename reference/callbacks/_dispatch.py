"""Delivering one event to a set of handlers: the engine's inner loop.

``HandlerSet`` is an immutable, identity-deduplicated tuple of handlers that
computes once, per event name, the bound methods worth calling: handlers that
ignore the event family, lack the method or inherit the base no-op are
dropped there, not on every call. Child managers share their parent's
inheritable ``HandlerSet``, so a whole run tree reuses one cache.

Every delivery calls every handler in the set, whatever an earlier one raised:
an ``Exception`` is logged (or kept to re-raise, with ``raise_error``), and a
``BaseException`` that is not an ``Exception`` (``SystemExit``,
``KeyboardInterrupt``, ``asyncio.CancelledError`` while an async handler is
awaited) is kept and re-raised once the loop is done. So a run's start or
terminal event reaches every handler exactly once, and the caller still sees
the interruption (SPEC.md §6).

Each handler gets its own copy of the ``tags`` list and ``metadata`` dict: the
engine's are shared by many runs, and one handler's mutation must not show up
in another's events.

In async modes, sync handlers (neither coroutine methods nor ``run_inline``)
run in the loop's default executor, one hop per event for all of them, so a
slow handler never stalls the event loop; coroutine and ``run_inline`` handlers
run on the loop first, in registration order.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import inspect
import logging
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from functools import partial
from typing import Any, Final, final
from uuid import UUID

from reference._workers import submit
from reference.callbacks._handlers import AsyncCallbackHandler, BaseCallbackHandler

__all__ = [
    "HandlerSet",
    "adeliver",
    "check_handlers",
    "deliver",
    "deliver_chain_start",
    "deliver_outcome",
    "run_coroutine_sync",
]

logger: Final = logging.getLogger("reference.callbacks")

# Which ``ignore_*`` flags silence each event. They silence whole runs of a run type (SPEC.md
# §8): tool events follow ignore_agent, as in LangChain, and a chat-model run is silenced by
# ignore_chat_model or ignore_llm. Its end, error and token events go to the ``on_llm_*``
# methods under their own keys (``_METHOD``), so a handler never gets half a run.
_IGNORE_FLAG: Final[dict[str, tuple[str, ...]]] = {
    "on_chain_start": ("ignore_chain",),
    "on_chain_end": ("ignore_chain",),
    "on_chain_error": ("ignore_chain",),
    "on_llm_start": ("ignore_llm",),
    "on_llm_new_token": ("ignore_llm",),
    "on_llm_end": ("ignore_llm",),
    "on_llm_error": ("ignore_llm",),
    "on_chat_model_start": ("ignore_chat_model", "ignore_llm"),
    "on_chat_model_new_token": ("ignore_chat_model", "ignore_llm"),
    "on_chat_model_end": ("ignore_chat_model", "ignore_llm"),
    "on_chat_model_error": ("ignore_chat_model", "ignore_llm"),
    "on_tool_start": ("ignore_agent",),
    "on_tool_end": ("ignore_agent",),
    "on_tool_error": ("ignore_agent",),
    "on_retriever_start": ("ignore_retriever",),
    "on_retriever_end": ("ignore_retriever",),
    "on_retriever_error": ("ignore_retriever",),
    "on_agent_action": ("ignore_agent",),
    "on_agent_finish": ("ignore_agent",),
    "on_text": (),
    "on_retry": ("ignore_retry",),
    "on_custom_event": ("ignore_custom_event",),
}

#: The handler method behind each event key that is not itself a method name.
_METHOD: Final[dict[str, str]] = {
    "on_chat_model_new_token": "on_llm_new_token",
    "on_chat_model_end": "on_llm_end",
    "on_chat_model_error": "on_llm_error",
}

# Every no-op a handler may inherit: the handler mixins' (BaseCallbackHandler is made of them)
# and AsyncCallbackHandler's coroutine twins. on_chat_model_start is not one (it falls back).
_NOOPS: Final[frozenset[Any]] = frozenset(
    f
    for cls in AsyncCallbackHandler.__mro__
    for name, f in vars(cls).items()
    if name.startswith("on_") and name != "on_chat_model_start"
)

Pair = tuple[Callable[..., Any], Any]


def _wanted(handler: Any, event: str) -> Callable[..., Any] | None:
    """The bound method to call for ``event``, or None when calling it is pointless."""
    for flag in _IGNORE_FLAG.get(event, ()):
        if getattr(handler, flag, False):
            return None
    method = getattr(handler, _METHOD.get(event, event), None)
    if method is None:
        return None
    func = getattr(method, "__func__", None)
    if func in _NOOPS:
        return None
    return method  # type: ignore[no-any-return]


def _pairs(handlers: tuple[Any, ...], event: str) -> tuple[Pair, ...]:
    if not handlers:
        return ()
    if event == "on_chat_model_start":
        return tuple(_chat_pairs(handlers))
    found = []
    for h in handlers:
        method = _wanted(h, event)
        if method is not None:
            found.append((method, h))
    return tuple(found)


def _chat_pairs(handlers: tuple[Any, ...]) -> Iterable[Pair]:
    # Handlers without on_chat_model_start fall back to on_llm_start (see deliver), so the
    # base class's method is not a no-op here.
    for h in handlers:
        if getattr(h, "ignore_chat_model", False) or getattr(h, "ignore_llm", False):
            continue
        method = getattr(h, "on_chat_model_start", None)
        if method is not None:
            yield method, h


@final
class HandlerSet:
    """An immutable set of handlers; ``hs.on_<event>`` lists who wants that event.

    Reading an event name as an attribute (``hs.on_chain_end``) gives the
    (bound method, handler) pairs worth calling for it, so dispatch is a plain
    attribute lookup with no call and no introspection. Chain start and end,
    the events nearly every run sends, are computed when the set is built;
    any other event on its first read (then stored in the instance ``__dict__``).
    """

    __slots__ = ("__dict__", "items", "on_chain_end", "on_chain_start")

    # Async split of each event's pairs, computed on first use: (on the loop, in the executor).
    _async_split: dict[str, tuple[tuple[Pair, ...], tuple[Pair, ...]]]

    items: tuple[Any, ...]
    on_chain_start: tuple[Pair, ...]
    on_chain_end: tuple[Pair, ...]

    def __init__(self, handlers: Iterable[Any] = ()) -> None:
        items = tuple(handlers)
        if len(items) > 1:  # keep the first of each object (by identity), in order
            items = tuple({id(h): h for h in items}.values())
        self.items = items
        # Chain start and end in one pass (what _pairs does per event): every set needs both.
        # The tuples grow by concatenation: sets are small, and one handler costs no list.
        starts: tuple[Pair, ...] = ()
        ends: tuple[Pair, ...] = ()
        for h in items:
            if getattr(h, "ignore_chain", False):
                continue
            method = getattr(h, "on_chain_start", None)
            if method is not None and getattr(method, "__func__", None) not in _NOOPS:
                starts += ((method, h),)
            method = getattr(h, "on_chain_end", None)
            if method is not None and getattr(method, "__func__", None) not in _NOOPS:
                ends += ((method, h),)
        self.on_chain_start = starts
        self.on_chain_end = ends

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getattr__(self, event: str) -> tuple[Pair, ...]:
        """Compute and cache the pairs of ``event`` (only called on the first read)."""
        if not event.startswith("on_"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {event!r}")
        found = _pairs(self.items, event)
        self.__dict__[event] = found
        return found

    def union(self, other: Iterable[Any]) -> HandlerSet:
        """A set holding our handlers followed by ``other``'s new ones."""
        extra = tuple(other)
        if not extra:
            return self
        return HandlerSet(self.items + extra)

    def without(self, handler: Any) -> HandlerSet:
        return HandlerSet(h for h in self.items if h is not handler)

    def pairs(self, event: str) -> tuple[Pair, ...]:
        """(bound method, handler) for every handler that wants ``event``."""
        return getattr(self, event)  # type: ignore[no-any-return]

    def first_with(self, method: str) -> Callable[..., Any] | None:
        """The first handler's ``method`` (e.g. ``astream_log``'s ``tap_output_aiter``), or
        None (looked up once per set and method)."""
        key = "_first_" + method
        found: Callable[..., Any] | None
        try:
            found = self.__dict__[key]
        except KeyError:
            found = next((m for m in (getattr(h, method, None) for h in self.items)
                          if m is not None), None)
            self.__dict__[key] = found
        return found

    def streams_tokens(self) -> bool:
        """Whether a handler taps streams (offers ``tap_output_iter`` and ``tap_output_aiter``,
        as ``astream_events``' and ``astream_log``'s do): a chat model whose run it reaches
        streams even when invoked, as langchain_core's does (decided once per set)."""
        found: bool | None = self.__dict__.get("_streams_tokens")
        if found is None:
            found = self.__dict__["_streams_tokens"] = any(
                hasattr(h, "tap_output_iter") and hasattr(h, "tap_output_aiter")
                for h in self.items)
        return found

    def async_split(self, event: str) -> tuple[tuple[Pair, ...], tuple[Pair, ...]]:
        """``event``'s pairs for async modes: (run on the loop, run in the executor).

        On the loop: coroutine methods and handlers marked ``run_inline``; in the
        executor: every other sync method (decided once per set and event).
        """
        cache: dict[str, tuple[tuple[Pair, ...], tuple[Pair, ...]]] = self.__dict__.setdefault(
            "_async_split", {}
        )
        found = cache.get(event)
        if found is None:
            pairs = self.pairs(event)
            on_loop = [_on_loop(*p) for p in pairs]  # once per pair: it inspects the method
            inline = tuple(p for p, on in zip(pairs, on_loop) if on)
            threaded = tuple(p for p, on in zip(pairs, on_loop) if not on)
            found = cache[event] = (inline, threaded)
        return found


def _on_loop(method: Callable[..., Any], handler: Any) -> bool:
    return inspect.iscoroutinefunction(method) or bool(getattr(handler, "run_inline", False))


def check_handlers(callbacks: Any, where: str) -> tuple[Any, ...]:
    """The handlers of a ``callbacks`` list, each checked; the message says what to pass.

    A handler is a :class:`BaseCallbackHandler` instance, or any object with at
    least one callable ``on_*`` method (duck-typed handlers, e.g. another
    library's). Classes, functions, ``None`` and plain objects are rejected.
    """
    if callbacks is None:
        return ()
    if not isinstance(callbacks, (list, tuple)):
        raise TypeError(
            f"{where} must be a list of callback handlers or a CallbackManager, "
            f"got {type(callbacks).__name__}: {callbacks!r}. Wrap a single handler in a list: "
            "callbacks=[handler]."
        )
    for h in callbacks:
        if not isinstance(h, BaseCallbackHandler):
            break
    else:
        return tuple(callbacks)
    for i, h in enumerate(callbacks):
        if isinstance(h, BaseCallbackHandler) or (
            not isinstance(h, type) and _has_event_method(h)
        ):
            continue
        hint = (
            f"pass an instance, {h.__name__}(), not the class"
            if isinstance(h, type)
            else "pass instances of BaseCallbackHandler (or AsyncCallbackHandler) subclasses "
            "that override the on_* methods you need, e.g. callbacks=[MyHandler()]"
        )
        raise TypeError(
            f"{where}[{i}] is not a callback handler: got {type(h).__name__} {h!r}; {hint}."
        )
    return tuple(callbacks)


def _has_event_method(obj: Any) -> bool:
    return any(
        callable(getattr(obj, event, None)) for event in _IGNORE_FLAG if event not in _METHOD
    )


def _fault(handler: Any, event: str, exc: BaseException) -> None:
    logger.warning(
        "Error in %s.%s callback: %s: %s",
        type(handler).__name__,
        _METHOD.get(event, event),
        type(exc).__name__,
        exc,
    )


def _llm_fallback(handler: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Call ``on_llm_start`` with chat messages rendered as strings (LangChain's fallback)."""
    from reference.messages import get_buffer_string

    if getattr(handler, "ignore_llm", False):
        return None
    serialized, messages = args
    prompts = [get_buffer_string(m) for m in messages]
    return handler.on_llm_start(serialized, prompts, **kwargs)


class _PrivateLoop:
    """A thread's own event loop for coroutine handlers in sync modes, made on the thread's
    first such event and reused: a loop per event (``asyncio.run``) cost about a millisecond,
    more than the rest of the event. Each call still runs in a copy of the caller's context, and
    tasks the handler left pending are cancelled before the call returns, as ``asyncio.run``
    does. The loop is closed when its thread ends."""

    __slots__ = ("__weakref__", "_runner")

    def __init__(self) -> None:
        self._runner = asyncio.Runner()
        weakref.finalize(self, _close_quietly, self._runner, self._runner.get_loop())

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        # run_until_complete, not Runner.run: that one swaps the SIGINT handler on every call.
        loop = self._runner.get_loop()
        task = loop.create_task(coro, context=contextvars.copy_context())
        try:
            return loop.run_until_complete(task)
        finally:
            left = [t for t in asyncio.all_tasks(loop) if not t.done()]
            if left and not loop.is_running():
                for t in left:
                    t.cancel()
                loop.run_until_complete(_gather(left))


async def _gather(tasks: list[asyncio.Task[Any]]) -> None:
    await asyncio.gather(*tasks, return_exceptions=True)


def _close_quietly(runner: asyncio.Runner, loop: asyncio.AbstractEventLoop) -> None:
    """Close a private loop whose thread ended: as ``asyncio.run`` would where no other loop
    runs; else (collected while some loop runs here) the loop alone, without its clean-up."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        with contextlib.suppress(RuntimeError):
            runner.close()
        return
    if not loop.is_running() and not loop.is_closed():
        loop.close()


_THREAD_LOOP = threading.local()


def _private_loop() -> _PrivateLoop:
    loop: _PrivateLoop | None = getattr(_THREAD_LOOP, "loop", None)
    if loop is None:
        loop = _THREAD_LOOP.loop = _PrivateLoop()
    return loop


def run_coroutine_sync(awaitable: Awaitable[Any]) -> Any:
    """Run an async handler's coroutine from synchronous code, returning its result.

    Where this thread already runs a loop (a sync call made inside async code), the loop must
    not be re-entered: the coroutine runs on a pooled thread's own loop, in a copy of this
    context, while this thread waits (a thread started per event cost more than the event).
    """

    async def _wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _private_loop().run(_wrap())
    ctx = contextvars.copy_context()
    return submit(partial(ctx.run, _run_on_private_loop, _wrap())).result()


def _run_on_private_loop(coro: Coroutine[Any, Any, Any]) -> Any:
    return _private_loop().run(coro)


def _failed(
    handler: Any, event: str, exc: BaseException, pending: BaseException | None
) -> BaseException | None:
    """What to re-raise after the loop, once ``handler`` raised ``exc`` for ``event``.

    An interruption (a ``BaseException`` that is not an ``Exception``) wins over
    everything; then the first ``raise_error`` handler's exception; any other
    handler exception is logged and contained (R10).
    """
    if not isinstance(exc, Exception):
        return exc if pending is None or isinstance(pending, Exception) else pending
    if getattr(handler, "raise_error", False):
        return exc if pending is None else pending
    _fault(handler, event, exc)
    return pending


def _own(kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with fresh ``tags``/``metadata`` containers for one handler."""
    out = dict(kwargs)
    tags = out.get("tags")
    if tags is not None:
        out["tags"] = [*tags]
    meta = out.get("metadata")
    if meta is not None:
        out["metadata"] = {**meta}
    return out


def _call(method: Any, handler: Any, event: str, args: tuple[Any, ...],
          kwargs: dict[str, Any]) -> None:
    """One handler call from sync code (coroutine results run to completion)."""
    try:
        result = method(*args, **kwargs)
    except NotImplementedError:
        if event != "on_chat_model_start":
            raise
        result = _llm_fallback(handler, args, kwargs)
    if result is not None and inspect.isawaitable(result):
        try:
            run_coroutine_sync(result)
        except NotImplementedError:
            if event != "on_chat_model_start":
                raise
            result = _llm_fallback(handler, args, kwargs)
            if result is not None and inspect.isawaitable(result):
                run_coroutine_sync(result)


def deliver(
    pairs: tuple[Pair, ...], event: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Call every method in ``pairs``; contain faults unless a handler has ``raise_error``.

    Every handler gets the event even if an earlier one raised; the first
    interruption, else the first ``raise_error`` exception, is re-raised after the loop.
    """
    pending: BaseException | None = None
    for method, handler in pairs:
        try:
            _call(method, handler, event, args, _own(kwargs))
        except BaseException as exc:
            pending = _failed(handler, event, exc, pending)
    if pending is not None:
        raise pending


# The two deliveries below do what ``deliver`` does for the events every run sends, with the
# keyword arguments spelled out: a call with literal keywords skips building, merging and
# unpacking a kwargs dict, which made them about 20% of a run's cost (benchmarks/README.md).


def deliver_chain_start(
    pairs: tuple[Pair, ...],
    serialized: dict[str, Any] | None,
    inputs: Any,
    run_id: UUID,
    parent_run_id: UUID | None,
    tags: list[str],
    metadata: dict[str, Any],
    name: str | None,
) -> None:
    """:func:`deliver` for ``on_chain_start`` with the keywords runnables pass."""
    pending: BaseException | None = None
    for method, handler in pairs:
        try:
            result = method(
                serialized,
                inputs,
                run_id=run_id,
                parent_run_id=parent_run_id,
                tags=[*tags] if tags else [],
                metadata={**metadata} if metadata else {},
                name=name,
            )
            if result is not None and inspect.isawaitable(result):
                run_coroutine_sync(result)
        except BaseException as exc:
            pending = _failed(handler, "on_chain_start", exc, pending)
    if pending is not None:
        raise pending


def deliver_outcome(
    pairs: tuple[Pair, ...],
    event: str,
    value: Any,
    run_id: UUID,
    parent_run_id: UUID | None,
    tags: list[str],
    metadata: dict[str, Any],
) -> None:
    """:func:`deliver` for an event with one value and no extra keywords (ends, errors)."""
    pending: BaseException | None = None
    for method, handler in pairs:
        try:
            result = method(
                value,
                run_id=run_id,
                parent_run_id=parent_run_id,
                tags=[*tags] if tags else [],
                metadata={**metadata} if metadata else {},
            )
            if result is not None and inspect.isawaitable(result):
                run_coroutine_sync(result)
        except BaseException as exc:
            pending = _failed(handler, event, exc, pending)
    if pending is not None:
        raise pending


def _deliver_batch(
    pairs: tuple[Pair, ...], event: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> BaseException | None:
    """:func:`deliver` returning what it would raise (runs in an executor thread)."""
    pending: BaseException | None = None
    for method, handler in pairs:
        try:
            _call(method, handler, event, args, _own(kwargs))
        except BaseException as exc:
            pending = _failed(handler, event, exc, pending)
    return pending


async def adeliver(
    hs: HandlerSet, event: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Async twin of :func:`deliver` for every handler of ``hs`` that wants ``event``.

    Coroutine and ``run_inline`` handlers are awaited / called on the loop, in
    order; then the other sync handlers run, in order, in one executor hop
    carrying this context. A cancellation while a handler is awaited does not
    stop the others from getting the event; it is re-raised afterwards.
    """
    inline, threaded = hs.async_split(event)
    pending: BaseException | None = None
    for method, handler in inline:
        try:
            own = _own(kwargs)
            try:
                result = method(*args, **own)
                if result is not None and inspect.isawaitable(result):
                    await result
            except NotImplementedError:
                if event != "on_chat_model_start":
                    raise
                result = _llm_fallback(handler, args, own)
                if result is not None and inspect.isawaitable(result):
                    await result
        except BaseException as exc:
            pending = _failed(handler, event, exc, pending)
    if threaded:
        ctx = contextvars.copy_context()
        call: Callable[[], BaseException | None] = partial(
            ctx.run, _deliver_batch, threaded, event, args, kwargs
        )
        try:
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(None, call)
        except RuntimeError:  # no loop, or its executor is shut down: deliver here instead
            found = call()
        else:
            found = await _settled(future)
        if found is not None and (
            pending is None or (isinstance(pending, Exception) and not isinstance(found, Exception))
        ):
            pending = found
    if pending is not None:
        raise pending


async def _settled(future: asyncio.Future[Any]) -> Any:
    """``await future``, but a cancellation meanwhile waits for it to finish, then re-raises.

    The handlers in the executor cannot be stopped half-way, and the run's next
    event must not overtake this one (R7).
    """
    interrupted: BaseException | None = None
    while True:
        try:
            result = await asyncio.shield(future)
        except asyncio.CancelledError as exc:
            if future.done():
                raise
            interrupted = interrupted or exc
            continue
        if interrupted is not None:
            raise interrupted
        return result
