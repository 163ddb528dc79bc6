"""``langchain_core.caches``: where models keep replies to prompts they have already answered.

A cache maps ``(prompt, llm_string)`` to a list of generations: ``prompt`` is the model's input
as one string (an LLM's prompt, or a chat model's messages serialized), ``llm_string`` its
parameters. A model consults its ``cache`` field, or the global one (``globals.set_llm_cache``)
when the field is ``None``; see ``language_models._cache`` for what its runs look like then.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from reference.outputs import Generation

__all__ = ["RETURN_VAL_TYPE", "BaseCache", "InMemoryCache"]

#: What a cache holds per key: the generations of one prompt.
RETURN_VAL_TYPE = Sequence[Generation]


class BaseCache(abc.ABC):
    """Subclass and implement ``lookup``, ``update`` and ``clear``; the async twins run those
    in a worker thread unless overridden."""

    @abc.abstractmethod
    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        """The generations stored for the key, ``None`` if there are none."""

    @abc.abstractmethod
    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        """Store ``return_val`` for the key."""

    @abc.abstractmethod
    def clear(self, **kwargs: Any) -> None:
        """Forget everything."""

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        from reference.runnables._executor import run_in_executor

        return await run_in_executor(None, self.lookup, prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        from reference.runnables._executor import run_in_executor

        await run_in_executor(None, self.update, prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        from reference.runnables._executor import run_in_executor

        await run_in_executor(None, self.clear, **kwargs)


class InMemoryCache(BaseCache):
    """A dict of keys to generations; with ``maxsize``, storing into a full cache first drops
    the oldest key (also when the key stored is already there, as langchain_core's does)."""

    def __init__(self, *, maxsize: int | None = None) -> None:
        if maxsize is not None and maxsize <= 0:
            raise ValueError("maxsize must be greater than 0")
        self._maxsize = maxsize
        self._cache: dict[tuple[str, str], RETURN_VAL_TYPE] = {}

    def lookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        return self._cache.get((prompt, llm_string))

    def update(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        if self._maxsize is not None and len(self._cache) == self._maxsize:
            del self._cache[next(iter(self._cache))]
        self._cache[prompt, llm_string] = return_val

    def clear(self, **kwargs: Any) -> None:
        self._cache = {}

    async def alookup(self, prompt: str, llm_string: str) -> RETURN_VAL_TYPE | None:
        return self.lookup(prompt, llm_string)

    async def aupdate(self, prompt: str, llm_string: str, return_val: RETURN_VAL_TYPE) -> None:
        self.update(prompt, llm_string, return_val)

    async def aclear(self, **kwargs: Any) -> None:
        self.clear()
