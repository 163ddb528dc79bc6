"""Which runs a stream of runs reports: the ``include_*`` / ``exclude_*`` filters that
``astream_events`` and ``astream_log`` take, one rule for both.

A filter given, even an empty list, is a filter (``include_names=[]`` includes nothing); with no
``include_*`` filter every run is included. Then any ``exclude_*`` match excludes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["RunFilter"]


def _matches(name: str | None, run_type: str, tags: Iterable[str],
             names: Sequence[str] | None, types: Sequence[str] | None,
             tag_filter: Sequence[str] | None) -> bool:
    return ((names is not None and name in names)
            or (types is not None and run_type in types)
            or (tag_filter is not None and any(t in tag_filter for t in tags)))


@dataclass(frozen=True, slots=True)
class RunFilter:
    """The six filters, by run name, run type and tags."""

    include_names: Sequence[str] | None = None
    include_types: Sequence[str] | None = None
    include_tags: Sequence[str] | None = None
    exclude_names: Sequence[str] | None = None
    exclude_types: Sequence[str] | None = None
    exclude_tags: Sequence[str] | None = None

    def admits(self, name: str | None, run_type: str, tags: Sequence[str]) -> bool:
        """Whether a run with this name, type and tags is reported."""
        if not (self.include_names is None and self.include_types is None
                and self.include_tags is None) and not _matches(
                    name, run_type, tags, self.include_names, self.include_types,
                    self.include_tags):
            return False
        return not _matches(name, run_type, tags, self.exclude_names, self.exclude_types,
                            self.exclude_tags)
