"""``RunnableEach``: what ``runnable.map()`` returns; runs ``bound`` on each item of a list.

One chain run, ``RunnableEach<name>``; each item is a child run of ``bound``, run
as a batch (threads in sync modes, tasks in async ones, bounded by
``max_concurrency``). The run waits for every item; when items fail it fails
with the first failing item's exception in input order (SPEC.md §8).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, final

from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, run

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableEach"]


def _items(inputs: Any) -> Any:
    """The input as the run's start carries it: a list or tuple as given (langchain_core's
    handlers see a tuple as a tuple), any other iterable read into a list."""
    if isinstance(inputs, (str, bytes, dict)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"RunnableEach (runnable.map()) takes a list of inputs, got {type(inputs).__name__}"
        )
    return inputs if isinstance(inputs, (list, tuple)) else list(inputs)


@final
class RunnableEach(Runnable[list[Any], list[Any]]):
    """``RunnableEach(bound=runnable)``: a list of inputs to the list of outputs."""

    __slots__ = ("bound",)

    def __init__(self, *, bound: Runnable[Any, Any], name: str | None = None) -> None:
        if not isinstance(bound, Runnable):
            raise TypeError(f"RunnableEach.bound must be a Runnable, got {bound!r}")
        self.bound = bound
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        return f"RunnableEach<{self.bound.get_name()}>"

    @property
    def InputType(self) -> Any:
        """A list of what its runnable takes."""
        return list[self.bound.InputType]  # type: ignore[name-defined]

    @property
    def OutputType(self) -> Any:
        """A list of what its runnable gives."""
        return list[self.bound.OutputType]  # type: ignore[name-defined]

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """Its runnable's ``configurable`` keys."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([self.bound])

    def __repr__(self) -> str:
        return f"RunnableEach(bound={self.bound!r})"

    def invoke(
        self, input: list[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Any]:
        return run(self, self._body, _items(input), config)

    def _body(self, inputs: Sequence[Any], frame: RunFrame) -> list[Any]:
        return self.bound.batch(list(inputs), frame.child_config)

    async def ainvoke(
        self, input: list[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> list[Any]:
        return await arun(self, self._abody, _items(input), config)

    async def _abody(self, inputs: Sequence[Any], frame: RunFrame) -> list[Any]:
        return await self.bound.abatch(list(inputs), frame.child_config)

    def with_listeners(self, *, on_start: Callable[..., None] | None = None,
                       on_end: Callable[..., None] | None = None,
                       on_error: Callable[..., None] | None = None) -> RunnableEach:
        """Listeners for each item's run (langchain_core binds them to ``bound``)."""
        return RunnableEach(bound=self.bound.with_listeners(
            on_start=on_start, on_end=on_end, on_error=on_error))

    def with_alisteners(self, *, on_start: Callable[..., Awaitable[None]] | None = None,
                        on_end: Callable[..., Awaitable[None]] | None = None,
                        on_error: Callable[..., Awaitable[None]] | None = None
                        ) -> RunnableEach:
        """Async listeners for each item's run, as ``with_listeners``."""
        return RunnableEach(bound=self.bound.with_alisteners(
            on_start=on_start, on_end=on_end, on_error=on_error))
