"""A copy of a component with other values for some fields: what a configured runnable runs.

langchain_core builds a new pydantic object from the original's fields and the
configured values, so the values are validated and the original is never
changed. The reference's components keep their fields as plain attributes:
the copy is a shallow copy with the values set (after checking them against
the field's annotation, or the current value's type when there is none), then
told which fields changed so it can re-derive what depends on them
(``RunnableSerializable._reconfigured``). Each call configures its own copy, so
concurrent calls with different values never see each other's (R12).
"""

from __future__ import annotations

import copy
import sys
import types
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, Union, get_args, get_origin

from reference.runnables._base import make_local

if TYPE_CHECKING:
    from reference.runnables._serializable import RunnableSerializable

__all__ = ["configurable_names", "field_annotation", "with_field_values"]

#: The constructor-scope options, settable on components that take them (models, prompts).
_SCOPE: tuple[str, ...] = ("callbacks", "tags", "metadata")


def configurable_names(obj: RunnableSerializable[Any, Any]) -> list[str]:
    """The fields ``configurable_fields`` may name: annotated fields, public attributes,
    ``name``, and the constructor-scope options where the class takes them."""
    from reference.runnables._serializable import _field_names

    names = list(_field_names(type(obj)))
    names += [k for k in vars(obj) if not k.startswith("_") and k not in names]
    extra = ["name", *(_SCOPE if obj._constructor_scope else ())]
    return names + [k for k in extra if k not in names]


def with_field_values(
    obj: RunnableSerializable[Any, Any], values: Mapping[str, Any]
) -> RunnableSerializable[Any, Any]:
    """A shallow copy of ``obj`` with ``values`` for its fields; ``obj`` is left unchanged.

    Raises ValueError, as pydantic's validation error is one, for a value of the wrong type.
    """
    checked = {k: check_value(obj, k, v) for k, v in values.items()}
    new = copy.copy(obj)
    scope = {k: checked.pop(k) for k in _SCOPE if k in checked}
    for key, value in checked.items():
        setattr(new, key, value)  # ``name`` goes through its setter (resets the cached name)
    if scope:
        current = {"callbacks": obj.callbacks, "tags": obj.tags, "metadata": obj.metadata}
        new._local = make_local(**{**current, **scope})
    new._reconfigured(frozenset(values))
    return new


def check_value(obj: Any, field: str, value: Any) -> Any:
    """``value`` as the field takes it (an int for a float field becomes a float, a numeric
    str a number, as pydantic's lax mode does), or ValueError."""
    annotation = _annotation(type(obj), field)
    if annotation is _UNKNOWN:
        current = getattr(obj, field, None)
        if current is None:
            return value
        annotation = type(current)
    try:
        return _conform(value, annotation)
    except _Mismatch:
        raise ValueError(
            f"{type(obj).__name__}.{field} expects {_show(annotation)}, got "
            f"{type(value).__name__} {value!r}"
        ) from None


class _Mismatch(Exception):
    pass


_UNKNOWN: Any = object()
_MISSING: Any = object()


#: class -> field -> evaluated annotation: evaluated once, not on every configured call.
_ANNOTATIONS: weakref.WeakKeyDictionary[type, dict[str, Any]] = weakref.WeakKeyDictionary()


def field_annotation(cls: type, field: str) -> Any:
    """The field's annotation, ``Any`` when it has none (a configurable field's spec shows it)."""
    ann = _annotation(cls, field)
    return Any if ann is _UNKNOWN else ann


def _annotation(cls: type, field: str) -> Any:
    """The field's annotation (cached), ``_UNKNOWN`` if none or not evaluable."""
    per_class = _ANNOTATIONS.get(cls)
    if per_class is None:
        per_class = _ANNOTATIONS[cls] = {}
    ann = per_class.get(field, _MISSING)
    if ann is _MISSING:
        ann = per_class[field] = _evaluate_annotation(cls, field)
    return ann


def _evaluate_annotation(cls: type, field: str) -> Any:
    """The field's annotation, evaluated in its class's module; ``_UNKNOWN`` if none (or it
    cannot be evaluated: a name only imported for type checking)."""
    if field == "name":
        return str | None
    if field == "tags":
        return list[str] | None
    if field == "metadata":
        return dict[str, Any] | None
    if field == "callbacks":
        return Any
    for klass in cls.__mro__:
        ann = vars(klass).get("__annotations__", {}).get(field)
        if ann is None:
            continue
        if isinstance(ann, str):
            module = sys.modules.get(klass.__module__)
            try:
                ann = eval(ann, vars(module) if module else {})
            except Exception:
                return _UNKNOWN
        return ann
    return _UNKNOWN


def _conform(value: Any, tp: Any) -> Any:
    if tp is Any or tp is object:
        return value
    if tp is None or tp is type(None):
        if value is None:
            return None
        raise _Mismatch
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Union or origin is types.UnionType:
        for arg in sorted(args, key=lambda a: not _exact(value, a)):
            try:
                return _conform(value, arg)
            except _Mismatch:
                continue
        raise _Mismatch
    if origin is Literal:
        if value in args:
            return value
        raise _Mismatch
    if tp is float:
        return _number(value, float)
    if tp is int:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return _number(value, int)
    if origin is not None:
        if isinstance(origin, type) and not isinstance(value, origin):
            raise _Mismatch
        if origin in (list, set, frozenset) and args:
            return origin(_conform(v, args[0]) for v in value)
        if origin is dict and len(args) == 2:
            return {_conform(k, args[0]): _conform(v, args[1]) for k, v in value.items()}
        return value
    if isinstance(tp, type):
        if isinstance(value, tp):
            return value
        raise _Mismatch
    return value  # a TypeVar or another construct the check does not model: accepted


def _exact(value: Any, tp: Any) -> bool:
    """Whether ``value`` is of ``tp`` as is (tried first in a union, as pydantic's smart mode)."""
    target = get_origin(tp) or tp
    if tp is None or tp is type(None):
        return value is None
    return isinstance(target, type) and isinstance(value, target)


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    if isinstance(value, (int, float)):
        if kind is int and not isinstance(value, int):
            raise _Mismatch
        return kind(value)
    if isinstance(value, str):
        try:
            return kind(value.strip())
        except ValueError:
            raise _Mismatch from None
    raise _Mismatch


def _show(tp: Any) -> str:
    return tp.__name__ if isinstance(tp, type) else str(tp).replace("typing.", "")
