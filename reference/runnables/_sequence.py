"""``RunnableSequence``: steps run one after another; streaming pipelines them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import chain
from typing import Any, final

from reference.callbacks._manager import (
    AsyncCallbackManagerForChainRun,
    CallbackManagerForChainRun,
    start_chain_run,
)
from reference.runnables._base import (
    Runnable,
    acall_chain,
    aclose_iter,
    add_chunks,
    call_chain,
    close_iter,
    coerce_to_runnable,
    start_info,
)
from reference.runnables._config import (
    RunnableConfig,
    child_config,
    get_async_manager,
    get_sync_manager,
    resolve_config,
)

__all__ = ["RunnableSequence"]


async def _aprepend(first: Any, rest: AsyncIterator[Any]) -> AsyncIterator[Any]:
    yield first
    async for x in rest:
        yield x


@final
class RunnableSequence(Runnable[Any, Any]):
    """Feed each step's output to the next; one chain run with a child run per step."""

    __slots__ = ("steps",)

    steps: tuple[Runnable[Any, Any], ...]

    def __init__(
        self,
        *steps: Any,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        first: Any = None,
        middle: list[Any] | None = None,
        last: Any = None,
    ) -> None:
        parts: list[Any] = list(steps)
        if first is not None:
            parts = [first, *(middle or ()), *(() if last is None else (last,)), *parts]
        flat: list[Runnable[Any, Any]] = []
        for s in parts:
            r = coerce_to_runnable(s, "RunnableSequence")
            # Unnamed, option-free inner sequences are pure grouping: flatten them like LangChain.
            if isinstance(r, RunnableSequence) and r._name is None and r._local is None:
                flat.extend(r.steps)
            else:
                flat.append(r)
        if len(flat) < 2:
            raise ValueError(f"RunnableSequence needs at least 2 steps, got {len(flat)}")
        self.steps = tuple(flat)
        self._init_scope(name, callbacks, tags, metadata)

    @property
    def first(self) -> Runnable[Any, Any]:
        return self.steps[0]

    @property
    def middle(self) -> list[Runnable[Any, Any]]:
        return list(self.steps[1:-1])

    @property
    def last(self) -> Runnable[Any, Any]:
        return self.steps[-1]

    def __repr__(self) -> str:
        return " | ".join(repr(s) for s in self.steps)

    def __or__(self, other: Any) -> RunnableSequence:
        if self._name is None and self._local is None:
            return RunnableSequence(*self.steps, coerce_to_runnable(other, "|"))
        return RunnableSequence(self, coerce_to_runnable(other, "|"))

    def __ror__(self, other: Any) -> RunnableSequence:
        if self._name is None and self._local is None:
            return RunnableSequence(coerce_to_runnable(other, "|"), *self.steps)
        return RunnableSequence(coerce_to_runnable(other, "|"), self)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return call_chain(self, self._run_steps, input, config)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await acall_chain(self, self._arun_steps, input, config)

    def _run_steps(self, input: Any, rm: CallbackManagerForChainRun) -> Any:
        child = child_config(rm)
        x = input
        for step in self.steps:
            x = step.invoke(x, child)
        return x

    async def _arun_steps(self, input: Any, rm: AsyncCallbackManagerForChainRun) -> Any:
        child = child_config(rm)
        x = input
        for step in self.steps:
            x = await step.ainvoke(x, child)
        return x

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return self.transform(iter((input,)), config, **kwargs)

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Pipeline the steps: each step's ``transform`` consumes the previous one's output.

        The run starts when the first input chunk arrives, so it never starts
        before the upstream step (R7.4). The context variable is not held
        across ``yield`` (it would leak into the consumer's code); steps get
        the child config explicitly instead.
        """
        upstream = iter(input)
        first = next(upstream, _END)
        if first is _END:
            return
        cfg, trusted = resolve_config(config)
        mgr = get_sync_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = start_chain_run(mgr, ser, first, run_id, name, cfg)
        child = child_config(rm)
        it: Iterator[Any] = chain((first,), upstream)
        for step in self.steps:
            it = step.transform(it, child)
        chunks: list[Any] = []
        try:
            for chunk in it:
                chunks.append(chunk)
                yield chunk
        except BaseException as e:
            close_iter(it)
            rm.on_chain_error(e)
            raise
        rm.on_chain_end(add_chunks(chunks))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async def one() -> AsyncIterator[Any]:
            yield input

        async for chunk in self.atransform(one(), config, **kwargs):
            yield chunk

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`transform`."""
        upstream = aiter(input)
        first = await anext(upstream, _END)
        if first is _END:
            return
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = await mgr.on_chain_start(ser, first, run_id=run_id, name=name)
        rm._config = cfg
        child = child_config(rm)
        it: AsyncIterator[Any] = _aprepend(first, upstream)
        for step in self.steps:
            it = step.atransform(it, child)
        chunks: list[Any] = []
        try:
            async for chunk in it:
                chunks.append(chunk)
                yield chunk
        except BaseException as e:
            await aclose_iter(it)
            await rm.on_chain_error(e)
            raise
        await rm.on_chain_end(add_chunks(chunks))


_END: Any = object()
