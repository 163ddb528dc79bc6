"""Runnables configured per call: ``configurable_fields`` and ``configurable_alternatives``.

Like langchain_core's, the wrapper is transparent: it starts no run (R6). Each
call reads ``config["configurable"]`` (the enclosing run's, when called without
a config inside one), picks the runnable to run - a copy of the default with the
configured field values, or the chosen alternative - and calls it with the same
config, so handlers see that runnable's run where the wrapper stands. Unknown
``configurable`` keys are ignored. ``with_config`` keeps the wrapper, with the
config merged under each call's.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterator
from functools import wraps
from typing import Any, cast

from reference.runnables._base import Runnable
from reference.runnables._config import (
    RunnableConfig,
    combine_configs,
    per_item_configs,
    resolve_config,
    validate_config,
)
from reference.runnables._configurable_specs import (
    AnyConfigurableField,
    ConfigurableField,
    ConfigurableFieldMultiOption,
    ConfigurableFieldSingleOption,
    ConfigurableFieldSpec,
)
from reference.runnables._configured import configurable_names, with_field_values
from reference.runnables._serializable import RunnableSerializable
from reference.runnables._spec_lists import alternative_specs, field_specs

__all__ = ["DynamicRunnable", "RunnableConfigurableAlternatives", "RunnableConfigurableFields"]

Prepared = tuple[Runnable[Any, Any], "RunnableConfig | None"]


class DynamicRunnable(RunnableSerializable[Any, Any]):
    """What the two configurable wrappers share: per call, ``prepare`` then delegate."""

    default: RunnableSerializable[Any, Any]
    config: RunnableConfig | None = None

    @property
    def InputType(self) -> Any:
        """What the default takes (the alternatives should agree)."""
        return self.default.InputType

    @property
    def OutputType(self) -> Any:
        """What the default gives."""
        return self.default.OutputType

    def _prepare(self, configurable: dict[str, Any]) -> Runnable[Any, Any]:
        raise NotImplementedError

    def _remap(self, configurable: dict[str, Any]) -> dict[str, Any] | None:
        """The ``configurable`` the chosen runnable gets, if not the same (``prefix_keys``)."""
        return None

    def prepare(self, config: RunnableConfig | None = None) -> Prepared:
        """The runnable a call with ``config`` runs, and the config to run it with.

        Without configs bound by ``with_config`` the caller's config is passed on
        as it is (the engine's own child config stays its fast, trusted path).
        """
        runnable: Runnable[Any, Any] = self
        while isinstance(runnable, DynamicRunnable):
            if runnable.config:
                config = combine_configs(runnable.config, config)
            resolved, _ = resolve_config(config)
            configurable = dict(resolved.get("configurable") or {})
            remapped = runnable._remap(configurable)
            if remapped is not None:
                config = cast(RunnableConfig, {**resolved, "configurable": remapped})
                configurable = remapped
            runnable = runnable._prepare(configurable)
        return runnable, config

    def with_config(  # type: ignore[override]  # a wrapper, not a binding, as langchain_core
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> DynamicRunnable:
        """This wrapper with ``config`` (and keyword keys) merged under each call's config."""
        if config is not None:
            validate_config(config, "with_config(config)")
        validate_config(kwargs, "with_config(**kwargs)")
        new = copy.copy(self)
        new.config = combine_configs(self.config, config, cast(RunnableConfig, kwargs))
        return new

    def __getattr__(self, name: str) -> Any:
        """Other attributes are the default's; a method called with a config that has
        ``configurable`` (or on a wrapper with a bound config) runs on the prepared one."""
        default = self.__dict__.get("default")
        if default is None or name.startswith("__"):
            raise AttributeError(name)
        attr = getattr(default, name)
        if not callable(attr):
            return attr

        @wraps(attr)
        def on_prepared(*args: Any, **kwargs: Any) -> Any:
            given = kwargs.get("config")
            if _has_configurable(given):
                runnable, config = self.prepare(given)
                return getattr(runnable, name)(*args, **{**kwargs, "config": config})
            for i, arg in enumerate(args):
                if _has_configurable(arg):
                    runnable, config = self.prepare(arg)
                    return getattr(runnable, name)(*args[:i], config, *args[i + 1:], **kwargs)
            if self.config:
                return getattr(self.prepare()[0], name)(*args, **kwargs)
            return attr(*args, **kwargs)

        return on_prepared

    # -- the modes: each delegates to the prepared runnable --------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        runnable, config = self.prepare(config)
        return runnable.invoke(input, config, **kwargs)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        runnable, config = self.prepare(config)
        return await runnable.ainvoke(input, config, **kwargs)

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        """The default's own ``batch`` when no item is configured, else each item's prepared
        runnable invoked concurrently (``Runnable.batch`` through ``invoke``, as langchain_core
        does). Every item is prepared first, so a bad key fails before any run starts."""
        if not inputs:
            return []
        prepared = [self.prepare(c) for c in per_item_configs(config, len(inputs))]
        if all(r is self.default for r, _ in prepared):
            return self.default.batch(inputs, cast(list[RunnableConfig], [c for _, c in prepared]),
                                      return_exceptions=return_exceptions, **kwargs)
        return Runnable.batch(self, inputs, config, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Any]:
        if not inputs:
            return []
        prepared = [self.prepare(c) for c in per_item_configs(config, len(inputs))]
        if all(r is self.default for r, _ in prepared):
            return await self.default.abatch(
                inputs, cast(list[RunnableConfig], [c for _, c in prepared]),
                return_exceptions=return_exceptions, **kwargs)
        return await Runnable.abatch(self, inputs, config, return_exceptions=return_exceptions,
                                     **kwargs)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        runnable, config = self.prepare(config)
        return runnable.stream(input, config, **kwargs)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        runnable, config = self.prepare(config)
        async for chunk in runnable.astream(input, config, **kwargs):
            yield chunk

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        runnable, config = self.prepare(config)
        return runnable.transform(input, config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        runnable, config = self.prepare(config)
        async for chunk in runnable.atransform(input, config, **kwargs):
            yield chunk


def _has_configurable(arg: Any) -> bool:
    return isinstance(arg, dict) and isinstance(arg.get("configurable"), dict)


class RunnableConfigurableFields(DynamicRunnable):
    """``default`` with some fields set per call from ``configurable`` (``fields``: field name
    to the ``ConfigurableField`` or option that sets it)."""

    fields: dict[str, AnyConfigurableField]

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """A key per configurable field (its annotation, its current value as the default),
        and the default's own keys."""
        return field_specs(self.default, self.fields)

    def configurable_fields(self, **fields: AnyConfigurableField) -> RunnableSerializable[Any, Any]:
        return self.default.configurable_fields(**{**self.fields, **fields})

    def _prepare(self, configurable: dict[str, Any]) -> Runnable[Any, Any]:
        values: dict[str, Any] = {}
        for field, spec in self.fields.items():
            if isinstance(spec, ConfigurableField):
                if spec.id in configurable:
                    values[field] = configurable[spec.id]
            elif isinstance(spec, ConfigurableFieldSingleOption):
                values[field] = spec.options[configurable.get(spec.id) or spec.default]
            else:
                values[field] = [spec.options[k] for k in configurable.get(spec.id, spec.default)]
        return with_field_values(self.default, values) if values else self.default


class RunnableConfigurableAlternatives(DynamicRunnable):
    """``default`` or one of ``alternatives`` (a runnable, or a function making one), chosen
    per call by ``configurable[which.id]`` (``default_key`` names the default)."""

    which: ConfigurableField
    alternatives: dict[str, Runnable[Any, Any] | Callable[[], Runnable[Any, Any]]]
    default_key: str = "default"
    #: Whether ``configurable`` keys meant for an alternative are written
    #: ``"{which.id}=={key}/{name}"`` (the prefix is removed before the alternative reads them).
    prefix_keys: bool

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The key choosing the alternative, and the keys the default and the alternatives
        read."""
        return alternative_specs(self.which, self.default, self.default_key, self.alternatives,
                                 self.prefix_keys)

    def configurable_fields(self, **fields: AnyConfigurableField) -> RunnableSerializable[Any, Any]:
        return RunnableConfigurableAlternatives(
            which=self.which, default=self.default.configurable_fields(**fields),
            alternatives=self.alternatives, default_key=self.default_key,
            prefix_keys=self.prefix_keys)

    def _key(self, configurable: dict[str, Any]) -> Any:
        return configurable.get(self.which.id, self.default_key)

    def _remap(self, configurable: dict[str, Any]) -> dict[str, Any] | None:
        if not self.prefix_keys:
            return None
        prefix = f"{self.which.id}=={self._key(configurable)}/"
        return {k.removeprefix(prefix): v for k, v in configurable.items()}

    def _prepare(self, configurable: dict[str, Any]) -> Runnable[Any, Any]:
        key = self._key(configurable)
        if key == self.default_key:
            return self.default
        if key in self.alternatives:
            alt = self.alternatives[key]
            return alt if isinstance(alt, Runnable) else alt()
        raise ValueError(f"Unknown alternative: {key!r} (the alternatives of "
                         f"{self.which.id!r} are {[self.default_key, *self.alternatives]})")


def check_fields(obj: RunnableSerializable[Any, Any], fields: dict[str, Any]) -> None:
    """ValueError for a field name the object does not have (as langchain_core)."""
    names = configurable_names(obj)
    for key, spec in fields.items():
        if key not in names:
            raise ValueError(
                f"Configuration key {key} not found in {obj!r}: available keys are {names}")
        if not isinstance(spec, (ConfigurableField, ConfigurableFieldSingleOption,
                                 ConfigurableFieldMultiOption)):
            raise TypeError(f"configurable_fields({key}=...) takes a ConfigurableField, "
                            f"ConfigurableFieldSingleOption or ConfigurableFieldMultiOption, "
                            f"got {type(spec).__name__}")
