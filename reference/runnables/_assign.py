"""``RunnableAssign`` and ``RunnablePick``: add keys to a dict input, or keep some of its keys.

``RunnablePassthrough.assign(**kwargs)`` is a ``RunnableAssign`` around a
``RunnableParallel`` of ``kwargs``: one chain run, ``RunnableAssign<keys>``,
whose only child is the parallel's run (``RunnableParallel<keys>``), whose
children are the branches (SPEC.md §8). ``.pick(keys)`` appends a
``RunnablePick<keys>``, a chain run with no children.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Iterator, Mapping
from concurrent.futures import wait
from functools import partial
from typing import TYPE_CHECKING, Any, Final, final

from reference._workers import submit
from reference.runnables._addable import AddableDict
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._fanout import aread_input, read_input
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, atransform_run, run, transform_run
from reference.runnables._parallel import RunnableParallel
from reference.runnables._streams import aclose_iter, aclosing_stream, afrom, aone, close_iter

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableAssign", "RunnablePick"]

_END: Final[Any] = object()


def _dict_input(input: Any, who: str) -> Mapping[str, Any]:
    """``input``, checked inside the run (which then ends with the error, as langchain_core's
    does: a ValueError)."""
    if not isinstance(input, Mapping):
        raise ValueError(f"{who} takes a dict input, got {type(input).__name__}: {input!r}")
    return input


@final
class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """``RunnableAssign(mapper)``: the input dict with ``mapper``'s outputs added (or replaced)."""

    __slots__ = ("mapper",)

    def __init__(self, mapper: RunnableParallel | Mapping[str, Any], *, name: str | None = None
                 ) -> None:
        if not isinstance(mapper, RunnableParallel):
            if not isinstance(mapper, Mapping):
                raise TypeError(
                    f"RunnableAssign needs a RunnableParallel or a dict, got {mapper!r}"
                )
            mapper = RunnableParallel(dict(mapper))
        self.mapper = mapper
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        return "RunnableAssign<" + ",".join(self.mapper.steps__) + ">"

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """Its mapper's ``configurable`` keys."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([self.mapper])

    def __repr__(self) -> str:
        return f"RunnableAssign({self.mapper!r})"

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return run(self, self._body, input, config)

    def _body(self, input: Mapping[str, Any], frame: RunFrame) -> dict[str, Any]:
        return {**_dict_input(input, self.get_name()),
                **self.mapper.invoke(input, frame.child_config)}

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Mapping[str, Any], frame: RunFrame) -> dict[str, Any]:
        return {**_dict_input(input, self.get_name()),
                **await self.mapper.ainvoke(input, frame.child_config)}

    # -- streaming ------------------------------------------------------------------------

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[dict[str, Any]]:
        return transform_run(self, iter((input,)), config, self._chunks)

    def transform(self, input: Iterator[dict[str, Any]], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[dict[str, Any]]:
        return transform_run(self, input, config, self._chunks)

    def _rest(self, chunk: Any) -> AddableDict:
        """An input chunk without the keys the mapper assigns."""
        keys = self.mapper.steps__
        return AddableDict({k: v for k, v in _dict_input(chunk, self.get_name()).items()
                            if k not in keys})

    def _chunks(self, source: Iterator[Any], frame: RunFrame) -> Iterator[dict[str, Any]]:
        chunks = read_input(source)  # (whole, here: see read_input)
        mapped = self.mapper.transform(iter(chunks), frame.child_config)
        first = submit(partial(contextvars.copy_context().run, next, mapped, _END))
        try:
            for chunk in chunks:
                if rest := self._rest(chunk):
                    yield rest
            if (out := first.result()) is not _END:
                yield out
                yield from mapped
        finally:
            wait((first,))  # stopped early or failed: the mapper's step under way ends first
            close_iter(mapped)

    def astream(self, input: dict[str, Any], config: RunnableConfig | None = None,
                **kwargs: Any) -> AsyncIterator[dict[str, Any]]:
        return atransform_run(self, aone(input), config, self._achunks)

    def atransform(self, input: AsyncIterator[dict[str, Any]],
                   config: RunnableConfig | None = None, **kwargs: Any
                   ) -> AsyncIterator[dict[str, Any]]:
        return atransform_run(self, input, config, self._achunks)

    async def _achunks(self, source: AsyncIterator[Any], frame: RunFrame
                       ) -> AsyncIterator[dict[str, Any]]:
        chunks = await aread_input(source)  # (whole, here: see read_input)
        mapped = self.mapper.atransform(afrom(chunks), frame.child_config)
        first = asyncio.ensure_future(anext(mapped, _END))
        try:
            for chunk in chunks:
                if rest := self._rest(chunk):
                    yield rest
            if (out := await first) is not _END:
                yield out
                async with aclosing_stream(mapped) as it:
                    async for chunk in it:
                        yield chunk
        except asyncio.CancelledError:
            first.cancel()
            raise
        finally:
            await asyncio.wait((first,))
            if not first.cancelled():
                first.exception()  # retrieved: no "exception never retrieved" warning
            await aclose_iter(mapped)


def _pick(keys: str | list[str], input: Any) -> Any:
    if isinstance(keys, str):
        return input.get(keys)
    picked = AddableDict({k: input[k] for k in keys if k in input})
    return picked or None


@final
class RunnablePick(Runnable[dict[str, Any], Any]):
    """``RunnablePick(keys)``: one key's value (``keys`` a str), or an ``AddableDict`` of the
    keys present (``keys`` a list; None when none is), as langchain_core's in every mode."""

    __slots__ = ("keys",)

    def __init__(self, keys: str | list[str], *, name: str | None = None) -> None:
        if not isinstance(keys, str) and not (
            isinstance(keys, (list, tuple)) and all(isinstance(k, str) for k in keys)
        ):
            raise TypeError(f"pick() takes a key or a list of keys, got {keys!r}")
        self.keys = keys if isinstance(keys, str) else list(keys)
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        keys = [self.keys] if isinstance(self.keys, str) else self.keys
        return "RunnablePick<" + ",".join(keys) + ">"

    def __repr__(self) -> str:
        return f"RunnablePick({self.keys!r})"

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Any:
        return run(self, self._body, input, config)

    def _body(self, input: Mapping[str, Any], frame: RunFrame) -> Any:
        return _pick(self.keys, _dict_input(input, self.get_name()))

    async def ainvoke(self, input: dict[str, Any], config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Mapping[str, Any], frame: RunFrame) -> Any:
        return _pick(self.keys, _dict_input(input, self.get_name()))

    # -- streaming: each input chunk's pick, if any ---------------------------------------

    def stream(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        return transform_run(self, iter((input,)), config, self._chunks)

    def transform(self, input: Iterator[dict[str, Any]], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[Any]:
        return transform_run(self, input, config, self._chunks)

    def _chunks(self, source: Iterator[Any], frame: RunFrame) -> Iterator[Any]:
        try:
            for chunk in source:
                if (picked := _pick(self.keys, _dict_input(chunk, self.get_name()))) is not None:
                    yield picked
        finally:
            close_iter(source)

    def astream(self, input: dict[str, Any], config: RunnableConfig | None = None,
                **kwargs: Any) -> AsyncIterator[Any]:
        return atransform_run(self, aone(input), config, self._achunks)

    def atransform(self, input: AsyncIterator[dict[str, Any]],
                   config: RunnableConfig | None = None, **kwargs: Any) -> AsyncIterator[Any]:
        return atransform_run(self, input, config, self._achunks)

    async def _achunks(self, source: AsyncIterator[Any], frame: RunFrame) -> AsyncIterator[Any]:
        try:
            async for chunk in source:
                if (picked := _pick(self.keys, _dict_input(chunk, self.get_name()))) is not None:
                    yield picked
        finally:
            await aclose_iter(source)
