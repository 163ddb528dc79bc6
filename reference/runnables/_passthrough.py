"""``RunnablePassthrough``: returns its input; a run of its own, useful as a parallel branch.

Streamed, it yields its input chunks as they arrive (one run, ending with them added up).
Given ``func`` (or ``afunc``), it also calls it with the input, for its side effects, as
langchain_core does: outside its run, with the caller's config (``ensure_config``) if the
function takes one; in ``invoke`` before the run starts, in streams once the input is all
through (the chunks added up) and the run has ended.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, final

from reference._signatures import takes_config
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig, ensure_config
from reference.runnables._lifecycle import arun, atransform_run, run, transform_run
from reference.runnables._streams import aclosing_stream, aone

__all__ = ["RunnablePassthrough"]


def _identity(x: Any, frame: Any) -> Any:
    return x


async def _aidentity(x: Any, frame: Any) -> Any:
    return x


def _same_chunks(chunks: Any, frame: Any) -> Any:
    return chunks


@final
class RunnablePassthrough(Runnable[Any, Any]):
    """Identity runnable (chain-type run), optionally calling ``func`` / ``afunc`` with its
    input (a coroutine function given as ``func`` is taken as ``afunc``)."""

    __slots__ = ("_afunc", "_func", "input_type")

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        afunc: Callable[..., Awaitable[Any]] | None = None,
        *,
        input_type: Any = None,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        verbose: bool = False,  # accepted and ignored, as langchain_core's is
    ) -> None:
        if inspect.iscoroutinefunction(func):
            func, afunc = None, func
        self._func = func
        self._afunc = afunc
        #: The declared type of what passes through (``InputType`` and ``OutputType``).
        self.input_type = input_type
        self._init_scope(name, callbacks, tags, metadata)

    @property
    def func(self) -> Callable[..., Any] | None:
        return self._func

    @property
    def afunc(self) -> Callable[..., Awaitable[Any]] | None:
        return self._afunc

    @property
    def InputType(self) -> Any:
        """``input_type``, else ``Any``."""
        return self.input_type or Any

    @property
    def OutputType(self) -> Any:
        """The same as what it takes."""
        return self.input_type or Any

    @classmethod
    def assign(cls, **kwargs: Any) -> Any:
        """``RunnableAssign(RunnableParallel(kwargs))``: the dict input plus ``kwargs``' outputs
        (no passthrough run: the assign run is the one that passes the input through)."""
        from reference.runnables._assign import RunnableAssign
        from reference.runnables._parallel import RunnableParallel

        return RunnableAssign(RunnableParallel(kwargs))

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if self._func is not None:
            _call(self._func, input, config, kwargs)
        return run(self, _identity, input, config)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        if self._afunc is not None:
            await _call(self._afunc, input, config, kwargs)
        elif self._func is not None:
            _call(self._func, input, config, kwargs)
        return await arun(self, _aidentity, input, config)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
               ) -> Iterator[Any]:
        return self.transform(iter((input,)), config, **kwargs)

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[Any]:
        chunks = transform_run(self, input, config, _same_chunks)
        if self._func is None:
            return chunks
        return self._then_call(chunks, config, kwargs)

    def _then_call(self, chunks: Iterator[Any], config: RunnableConfig | None,
                   kwargs: dict[str, Any]) -> Iterator[Any]:
        whole = _Sum()
        for chunk in chunks:
            yield chunk
            whole.add(chunk)
        if whole.seen and self._func is not None:
            _call(self._func, whole.value, config, kwargs)

    def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
                ) -> AsyncIterator[Any]:
        return self.atransform(aone(input), config, **kwargs)

    def atransform(self, input: AsyncIterator[Any], config: RunnableConfig | None = None,
                   **kwargs: Any) -> AsyncIterator[Any]:
        chunks = atransform_run(self, input, config, _same_chunks)
        if self._func is None and self._afunc is None:
            return chunks
        return self._athen_call(chunks, config, kwargs)

    async def _athen_call(self, chunks: AsyncIterator[Any], config: RunnableConfig | None,
                          kwargs: dict[str, Any]) -> AsyncIterator[Any]:
        whole = _Sum()
        async with aclosing_stream(chunks) as it:
            async for chunk in it:
                yield chunk
                whole.add(chunk)
        if not whole.seen:
            return
        if self._afunc is not None:
            await _call(self._afunc, whole.value, config, kwargs)
        elif self._func is not None:
            _call(self._func, whole.value, config, kwargs)


def _call(func: Callable[..., Any], input: Any, config: RunnableConfig | None,
          kwargs: dict[str, Any]) -> Any:
    """``func(input)``, given the caller's whole config if it takes a ``config``."""
    if takes_config(func):
        return func(input, config=ensure_config(config), **kwargs)
    return func(input, **kwargs)


class _Sum:
    """Chunks added up as they pass: ``+`` where it works, else the latest chunk."""

    __slots__ = ("seen", "value")

    def __init__(self) -> None:
        self.seen = False
        self.value: Any = None

    def add(self, chunk: Any) -> None:
        if not self.seen:
            self.seen, self.value = True, chunk
            return
        try:
            self.value = self.value + chunk
        except TypeError:
            self.value = chunk
