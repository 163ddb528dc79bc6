"""``RunnableBinding``: what ``with_config`` returns. Transparent: it starts no run (R6)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, cast, final

from reference.runnables._base import Runnable
from reference.runnables._config import (
    RunnableConfig,
    combine_configs,
    per_item_configs,
    resolve_config,
    validate_config,
)
from reference.runnables._frame import current_run
from reference.runnables._listeners import listeners_factory

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec
    from reference.tracers.root_listeners import Listener
from reference.runnables._streams import aclosing_stream

__all__ = ["RunnableBinding"]


@final
class RunnableBinding(Runnable[Any, Any]):
    """Invoke ``bound`` with ``config`` merged under each call's config.

    Bound callbacks, tags and metadata add to the caller's and are inherited
    by everything ``bound`` runs (R2, R4); a bound ``run_name`` names
    ``bound``'s run. A bound ``run_id`` identifies ``bound``'s run only when the
    binding is invoked as the root of an invocation (in a batch: the first
    input's); inside another run it is ignored, so a binding used twice in
    one tree never gives two runs the same id (SPEC.md §6).
    """

    __slots__ = ("bound", "config", "config_factories", "custom_input_type",
                 "custom_output_type", "kwargs")

    def __init__(
        self,
        *,
        bound: Runnable[Any, Any],
        config: RunnableConfig | None = None,
        kwargs: dict[str, Any] | None = None,
        config_factories: list[Callable[[RunnableConfig], RunnableConfig]] | None = None,
        custom_input_type: Any = None,
        custom_output_type: Any = None,
    ) -> None:
        if not isinstance(bound, Runnable):
            raise TypeError(f"RunnableBinding.bound must be a Runnable, got {bound!r}")
        if config is not None:
            validate_config(config, "RunnableBinding(config)")
        self.bound = bound
        self.config: RunnableConfig = config or {}
        self.kwargs = kwargs or {}
        #: Each call's merged config is merged with what these make of it (``with_listeners``
        #: adds a listener tracer per call this way).
        self.config_factories = config_factories or []
        #: ``with_types``'s types: no effect on runs (``as_tool`` reads the input type).
        self.custom_input_type = custom_input_type
        self.custom_output_type = custom_output_type

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        # The bound runnable's name, as langchain_core's: a bound ``run_name`` names runs only.
        return self.bound.get_name(suffix, name=name)

    @property
    def InputType(self) -> Any:
        """``with_types``' input type, else the bound runnable's."""
        return self.bound.InputType if self.custom_input_type is None else self.custom_input_type

    @property
    def OutputType(self) -> Any:
        """``with_types``' output type, else the bound runnable's."""
        return self.bound.OutputType if self.custom_output_type is None else self.custom_output_type

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The bound runnable's ``configurable`` keys (also those a bound value sets)."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([self.bound])

    def __repr__(self) -> str:
        return f"RunnableBinding(bound={self.bound!r}, config={self.config!r})"

    def _merged(self, config: RunnableConfig | None) -> RunnableConfig:
        resolved, trusted = resolve_config(config)
        bound = self.config
        if bound.get("run_id") is not None and (trusted or current_run.get() is not None):
            bound = cast(RunnableConfig, {k: v for k, v in bound.items() if k != "run_id"})
        merged = combine_configs(bound, resolved)
        for factory in self.config_factories:
            merged = combine_configs(merged, factory(merged))
        tags = merged.get("tags")
        if tags:  # a binding hands its bound runnable the tags sorted, as langchain_core's does
            merged["tags"] = sorted(set(tags))
        return merged

    def _for_batch(
        self, config: RunnableConfig | list[RunnableConfig] | None, n: int
    ) -> tuple[RunnableBinding, RunnableConfig | list[RunnableConfig] | None]:
        """(binding, config) for a batch: a bound ``run_id`` goes to the first input only."""
        run_id = self.config.get("run_id")
        if run_id is None:
            return self, config
        rest = cast(RunnableConfig, {k: v for k, v in self.config.items() if k != "run_id"})
        plain = RunnableBinding(bound=self.bound, config=rest, kwargs=self.kwargs,
                                config_factories=self.config_factories)
        if current_run.get() is not None or not n:
            return plain, config
        configs = per_item_configs(config, n)
        first = configs[0] or {}
        if first.get("run_id") is None:
            configs[0] = cast(RunnableConfig, {**first, "run_id": run_id})
        return plain, cast(list[RunnableConfig], configs)

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> RunnableBinding:
        """Add more bound configuration; the earlier binding's handlers are kept (R4)."""
        if config is not None:
            validate_config(config, "with_config(config)")
        validate_config(kwargs, "with_config(**kwargs)")
        return RunnableBinding(
            bound=self.bound,
            config=combine_configs(self.config, config, kwargs),  # type: ignore[arg-type]
            kwargs=self.kwargs,
            config_factories=self.config_factories,
            custom_input_type=self.custom_input_type,
            custom_output_type=self.custom_output_type,
        )

    def bind(self, **kwargs: Any) -> RunnableBinding:
        """This binding with more keyword arguments (later ones win); the config is kept."""
        return RunnableBinding(bound=self.bound, config=self.config,
                               kwargs={**self.kwargs, **kwargs},
                               config_factories=self.config_factories,
                               custom_input_type=self.custom_input_type,
                               custom_output_type=self.custom_output_type)

    def with_types(self, *, input_type: Any = None, output_type: Any = None) -> RunnableBinding:
        """This binding with the types given replaced (they shape no run)."""
        return RunnableBinding(
            bound=self.bound, config=self.config, kwargs=self.kwargs,
            config_factories=self.config_factories,
            custom_input_type=self.custom_input_type if input_type is None else input_type,
            custom_output_type=self.custom_output_type if output_type is None else output_type)

    def with_listeners(self, *, on_start: Listener | None = None, on_end: Listener | None = None,
                       on_error: Listener | None = None) -> RunnableBinding:
        """This binding with one more listener tracer per call (see ``Runnable.with_listeners``)."""
        return RunnableBinding(
            bound=self.bound, config=self.config, kwargs=self.kwargs,
            config_factories=[listeners_factory(on_start, on_end, on_error),
                              *self.config_factories])

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
        target, config = self._for_batch(config, len(inputs))
        return Runnable.batch(
            target, inputs, config, return_exceptions=return_exceptions, **kwargs
        )

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        target, config = self._for_batch(config, len(inputs))
        return await Runnable.abatch(
            target, inputs, config, return_exceptions=return_exceptions, **kwargs
        )

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self.bound.stream(input, self._merged(config), **{**self.kwargs, **kwargs})

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        stream = self.bound.astream(input, self._merged(config), **{**self.kwargs, **kwargs})
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        yield from self.bound.transform(input, self._merged(config), **{**self.kwargs, **kwargs})

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        stream = self.bound.atransform(input, self._merged(config), **{**self.kwargs, **kwargs})
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk
