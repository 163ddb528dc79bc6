"""``RunnableSequence``: steps run one after another; streaming pipelines them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any, final

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, astream_run, run, run_steps, stream_run
from reference.runnables._streams import aclosing_stream, aone, aprepend, prepend

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableSequence"]

_END: Any = object()


@final
class RunnableSequence(Runnable[Any, Any]):
    """Feed each step's output to the next; one chain run with a child run per step."""

    __slots__ = ("_body", "steps")

    steps: tuple[Runnable[Any, Any], ...]
    #: The run's body, ``run_steps`` over ``steps`` (made once: no method call per invoke).
    _body: Callable[[Any, RunFrame], Any]

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
            # Inner sequences are flattened, as in LangChain (a name is lost: SPEC.md §8); only
            # one with constructor callbacks/tags/metadata (this engine's extension) keeps its run.
            if isinstance(r, RunnableSequence) and r._local is None:
                flat.extend(r.steps)
            else:
                flat.append(r)
        if len(flat) < 2:
            raise ValueError(f"RunnableSequence needs at least 2 steps, got {len(flat)}")
        self.steps = tuple(flat)
        self._body = partial(run_steps, self.steps)
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

    @property
    def InputType(self) -> Any:
        """What its first step takes."""
        return self.steps[0].InputType

    @property
    def OutputType(self) -> Any:
        """What its last step gives."""
        return self.steps[-1].OutputType

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """Its steps' ``configurable`` keys."""
        from reference.runnables._spec_lists import specs_of

        return specs_of(self.steps)

    def __repr__(self) -> str:
        return " | ".join(repr(s) for s in self.steps)

    def __or__(self, other: Any) -> RunnableSequence:
        # ``seq | x`` extends the sequence and keeps its name (or x's, if x is a sequence).
        right = coerce_to_runnable(other, "|")
        if self._local is None:
            name = self._name or (right._name if isinstance(right, RunnableSequence) else None)
            return RunnableSequence(*self.steps, right, name=name)
        return RunnableSequence(self, right)

    def __ror__(self, other: Any) -> RunnableSequence:
        left = coerce_to_runnable(other, "|")
        if self._local is None:
            name = self._name or (left._name if isinstance(left, RunnableSequence) else None)
            return RunnableSequence(left, *self.steps, name=name)
        return RunnableSequence(left, self)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if kwargs:  # a call's (or bind's) keywords go to the first step only, as in LangChain
            return run(self, partial(self._run_steps_with, kwargs), input, config)
        return run(self, self._body, input, config)

    def _run_steps_with(self, kwargs: dict[str, Any], input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        x = self.steps[0].invoke(input, child, **kwargs)
        for step in self.steps[1:]:
            x = step.invoke(x, child)
        return x

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        body = partial(self._arun_steps, kwargs=kwargs) if kwargs else self._arun_steps
        return await arun(self, body, input, config)

    async def _arun_steps(self, input: Any, frame: RunFrame,
                          kwargs: dict[str, Any] | None = None) -> Any:
        child = frame.child_config
        x = input
        for i, step in enumerate(self.steps):
            x = await (step.ainvoke(x, child, **kwargs) if kwargs and not i
                       else step.ainvoke(x, child))
        return x

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        return self.transform(iter((input,)), config, **kwargs)

    def _pipeline(self, upstream: Iterator[Any], frame: RunFrame,
                  kwargs: dict[str, Any] | None = None) -> Iterator[Any]:
        child = frame.child_config
        it = self.steps[0].transform(upstream, child, **(kwargs or {}))
        for step in self.steps[1:]:
            it = step.transform(it, child)
        return it

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """Pipeline the steps: each step's ``transform`` consumes the previous one's output.

        The run starts when the first input chunk arrives, so it never starts
        before the upstream step (R7.4).
        """
        upstream = iter(input)
        first = next(upstream, _END)
        if first is _END:
            return
        rest = prepend(first, upstream)
        yield from stream_run(self, first, config,
                              (lambda f: self._pipeline(rest, f, kwargs)) if kwargs
                              else (lambda f: self._pipeline(rest, f)),
                              upstream=upstream, tap=True)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async with aclosing_stream(self.atransform(aone(input), config, **kwargs)) as stream:
            async for chunk in stream:
                yield chunk

    def _apipeline(self, upstream: AsyncIterator[Any], frame: RunFrame,
                   kwargs: dict[str, Any] | None = None) -> AsyncIterator[Any]:
        child = frame.child_config
        it = self.steps[0].atransform(upstream, child, **(kwargs or {}))
        for step in self.steps[1:]:
            it = step.atransform(it, child)
        return it

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`transform`."""
        upstream = aiter(input)
        first = await anext(upstream, _END)
        if first is _END:
            return
        rest = aprepend(first, upstream)
        stream = astream_run(self, first, config,
                             (lambda f: self._apipeline(rest, f, kwargs)) if kwargs
                             else (lambda f: self._apipeline(rest, f)),
                             upstream=upstream, tap=True)
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk
