"""What a runnable takes and gives, as typing forms: its ``InputType`` and ``OutputType``.

langchain_core reads them from a class's generic parameters (``Runnable[int, str]``), from a
function's annotations (a lambda's first parameter and return, a generator's iterator
items), or from the parts (a sequence's ends, a map's items); ``with_types`` overrides them.
Nothing here runs on an invocation: the types shape no run.
"""

from __future__ import annotations

import collections.abc
import inspect
from typing import Any, TypeVar, get_args, get_origin

__all__ = ["Input", "Output", "declared_types", "function_types", "generator_types"]

#: What a runnable class that names no types takes and gives (shown as ``-Input`` and
#: ``+Output``, as langchain_core's type variables).
Input = TypeVar("Input", contravariant=True)
Output = TypeVar("Output", covariant=True)


def declared_types(cls: type) -> tuple[Any, Any]:
    """The ``(input, output)`` a runnable class declares through its generic bases (the
    nearest ``Runnable[X, Y]``-like base in the MRO), else ``(Input, Output)``."""
    from reference.runnables._base import Runnable

    for klass in cls.__mro__:
        for base in vars(klass).get("__orig_bases__", ()):
            origin = get_origin(base)
            args = get_args(base)
            if isinstance(origin, type) and issubclass(origin, Runnable) and len(args) == 2:
                return args[0], args[1]
    return Input, Output


def _signature(func: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(func)
    except (TypeError, ValueError):
        return None


def function_types(func: Any) -> tuple[Any, Any]:
    """A function's first parameter's annotation and its return annotation (an iterator's
    items for a generator), ``Any`` where there is none."""
    sig = _signature(func)
    if sig is None:
        return Any, Any
    first = next(iter(sig.parameters.values()), None)
    taken = first.annotation if first is not None and first.annotation is not first.empty \
        else Any
    given = sig.return_annotation
    if given is sig.empty:
        return taken, Any
    if get_origin(given) in (collections.abc.Iterator, collections.abc.AsyncIterator):
        given = (get_args(given) or (Any,))[0]
    return taken, given


def generator_types(func: Any) -> tuple[Any, Any]:
    """A transform's item types: the first argument of its first parameter's and of its return
    annotation (``Iterator[int] -> Iterator[str]``: ``int``, ``str``), ``Any`` where none."""
    sig = _signature(func)
    if sig is None:
        return Any, Any
    first = next(iter(sig.parameters.values()), None)
    taken: Any = Any
    if first is not None and first.annotation is not first.empty:
        taken = getattr(first.annotation, "__args__", (Any,))[0]
    given = sig.return_annotation
    if given is sig.empty:
        return taken, Any
    return taken, getattr(given, "__args__", (Any,))[0]
