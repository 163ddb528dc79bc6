"""``RunnableBinding``: what ``with_config`` returns. Transparent: it starts no run (R6)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, final

from reference.runnables._base import Runnable
from reference.runnables._config import (
    RunnableConfig,
    merge_configs,
    resolve_config,
    validate_config,
)

__all__ = ["RunnableBinding"]


@final
class RunnableBinding(Runnable[Any, Any]):
    """Invoke ``bound`` with ``config`` merged under each call's config.

    Bound callbacks, tags and metadata add to the caller's and are inherited
    by everything ``bound`` runs (R2, R4); a bound ``run_name`` names
    ``bound``'s run.
    """

    __slots__ = ("bound", "config", "kwargs")

    def __init__(
        self,
        *,
        bound: Runnable[Any, Any],
        config: RunnableConfig | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(bound, Runnable):
            raise TypeError(f"RunnableBinding.bound must be a Runnable, got {bound!r}")
        if config is not None:
            validate_config(config, "RunnableBinding(config)")
        self.bound = bound
        self.config: RunnableConfig = config or {}
        self.kwargs = kwargs or {}

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name or self.config.get("run_name"))

    def __repr__(self) -> str:
        return f"RunnableBinding(bound={self.bound!r}, config={self.config!r})"

    def _merged(self, config: RunnableConfig | None) -> RunnableConfig:
        resolved, _ = resolve_config(config)
        return merge_configs(self.config, resolved)

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> RunnableBinding:
        """Add more bound configuration; the earlier binding's handlers are kept (R4)."""
        if config is not None:
            validate_config(config, "with_config(config)")
        validate_config(kwargs, "with_config(**kwargs)")
        return RunnableBinding(
            bound=self.bound,
            config=merge_configs(self.config, config, kwargs),  # type: ignore[arg-type]
            kwargs=self.kwargs,
        )

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self.bound.invoke(input, self._merged(config), **{**self.kwargs, **kwargs})

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await self.bound.ainvoke(input, self._merged(config), **{**self.kwargs, **kwargs})

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        # Items are invoked through self, so each one gets the bound config merged in.
        return Runnable.batch(self, inputs, config, return_exceptions=return_exceptions, **kwargs)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self.bound.stream(input, self._merged(config), **{**self.kwargs, **kwargs})

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async for chunk in self.bound.astream(
            input, self._merged(config), **{**self.kwargs, **kwargs}
        ):
            yield chunk

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self.bound.transform(input, self._merged(config), **{**self.kwargs, **kwargs})

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        async for chunk in self.bound.atransform(
            input, self._merged(config), **{**self.kwargs, **kwargs}
        ):
            yield chunk
