"""Merging tags and metadata from several registrations (R13): one job, two functions.

Neither function mutates its arguments: the engine shares these containers between the
managers of a run tree and copies them only at its boundaries (what functions and handlers
receive), so merging always builds a new container when something changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["merge_metadata", "merge_tags"]


def merge_tags(base: list[str], extra: Iterable[str] | None) -> list[str]:
    """``base``'s tags not in ``extra``, then ``extra``'s: a tag added again moves to the end,
    as langchain_core's ``add_tags`` does (a binding's sorted tags keep their order below it).
    ``base`` itself when that changes nothing."""
    if not extra:
        return base
    add = list(dict.fromkeys(extra))
    if len(base) >= len(add) and base[len(base) - len(add):] == add:
        return base
    return [t for t in base if t not in add] + add


def merge_metadata(base: dict[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """``base`` overlaid by ``extra`` (later registrations win per key); ``base`` if no extra."""
    return {**base, **extra} if extra else base
