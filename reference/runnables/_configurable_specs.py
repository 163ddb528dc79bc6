"""What ``configurable_fields`` takes: which field a ``configurable`` key sets, and how.

Plain named tuples, as langchain_core's (so they compare, hash and unpack the same):
``ConfigurableField`` takes the key's value as the field's, the two option kinds map
the key's value (one option name, or a list of them) through ``options``.
``ConfigurableFieldSpec`` is the description of one such key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

__all__ = [
    "AnyConfigurableField",
    "ConfigurableField",
    "ConfigurableFieldMultiOption",
    "ConfigurableFieldSingleOption",
    "ConfigurableFieldSpec",
]


class ConfigurableField(NamedTuple):
    """The ``configurable[id]`` value, when given, replaces the field's value."""

    id: str
    name: str | None = None
    description: str | None = None
    annotation: Any | None = None
    is_shared: bool = False

    def __hash__(self) -> int:
        return hash((self.id, self.annotation))


class ConfigurableFieldSingleOption(NamedTuple):
    """The field takes ``options[configurable[id]]`` (``options[default]`` when not given)."""

    id: str
    options: Mapping[str, Any]
    default: str
    name: str | None = None
    description: str | None = None
    is_shared: bool = False

    def __hash__(self) -> int:
        return hash((self.id, tuple(self.options), self.default))


class ConfigurableFieldMultiOption(NamedTuple):
    """The field takes ``[options[k] for k in configurable[id]]`` (``default``'s keys if not
    given)."""

    id: str
    options: Mapping[str, Any]
    default: Sequence[str]
    name: str | None = None
    description: str | None = None
    is_shared: bool = False

    def __hash__(self) -> int:
        return hash((self.id, tuple(self.options), tuple(self.default)))


AnyConfigurableField = ConfigurableField | ConfigurableFieldSingleOption | \
    ConfigurableFieldMultiOption


class ConfigurableFieldSpec(NamedTuple):
    """One ``configurable`` key a runnable reads: its id, type and default."""

    id: str
    annotation: Any
    name: str | None = None
    description: str | None = None
    default: Any = None
    is_shared: bool = False
    dependencies: list[str] | None = None
