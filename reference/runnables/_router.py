"""``RouterRunnable``: ``{"key": k, "input": x}`` runs ``runnables[k]`` on ``x``.

The router opens no run of its own, as langchain_core's: the chosen runnable's run
takes its place in the tree (a sequence's child when the router is a step). An unknown
key is a ValueError raised before any run starts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypedDict

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._serializable import RunnableSerializable

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RouterInput", "RouterRunnable"]


class RouterInput(TypedDict):
    """The router's input: which runnable (``key``) and what it gets (``input``)."""

    key: str
    input: Any


class RouterRunnable(RunnableSerializable[RouterInput, Any]):
    """Routes each input to the runnable named by its ``key`` (functions are coerced)."""

    def __init__(self, runnables: Mapping[str, Any]) -> None:
        self.runnables: dict[str, Runnable[Any, Any]] = {
            k: coerce_to_runnable(r) for k, r in runnables.items()}
        self._init_scope(None, None, None, None)

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The ``configurable`` keys of the runnables it routes to."""
        from reference.runnables._spec_lists import specs_of

        return specs_of(self.runnables.values())

    def _route(self, input: RouterInput) -> tuple[Runnable[Any, Any], Any]:
        key = input["key"]
        if key not in self.runnables:
            raise ValueError(f"No runnable associated with key '{key}'")
        return self.runnables[key], input["input"]

    def _check_keys(self, inputs: list[RouterInput]) -> None:
        if any(x["key"] not in self.runnables for x in inputs):
            raise ValueError("One or more keys do not have a corresponding runnable")

    def invoke(self, input: RouterInput, config: RunnableConfig | None = None,
               **kwargs: Any) -> Any:
        runnable, x = self._route(input)
        return runnable.invoke(x, config)

    async def ainvoke(self, input: RouterInput, config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        runnable, x = self._route(input)
        return await runnable.ainvoke(x, config)

    def batch(self, inputs: list[RouterInput],
              config: RunnableConfig | list[RunnableConfig] | None = None, *,
              return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
        self._check_keys(inputs)
        return super().batch(inputs, config, return_exceptions=return_exceptions)

    async def abatch(self, inputs: list[RouterInput],
                     config: RunnableConfig | list[RunnableConfig] | None = None, *,
                     return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
        self._check_keys(inputs)
        return await super().abatch(inputs, config, return_exceptions=return_exceptions)

    def stream(self, input: RouterInput, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Any]:
        runnable, x = self._route(input)
        yield from runnable.stream(x, config)

    async def astream(self, input: RouterInput, config: RunnableConfig | None = None,
                      **kwargs: Any) -> AsyncIterator[Any]:
        runnable, x = self._route(input)
        async for chunk in runnable.astream(x, config):
            yield chunk
