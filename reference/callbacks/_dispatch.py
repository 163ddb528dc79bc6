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

from reference.callbacks._handlers import AsyncCallbackHandler, BaseCallbackHandler

__all__ = ["HandlerSet", "adeliver", "deliver", "run_coroutine_sync"]

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


@final
class HandlerSet:
    """An immutable set of handlers with per-event method lists computed lazily."""

    __slots__ = ("_cache", "items")

    items: tuple[Any, ...]
    _cache: dict[str, tuple[Pair, ...]]

    def __init__(self, handlers: Iterable[Any] = ()) -> None:
        seen: set[int] = set()
        unique = []
        for h in handlers:
            if id(h) not in seen:
                seen.add(id(h))
                unique.append(h)
        self.items = tuple(unique)
        self._cache = {}

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

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
        found = self._cache.get(event)
        if found is None:
            if event == "on_chat_model_start":
                found = tuple(self._chat_pairs())
            else:
                found = tuple(
                    (m, h) for h in self.items if (m := _wanted(h, event)) is not None
                )
            self._cache[event] = found
        return found

    def _chat_pairs(self) -> Iterable[Pair]:
        for h in self.items:
            if getattr(h, "ignore_chat_model", False):
                continue
            method = getattr(h, "on_chat_model_start", None)
            if method is None:
                continue
            yield method, h


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
            if getattr(handler, "raise_error", False):
                if pending is None:
                    pending = exc
            else:
                _fault(handler, event, exc)
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
            if getattr(handler, "raise_error", False):
                if pending is None:
                    pending = exc
            else:
                _fault(handler, event, exc)
    if pending is not None:
        raise pending
