"""A record base with pydantic-like ``repr``/``str``, so printed values read like LangChain's.

``repr`` is ``Cls(field=value, ...)`` and ``str`` is ``field=value ...``;
fields equal to their default are left out unless listed in ``_always``.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["Record"]


class Record:
    """Fields are declared in ``_fields`` as (name, default) pairs."""

    _fields: ClassVar[tuple[tuple[str, Any], ...]] = ()
    _always: ClassVar[frozenset[str]] = frozenset()

    def _shown(self) -> list[tuple[str, Any]]:
        out = []
        for name, default in self._fields:
            value = getattr(self, name)
            if name in self._always or value != default:
                out.append((name, value))
        return out

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self._shown())
        return f"{type(self).__name__}({inner})"

    def __str__(self) -> str:
        return " ".join(f"{k}={v!r}" for k, v in self._shown())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, k) == getattr(other, k) for k, _ in self._fields)

    __hash__ = None  # type: ignore[assignment]
