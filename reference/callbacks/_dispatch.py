"""Delivering one event to a set of handlers: the engine's inner loop.

``HandlerSet`` is an immutable, identity-deduplicated tuple of handlers that
computes once, per event name, the bound methods worth calling: handlers that
ignore the event family, lack the method or inherit the base no-op are
dropped there, not on every call. Child managers share their parent's
inheritable ``HandlerSet``, so a whole run tree reuses one cache.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final, final
from uuid import UUID

from reference.callbacks._handlers import AsyncCallbackHandler, BaseCallbackHandler

__all__ = [
    "HandlerSet",
    "adeliver",
    "deliver",
    "deliver_chain_start",
    "deliver_outcome",
    "run_coroutine_sync",
]

logger: Final = logging.getLogger("reference.callbacks")

# Which ``ignore_*`` flag silences each event, as in LangChain (tool events follow ignore_agent).
_IGNORE_FLAG: Final[dict[str, str]] = {
    "on_chain_start": "ignore_chain",
    "on_chain_end": "ignore_chain",
    "on_chain_error": "ignore_chain",
    "on_llm_start": "ignore_llm",
    "on_llm_new_token": "ignore_llm",
    "on_llm_end": "ignore_llm",
    "on_llm_error": "ignore_llm",
    "on_chat_model_start": "ignore_chat_model",
    "on_tool_start": "ignore_agent",
    "on_tool_end": "ignore_agent",
    "on_tool_error": "ignore_agent",
    "on_retriever_start": "ignore_retriever",
    "on_retriever_end": "ignore_retriever",
    "on_retriever_error": "ignore_retriever",
}

_NOOPS: Final[frozenset[Any]] = frozenset(
    f
    for cls in (BaseCallbackHandler, AsyncCallbackHandler)
    for name, f in vars(cls).items()
    if name.startswith("on_") and name != "on_chat_model_start"
)

Pair = tuple[Callable[..., Any], Any]


def _wanted(handler: Any, event: str) -> Callable[..., Any] | None:
    """The bound method to call for ``event``, or None when calling it is pointless."""
    flag = _IGNORE_FLAG.get(event)
    if flag is not None and getattr(handler, flag, False):
        return None
    method = getattr(handler, event, None)
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
        if getattr(h, "ignore_chat_model", False):
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

    items: tuple[Any, ...]
    on_chain_start: tuple[Pair, ...]
    on_chain_end: tuple[Pair, ...]

    def __init__(self, handlers: Iterable[Any] = ()) -> None:
        items = tuple(handlers)
        if len(items) > 1:  # keep the first of each object (by identity), in order
            items = tuple({id(h): h for h in items}.values())
        self.items = items
        self.on_chain_start = _pairs(items, "on_chain_start")
        self.on_chain_end = _pairs(items, "on_chain_end")

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


def _fault(handler: Any, event: str, exc: Exception) -> None:
    logger.warning(
        "Error in %s.%s callback: %s: %s",
        type(handler).__name__,
        event,
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


def run_coroutine_sync(awaitable: Awaitable[Any]) -> Any:
    """Run an async handler's coroutine from synchronous code, returning its result."""

    async def _wrap() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_wrap())
    # This thread already runs a loop we must not block on re-entrantly: use a helper thread.
    box: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(asyncio.run(_wrap()))
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=target, name="reference-async-handler")
    t.start()
    t.join()
    if errors:
        raise errors[0]
    return box[0] if box else None


def _failed(
    handler: Any, event: str, exc: Exception, pending: Exception | None
) -> Exception | None:
    """Contain a handler's exception (log it), or keep the first ``raise_error`` one to re-raise."""
    if getattr(handler, "raise_error", False):
        return exc if pending is None else pending
    _fault(handler, event, exc)
    return pending


def deliver(
    pairs: tuple[Pair, ...], event: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Call every method in ``pairs``; contain faults unless a handler has ``raise_error``.

    Every handler gets the event even if an earlier one raised; the first
    ``raise_error`` exception is re-raised after the loop.
    """
    pending: Exception | None = None
    for method, handler in pairs:
        try:
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
        except Exception as exc:
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
    pending: Exception | None = None
    for method, handler in pairs:
        try:
            result = method(
                serialized,
                inputs,
                run_id=run_id,
                parent_run_id=parent_run_id,
                tags=tags,
                metadata=metadata,
                name=name,
            )
            if result is not None and inspect.isawaitable(result):
                run_coroutine_sync(result)
        except Exception as exc:
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
    pending: Exception | None = None
    for method, handler in pairs:
        try:
            result = method(
                value, run_id=run_id, parent_run_id=parent_run_id, tags=tags, metadata=metadata
            )
            if result is not None and inspect.isawaitable(result):
                run_coroutine_sync(result)
        except Exception as exc:
            pending = _failed(handler, event, exc, pending)
    if pending is not None:
        raise pending


async def adeliver(
    pairs: tuple[Pair, ...], event: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Async twin of :func:`deliver`: awaits coroutine handlers one after another, in order."""
    pending: Exception | None = None
    for method, handler in pairs:
        try:
            try:
                result = method(*args, **kwargs)
                if result is not None and inspect.isawaitable(result):
                    await result
            except NotImplementedError:
                if event != "on_chat_model_start":
                    raise
                result = _llm_fallback(handler, args, kwargs)
                if result is not None and inspect.isawaitable(result):
                    await result
        except Exception as exc:
            pending = _failed(handler, event, exc, pending)
    if pending is not None:
        raise pending
