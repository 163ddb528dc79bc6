"""``AddableDict``: a dict whose ``+`` merges another dict key by key (streamed dict chunks).

For each key of the right side: taken as is where the left lacks it or holds ``None``;
kept where the right holds ``None``; otherwise the two values are added (``"a" + "b"``,
``[1] + [2]``), and values that do not add raise ``TypeError`` naming the key. A plain
dict on the left adds the same way (``__radd__``); the result is always an ``AddableDict``.
``add`` / ``aadd`` add up an iterable of such addables (chunks, strings, messages).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any

__all__ = ["AddableDict", "aadd", "add"]


def _merged(left: Mapping[str, Any], right: Mapping[str, Any]) -> AddableDict:
    out = AddableDict(left)
    for key, value in right.items():
        mine = out.get(key)
        if mine is None:
            out[key] = value
        elif value is not None:
            try:
                out[key] = mine + value
            except TypeError as exc:
                raise TypeError(
                    f"Cannot add incompatible types for key {key!r}: "
                    f"{type(mine).__name__!r} and {type(value).__name__!r}.") from exc
    return out


class AddableDict(dict[str, Any]):
    """A dict chunk: ``a + b`` merges ``b`` into a copy of ``a`` (see the module docstring)."""

    def __add__(self, other: Mapping[str, Any]) -> AddableDict:
        return _merged(self, other)

    def __radd__(self, other: Mapping[str, Any]) -> AddableDict:
        return _merged(other, self)


def add(addables: Iterable[Any]) -> Any:
    """The items added up with ``+`` in order (None for none), as langchain_core's ``add``."""
    final: Any = None
    for chunk in addables:
        final = chunk if final is None else final + chunk
    return final


async def aadd(addables: AsyncIterable[Any]) -> Any:
    """``add`` of an async iterable."""
    final: Any = None
    async for chunk in addables:
        final = chunk if final is None else final + chunk
    return final
