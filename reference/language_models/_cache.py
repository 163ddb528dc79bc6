"""A model's ``cache`` and ``rate_limiter`` fields, as langchain_core 1.8.3's models use them.

Which cache: the ``cache`` field if it is a ``BaseCache``; the global one
(``globals.set_llm_cache``) if it is ``None`` or ``True``; none if it is ``False``.
``True`` without a global cache is a ValueError.

What handlers see differs between the two kinds of model, as in langchain_core:

- A chat model's ``invoke`` looks the cache up *inside* its run: ``on_chat_model_start``,
  then on a hit ``on_llm_end`` with the cached generations (the message keeps the id of the
  run that stored it, and its ``usage_metadata`` gains ``total_cost: 0``); on a miss the
  rate limiter is acquired, the model generates, and the result is stored. The key is the
  messages serialized as langchain_core's ``dumps`` writes them (ids left out) and the run's
  ``invocation_params`` (the call's keywords included). ``stream`` of a model that streams
  never consults the cache (it acquires the rate limiter after its start event).
- An LLM looks the cache up *before* any run: a hit starts no run at all, a miss runs as
  usual (but a ``run_id`` given in the config is not used) and stores ``[Generation(text)]``.
  The key is the prompt and the model's parameters with ``stop`` (not the call's other
  keywords). LLMs have no rate limiter.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Coroutine, Sequence
from typing import TYPE_CHECKING, Any, Protocol, cast

from reference.caches import BaseCache
from reference.globals import _settings
from reference.messages import AIMessage, BaseMessage, ToolMessage
from reference.outputs import ChatGeneration, ChatResult, Generation

if TYPE_CHECKING:
    from reference.rate_limiters import BaseRateLimiter
    from reference.runnables._frame import RunFrame

__all__ = ["achat_cached", "active", "chat_cached", "llm_cache", "messages_key", "params_key"]

_NO_GLOBAL_CHAT = "Asked to cache, but no cache found at `langchain.cache`."
_NO_GLOBAL_LLM = (
    "No global cache was configured. Use `set_llm_cache`.to set a global cache if you want "
    "to use a global cache.Otherwise either pass a cache object or set cache to False/None"
)

ChatBody = Callable[[list[BaseMessage], "RunFrame"], ChatResult]
AChatBody = Callable[[list[BaseMessage], "RunFrame"], Coroutine[Any, Any, ChatResult]]


class CachedModel(Protocol):
    """What the cache wrappers read of a chat model (not the class: it imports them)."""

    cache: BaseCache | bool | None
    rate_limiter: BaseRateLimiter | None


def active(setting: Any) -> bool:
    """Whether a model with this ``cache`` field may consult a cache (the models' fast path
    skips all of this when it may not and has no rate limiter)."""
    return setting is not False and (setting is not None or _settings["llm_cache"] is not None)


def llm_cache(setting: Any) -> BaseCache | None:
    """The cache an LLM consults (see the module docstring); ValueError for ``True`` without
    a global cache."""
    if isinstance(setting, BaseCache):
        return setting
    if setting is False:
        return None
    found = cast("BaseCache | None", _settings["llm_cache"])
    if found is None and setting is True:
        raise ValueError(_NO_GLOBAL_LLM)
    return found


def params_key(params: dict[str, Any]) -> str:
    """A model's parameters as a cache key's ``llm_string``."""
    return str(sorted(params.items()))


# -- chat models -------------------------------------------------------------------------------

def _chat_cache(setting: Any) -> BaseCache | None:
    if isinstance(setting, BaseCache):
        return setting
    found = cast("BaseCache | None", _settings["llm_cache"])
    if found is None and setting is not None:
        raise ValueError(_NO_GLOBAL_CHAT)
    return found


def from_cache(generations: Sequence[Generation]) -> list[ChatGeneration]:
    """Cached generations as a hit returns them: plain ones become chat generations, an AI
    message is replaced (in the cached generation too) by a copy costing nothing."""
    out: list[ChatGeneration] = []
    for gen in generations:
        if not isinstance(gen, ChatGeneration):
            out.append(ChatGeneration(message=AIMessage(gen.text),
                                      generation_info=gen.generation_info))
            continue
        message = gen.message
        if isinstance(message, AIMessage):
            message = copy.copy(message)
            message.usage_metadata = cast(
                Any, {**(message.usage_metadata or {}), "total_cost": 0})
            gen.message = message
        out.append(gen)
    return out


def chat_cached(model: CachedModel, body: ChatBody, params: dict[str, Any]) -> ChatBody:
    """``body`` (a chat model run's) with the model's cache and rate limiter around it."""
    setting = model.cache

    def cached(messages: list[BaseMessage], frame: RunFrame) -> ChatResult:
        cache = None if setting is False else _chat_cache(setting)
        if cache is not None:
            key, llm_string = messages_key(messages), params_key(params)
            hit = cache.lookup(key, llm_string)
            if isinstance(hit, list):
                return ChatResult(generations=from_cache(hit))
        if model.rate_limiter is not None:
            model.rate_limiter.acquire(blocking=True)
        result = body(messages, frame)
        if cache is not None:
            cache.update(key, llm_string, result.generations)
        return result

    return cached


def achat_cached(model: CachedModel, body: AChatBody, params: dict[str, Any]) -> AChatBody:
    """Async :func:`chat_cached`."""
    setting = model.cache

    async def cached(messages: list[BaseMessage], frame: RunFrame) -> ChatResult:
        cache = None if setting is False else _chat_cache(setting)
        if cache is not None:
            key, llm_string = messages_key(messages), params_key(params)
            hit = await cache.alookup(key, llm_string)
            if isinstance(hit, list):
                return ChatResult(generations=from_cache(hit))
        if model.rate_limiter is not None:
            await model.rate_limiter.aacquire(blocking=True)
        result = await body(messages, frame)
        if cache is not None:
            await cache.aupdate(key, llm_string, result.generations)
        return result

    return cached


# -- the messages as a key: langchain_core's serialized form -----------------------------------

def messages_key(messages: list[BaseMessage]) -> str:
    """The messages (ids left out) as langchain_core's ``dumps`` writes them, so a cache sees
    the same keys on both packages."""
    return json.dumps([_constructor(m) for m in messages], default=_not_implemented)


def _constructor(m: BaseMessage) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"content": m.content}
    if m.additional_kwargs:
        kwargs["additional_kwargs"] = m.additional_kwargs
    if m.response_metadata:
        kwargs["response_metadata"] = m.response_metadata
    kwargs["type"] = m.type
    if m.name is not None:
        kwargs["name"] = m.name
    if isinstance(m, AIMessage):
        # langchain_core lists the fields given first, then the tool-call lists it filled in.
        given = [k for k in ("tool_calls", "invalid_tool_calls", "usage_metadata")
                 if getattr(m, k)]
        for key in (*given, "tool_calls", "invalid_tool_calls"):
            kwargs.setdefault(key, getattr(m, key))
    elif isinstance(m, ToolMessage):
        kwargs["tool_call_id"] = m.tool_call_id
        if m.artifact is not None:
            kwargs["artifact"] = m.artifact
        kwargs["status"] = m.status
    elif hasattr(m, "role"):
        kwargs["role"] = m.role
    return {"lc": 1, "type": "constructor",
            "id": ["langchain", "schema", "messages", type(m).__name__], "kwargs": kwargs}


def _not_implemented(obj: Any) -> dict[str, Any]:
    cls = type(obj)
    return {"lc": 1, "type": "not_implemented", "id": [*cls.__module__.split("."), cls.__name__],
            "repr": repr(obj)}
