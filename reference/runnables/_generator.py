"""``RunnableGenerator``: a generator function over the input stream, as one chain run.

``transform(chunks)`` receives an iterator of input chunks and yields output
chunks; ``atransform`` is its async twin. Each invocation is one chain run whose
end event carries the output chunks added up (``invoke`` returns the same
value). In a streamed sequence the generator is pipelined like any step
(R7.4). While the generator's code runs, its run is the current run, so
runnables it invokes are its children (R1, R6), in every mode.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any, final

from reference._signatures import takes_config
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import END, RunFrame, apump, next_in, pump
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import (
    aclosing_stream,
    add_chunks,
    aone,
    aprepend,
    close_iter,
    prepend,
)
from reference.runnables._types import generator_types

__all__ = ["RunnableGenerator"]

@final
class RunnableGenerator(Runnable[Any, Any]):
    """``RunnableGenerator(transform, atransform=None)``: wrap generator functions.

    An async generator function passed as ``transform`` is taken as
    ``atransform``. Either function may take a ``config`` keyword (it gets its
    own copy of the child config). With only a sync function, async modes run
    each step in a worker thread; with only an async one, sync modes raise.
    """

    __slots__ = ("_atransform", "_atransform_cfg", "_transform", "_transform_cfg")

    def __init__(
        self,
        transform: Callable[..., Any] | None = None,
        atransform: Callable[..., Any] | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if transform is not None and inspect.isasyncgenfunction(transform):
            if atransform is not None:
                raise TypeError("transform is an async generator function; pass it as atransform")
            transform, atransform = None, transform
        if transform is None and atransform is None:
            raise TypeError("RunnableGenerator needs transform, atransform or both")
        if transform is not None and not inspect.isgeneratorfunction(transform) and not callable(
            transform
        ):
            raise TypeError(f"transform must be a generator function, got {transform!r}")
        if atransform is not None and not inspect.isasyncgenfunction(atransform):
            raise TypeError(f"atransform must be an async generator function, got {atransform!r}")
        self._transform = transform
        self._atransform = atransform
        self._transform_cfg = takes_config(transform)
        self._atransform_cfg = takes_config(atransform)
        if name is None:
            src = transform if transform is not None else atransform
            fname = getattr(src, "__name__", None)
            name = fname if fname and fname != "<lambda>" else None
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        return "RunnableGenerator"

    @property
    def InputType(self) -> Any:
        """The item type of the transform's input iterator (``Any`` when not annotated)."""
        return generator_types(self._transform or self._atransform)[0]

    @property
    def OutputType(self) -> Any:
        """The item type of the iterator the transform returns (``Any`` when not annotated)."""
        return generator_types(self._transform or self._atransform)[1]

    def __repr__(self) -> str:
        return f"RunnableGenerator({self.get_name()})"

    # -- the user's generators ----------------------------------------------------------------

    def _gen(self, chunks: Iterator[Any], frame: RunFrame) -> Iterator[Any]:
        func = self._transform
        if func is None:
            # langchain_core's exception (it has no sync body to run), in our own words
            raise NotImplementedError(f"{self!r} has an async generator only: use its async "
                                      "methods (ainvoke, astream, ...)")
        if self._transform_cfg:
            return iter(func(chunks, config=frame.function_config()))
        return iter(func(chunks))

    def _pump(self, chunks: Iterator[Any], frame: RunFrame) -> Iterator[Any]:
        """The generator's chunks, each step run with ``frame`` as the current run."""
        yield from pump(frame, self._gen(chunks, frame))

    async def _apump(self, chunks: AsyncIterator[Any], frame: RunFrame) -> AsyncIterator[Any]:
        afunc = self._atransform
        if afunc is None:
            # Only a sync generator: feed it the buffered input, one step per worker-thread hop.
            items = [c async for c in chunks]
            it = self._gen(iter(items), frame)
            loop = asyncio.get_running_loop()
            try:
                while True:
                    ctx = contextvars.copy_context()
                    chunk = await loop.run_in_executor(None, partial(ctx.run, next_in, frame, it))
                    if chunk is END:
                        return
                    yield chunk
            finally:
                close_iter(it)
        gen = afunc(chunks, config=frame.function_config()) if self._atransform_cfg \
            else afunc(chunks)
        async with aclosing_stream(apump(frame, gen)) as steps:
            async for chunk in steps:
                yield chunk

    # -- invoke: one run, the chunks added up -------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return run(self, self._body, input, config)

    def _body(self, input: Any, frame: RunFrame) -> Any:
        return add_chunks(list(self._gen(iter((input,)), frame)))

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Any, frame: RunFrame) -> Any:
        async with aclosing_stream(self._apump(aone(input), frame)) as it:
            return add_chunks([chunk async for chunk in it])

    # -- streaming ----------------------------------------------------------------------------

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return self.transform(iter((input,)), config, **kwargs)

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """The run starts when the first input chunk arrives (never before upstream: R7.4)."""
        upstream = iter(input)
        first = next(upstream, END)
        if first is END:
            return

        yield from stream_run(self, first, config, partial(self._pump, prepend(first, upstream)),
                              upstream=upstream, tap=True)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async with aclosing_stream(self.atransform(aone(input), config, **kwargs)) as it:
            async for chunk in it:
                yield chunk

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        upstream = aiter(input)
        first = await anext(upstream, END)
        if first is END:
            return

        stream = astream_run(self, first, config, partial(self._apump, aprepend(first, upstream)),
                             upstream=upstream, tap=True)
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk
