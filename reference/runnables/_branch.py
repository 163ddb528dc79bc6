"""``RunnableBranch``: the first branch whose condition holds runs, else the default.

One chain run, ``RunnableBranch``; each condition evaluated is a child run of it,
in order, until one holds; then the chosen branch (or the default) runs as its
child (SPEC.md §8). A condition that raises fails the branch run: later
conditions and branches never start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, final

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import aclosing_stream, close_iter

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableBranch"]


@final
class RunnableBranch(Runnable[Any, Any]):
    """``RunnableBranch((condition, runnable), ..., default)``.

    Conditions and branches may be runnables or callables (wrapped in
    ``RunnableLambda``); a condition's result is read for truth.
    """

    __slots__ = ("branches", "default")

    branches: Sequence[tuple[Runnable[Any, Any], Runnable[Any, Any]]]
    default: Runnable[Any, Any]

    def __init__(self, *branches: Any, name: str | None = None) -> None:
        if len(branches) < 2:
            raise ValueError(
                "RunnableBranch needs at least one (condition, runnable) pair and a default: "
                "RunnableBranch((condition, runnable), default)"
            )
        *pairs, default = branches
        if isinstance(default, tuple):
            raise TypeError(
                "RunnableBranch's last argument is the default branch (a runnable or a "
                f"callable), got a tuple {default!r}"
            )
        checked = []
        for i, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise TypeError(
                    f"RunnableBranch argument {i} must be a (condition, runnable) pair, "
                    f"got {pair!r}"
                )
            cond, then = pair
            where = "RunnableBranch"
            checked.append((coerce_to_runnable(cond, where), coerce_to_runnable(then, where)))
        self.branches = checked
        self.default = coerce_to_runnable(default, "RunnableBranch")
        self._init_scope(name, None, None, None)

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The ``configurable`` keys of its conditions, branches and default."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([*(r for pair in self.branches for r in pair), self.default])

    def __repr__(self) -> str:
        return f"RunnableBranch({len(self.branches)} branches)"

    # -- choosing ---------------------------------------------------------------------------

    def _choose(self, input: Any, child: RunnableConfig) -> Runnable[Any, Any]:
        for cond, then in self.branches:
            if cond.invoke(input, child):
                return then
        return self.default

    async def _achoose(self, input: Any, child: RunnableConfig) -> Runnable[Any, Any]:
        for cond, then in self.branches:
            if await cond.ainvoke(input, child):
                return then
        return self.default

    # -- invoke -----------------------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return run(self, self._body, input, config)

    def _body(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        return self._choose(input, child).invoke(input, child)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        return await (await self._achoose(input, child)).ainvoke(input, child)

    # -- streaming: the chosen branch is streamed -------------------------------------------

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from stream_run(self, input, config, lambda frame: self._chunks(input, frame))

    def _chunks(self, input: Any, frame: RunFrame) -> Iterator[Any]:
        child = frame.child_config
        it = self._choose(input, child).stream(input, child)
        try:
            yield from it
        finally:
            close_iter(it)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        stream = astream_run(self, input, config, lambda frame: self._achunks(input, frame))
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk

    async def _achunks(self, input: Any, frame: RunFrame) -> AsyncIterator[Any]:
        child = frame.child_config
        chosen = await self._achoose(input, child)
        async with aclosing_stream(chosen.astream(input, child)) as it:
            async for chunk in it:
                yield chunk
