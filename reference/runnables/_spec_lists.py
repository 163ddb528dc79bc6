"""Which ``configurable`` keys a runnable reads: its ``config_specs``, as langchain_core lists them.

A composed runnable lists its parts' specs once each, sorted by id; two parts that
read one key differently make the list fail (``ValueError``), as langchain_core's
``get_unique_config_specs`` does. The configurable wrappers describe their own keys:
a field's annotation and current value, an option's or alternative's choices as a
``str`` enum (one class per field description, made once, so specs compare equal).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby
from typing import TYPE_CHECKING, Any, cast

from reference.runnables._configurable_specs import (
    AnyConfigurableField,
    ConfigurableField,
    ConfigurableFieldMultiOption,
    ConfigurableFieldSpec,
)
from reference.runnables._configured import field_annotation

if TYPE_CHECKING:
    from reference.runnables._base import Runnable

__all__ = ["alternative_specs", "field_specs", "specs_of", "unique_specs"]


def unique_specs(specs: Iterable[ConfigurableFieldSpec]) -> list[ConfigurableFieldSpec]:
    """``specs`` sorted by id (then dependencies), equal repeats once; ValueError when two
    specs of one id differ."""
    ordered = sorted(specs, key=lambda s: (s.id, *(s.dependencies or [])))
    out: list[ConfigurableFieldSpec] = []
    for spec_id, group in groupby(ordered, key=lambda s: s.id):
        first, *others = group
        if any(other != first for other in others):
            raise ValueError(f"conflicting config specs for {spec_id!r}: the parts read it "
                             f"differently ({[first, *others]})")
        out.append(first)
    return out


def specs_of(parts: Iterable[Runnable[Any, Any]]) -> list[ConfigurableFieldSpec]:
    """The specs of a runnable made of ``parts``: all of theirs, once each."""
    return unique_specs(spec for part in parts for spec in part.config_specs)


_enums: dict[Any, type[enum.Enum]] = {}
_enums_lock = threading.Lock()


def _choices(key: Any, name: str, values: Sequence[str]) -> type[enum.Enum]:
    """A ``str`` enum named ``name`` of ``values``, one per ``key`` (so specs compare equal)."""
    with _enums_lock:
        made = _enums.get(key)
        if made is None:
            members = [(v, v) for v in values]
            made = _enums[key] = cast("type[enum.Enum]", enum.Enum(
                name, members, type=str, module=f"{__package__}.configurable"))
        return made


def _prefixed(spec: ConfigurableFieldSpec, prefix: str) -> ConfigurableFieldSpec:
    return spec if spec.is_shared else spec._replace(id=f"{prefix}/{spec.id}")


def field_specs(default: Runnable[Any, Any], fields: Mapping[str, AnyConfigurableField]
                ) -> list[ConfigurableFieldSpec]:
    """The keys ``default.configurable_fields(**fields)`` reads, and ``default``'s own."""
    specs: list[ConfigurableFieldSpec] = []
    for field, spec in fields.items():
        if isinstance(spec, ConfigurableField):
            specs.append(ConfigurableFieldSpec(
                id=spec.id, name=spec.name, description=spec.description,
                annotation=spec.annotation or field_annotation(type(default), field),
                default=getattr(default, field, None), is_shared=spec.is_shared))
            continue
        choices = _choices(spec, spec.name or spec.id, list(spec.options))
        annotation: Any = Sequence[choices] if isinstance(  # type: ignore[valid-type]
            spec, ConfigurableFieldMultiOption) else choices
        specs.append(ConfigurableFieldSpec(
            id=spec.id, name=spec.name, description=spec.description, annotation=annotation,
            default=spec.default, is_shared=spec.is_shared))
    return unique_specs([*specs, *default.config_specs])


def alternative_specs(which: ConfigurableField, default: Runnable[Any, Any], default_key: str,
                      alternatives: Mapping[str, Any], prefix_keys: bool
                      ) -> list[ConfigurableFieldSpec]:
    """The key choosing among ``alternatives`` (and ``default``), and the keys they read
    (written ``"{which.id}=={key}/{id}"`` with ``prefix_keys``); an alternative given as a
    function making a runnable reads none that can be listed before it is made."""
    from reference.runnables._base import Runnable

    choices = _choices(which, which.name or which.id, [*alternatives, default_key])
    specs = [ConfigurableFieldSpec(
        id=which.id, name=which.name, description=which.description, annotation=choices,
        default=default_key, is_shared=which.is_shared)]
    parts = [(default_key, default)] + [
        (key, alt) for key, alt in alternatives.items() if isinstance(alt, Runnable)]
    for key, part in parts:
        for spec in part.config_specs:
            specs.append(_prefixed(spec, f"{which.id}=={key}") if prefix_keys else spec)
    return unique_specs(specs)
