"""``RunnableParallel``: run named branches on the same input, threads (sync) or tasks (async).

Streamed, the branches are streamed too, concurrently, and each branch chunk
comes out as ``{key: chunk}`` as it arrives (``_fanout``); the chunks add up to
what ``invoke`` returns. With several branches the input stream is read whole
first, in our consumer's thread or task (``_fanout.read_input``).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, final

from reference._workers import run_all
from reference.runnables._addable import AddableDict
from reference.runnables._base import Runnable, coerce_to_runnable, gather_limited
from reference.runnables._config import RunnableConfig
from reference.runnables._fanout import ainterleave, aread_input, interleave, read_input
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, atransform_run, run, transform_run
from reference.runnables._streams import aclose_iter, aclosing_stream, afrom, aone, close_iter

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableParallel"]

_OPTIONS = ("name", "callbacks", "tags", "metadata")


@final
class RunnableParallel(Runnable[Any, dict[str, Any]]):
    """Map one input to a dict of branch outputs.

    The run waits for every branch, even after one fails, then raises the
    first failing branch's exception in declaration order (R7.6, R8).

    ``name``, ``callbacks``, ``tags`` and ``metadata`` keywords are the
    constructor options, not branches; pass a dict positionally to use those
    words as branch keys.
    """

    __slots__ = ("steps__",)

    steps__: dict[str, Runnable[Any, Any]]

    def __init__(self, steps: Mapping[str, Any] | None = None, /, **kwargs: Any) -> None:
        options = {k: kwargs.pop(k) for k in _OPTIONS if k in kwargs}
        merged = {**(steps or {}), **kwargs}
        self.steps__ = {k: coerce_to_runnable(v, "RunnableParallel") for k, v in merged.items()}
        self._init_scope(
            options.get("name"),
            options.get("callbacks"),
            options.get("tags"),
            options.get("metadata"),
        )

    @property
    def steps(self) -> dict[str, Runnable[Any, Any]]:
        return self.steps__

    def _default_name(self) -> str:
        return "RunnableParallel<" + ",".join(self.steps__) + ">"

    @property
    def InputType(self) -> Any:
        """What its first branch takes (every branch gets the same input)."""
        return next((step.InputType for step in self.steps__.values()), Any)

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """Its branches' ``configurable`` keys."""
        from reference.runnables._spec_lists import specs_of

        return specs_of(self.steps__.values())

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}: {v!r}" for k, v in self.steps__.items()) + "}"

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return run(self, self._run_branches, input, config)

    def _run_branches(self, input: Any, frame: RunFrame) -> dict[str, Any]:
        child = frame.child_config
        items = list(self.steps__.items())
        if not items:
            return {}
        if len(items) == 1:
            key, step = items[0]
            return {key: step.invoke(input, child)}
        limit = frame.config.get("max_concurrency")
        # Each branch runs in its own copy of our context (which points at this run).
        futures = run_all([
            partial(contextvars.copy_context().run, step.invoke, input, child)
            for _, step in items
        ], limit)
        for f in futures:
            exc = f.exception()
            if exc is not None:
                raise exc
        return {key: f.result() for (key, _), f in zip(items, futures, strict=True)}

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return await arun(self, self._arun_branches, input, config)

    async def _arun_branches(self, input: Any, frame: RunFrame) -> dict[str, Any]:
        child = frame.child_config
        limit = frame.config.get("max_concurrency")
        keys = list(self.steps__)
        results = await gather_limited(
            [partial(step.ainvoke, input, child) for step in self.steps__.values()], limit
        )
        for r in results:
            if isinstance(r, BaseException):
                raise r
        return dict(zip(keys, results, strict=True))

    # -- streaming ------------------------------------------------------------------------

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        return transform_run(self, iter((input,)), config, self._stream_branches)

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        return transform_run(self, input, config, self._stream_branches)

    def _stream_branches(self, source: Iterator[Any], frame: RunFrame) -> Iterator[AddableDict]:
        child = frame.child_config
        items = list(self.steps__.items())
        try:
            if not items:  # nothing to stream; the input is still read (its runs end)
                for _ in source:
                    pass
                return
            if len(items) == 1:  # one branch: no thread needed
                key, step = items[0]
                stream = step.transform(source, child)
                try:
                    for chunk in stream:
                        yield AddableDict({key: chunk})
                finally:
                    close_iter(stream)
                return
            chunks = read_input(source)
            yield from interleave(
                [key for key, _ in items],
                [step.transform(iter(chunks), child) for _, step in items],
                frame.config.get("max_concurrency"),
            )
        finally:
            close_iter(source)

    def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_run(self, aone(input), config, self._astream_branches)

    def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[dict[str, Any]]:
        return atransform_run(self, input, config, self._astream_branches)

    async def _astream_branches(
        self, source: AsyncIterator[Any], frame: RunFrame
    ) -> AsyncIterator[AddableDict]:
        child = frame.child_config
        items = list(self.steps__.items())
        try:
            if not items:
                async for _ in source:
                    pass
                return
            if len(items) == 1:
                key, step = items[0]
                async with aclosing_stream(step.atransform(source, child)) as stream:
                    async for chunk in stream:
                        yield AddableDict({key: chunk})
                return
            chunks = await aread_input(source)
            merged = ainterleave(
                [key for key, _ in items],
                [step.atransform(afrom(chunks), child) for _, step in items],
                frame.config.get("max_concurrency"),
            )
            async with aclosing_stream(merged) as it:
                async for chunk in it:
                    yield chunk
        finally:
            await aclose_iter(source)
