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
    """``base`` followed by the tags of ``extra`` it lacks; ``base`` itself when none are new."""
    if not extra:
        return base
    new = [t for t in extra if t not in base]
    return base + new if new else base


def merge_metadata(base: dict[str, Any], extra: Mapping[str, Any] | None) -> dict[str, Any]:
    """``base`` overlaid by ``extra`` (later registrations win per key); ``base`` if no extra."""
    return {**base, **extra} if extra else base
