"""``RunnableSerializable``: the base class custom runnables written for langchain_core subclass.

langchain_core's is a pydantic model, so subclasses declare fields as class
annotations and are built with keyword arguments (``MyStep(prefix="x")``).
This base gives the same constructor without pydantic: every annotated public
field is a keyword argument; a field with a class-level default may be left
out (a mutable default is copied per instance), one without may not.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from reference.runnables._base import Runnable

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import AnyConfigurableField

__all__ = ["RunnableSerializable"]

Input = TypeVar("Input")
Output = TypeVar("Output")

_MISSING: Any = object()


def _field_names(cls: type) -> list[str]:
    """Public annotated attributes of ``cls`` and its bases (ClassVars and properties out)."""
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for name, ann in vars(klass).get("__annotations__", {}).items():
            if name.startswith("_") or name in names or "ClassVar" in str(ann):
                continue
            if isinstance(getattr(cls, name, None), property):
                continue
            names.append(name)
    return names


class RunnableSerializable(Runnable[Input, Output]):
    """A runnable whose annotated fields are its constructor's keyword arguments.

    ``name`` is accepted as well (the runs' name, else the class name), and
    models take ``callbacks``, ``tags`` and ``metadata`` (constructor scope, R3).
    Subclasses implement ``invoke`` (and ``ainvoke`` if they need it), usually
    around ``self._call_with_config(func, input, config)`` so they get a run of
    their own.
    """

    _field_cache: ClassVar[dict[type, list[str]]] = {}
    #: Whether ``callbacks``, ``tags`` and ``metadata`` are constructor options too (models).
    _constructor_scope: ClassVar[bool] = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args:
            raise TypeError(
                f"{type(self).__name__}() takes keyword arguments only (its fields), got "
                f"{len(args)} positional"
            )
        cls = type(self)
        fields = self._field_cache.get(cls)
        if fields is None:
            fields = self._field_cache[cls] = _field_names(cls)
        name = kwargs.pop("name", None)
        if "verbose" not in fields:
            # langchain_core's prompts and parsers take verbose= and ignore it.
            kwargs.pop("verbose", None)
        scope = [kwargs.pop(k, None) if self._constructor_scope else None
                 for k in ("callbacks", "tags", "metadata")]
        unknown = sorted(k for k in kwargs if k not in fields)
        if unknown:
            raise TypeError(
                f"{cls.__name__}() got unknown field(s) {unknown}; its fields are {fields}"
            )
        missing = []
        for field in fields:
            if field in kwargs:
                value = kwargs[field]
            else:
                value = getattr(cls, field, _MISSING)
                if value is _MISSING:
                    missing.append(field)
                    continue
                value = copy.copy(value) if isinstance(value, (list, dict, set)) else value
            setattr(self, field, value)
        if missing:
            raise TypeError(f"{cls.__name__}() is missing required field(s) {missing}")
        self._init_scope(name, *scope)

    def _reconfigured(self, changed: frozenset[str]) -> None:
        """Called on a configured copy (``configurable_fields``) with the fields it was given:
        re-derive what depends on them (a prompt's variables on its template)."""

    def configurable_fields(
        self, **fields: AnyConfigurableField
    ) -> RunnableSerializable[Input, Output]:
        """This runnable with the named fields set per call from ``config["configurable"]``
        (``ConfigurableField(id=...)``: the value under that id; the option kinds: by name).
        The wrapper starts no run: each call runs a configured copy (this object unchanged)."""
        from reference.runnables._configurable import RunnableConfigurableFields, check_fields

        check_fields(self, fields)
        return RunnableConfigurableFields(default=self, fields=fields)
