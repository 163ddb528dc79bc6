"""Hypothesis profiles for the suite: ``quick`` for CI, ``default``, ``thorough`` for releases.

``quick`` is derandomised and keeps no database, so a CI run is reproducible; the others keep an
example database (a cache that replays earlier counterexamples first, never a source of truth).
"""

from __future__ import annotations

from typing import Final

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

__all__ = ["PROFILES", "load_profile"]

PROFILES: Final[dict[str, int]] = {"quick": 25, "default": 100, "thorough": 1000}

_SUPPRESS: Final = [HealthCheck.too_slow, HealthCheck.data_too_large,
                    HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]


def load_profile(name: str, database: str | None = None) -> None:
    """Register and load profile ``name``; ``database`` is a directory for the example database."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    db = DirectoryBasedExampleDatabase(database) if database else None
    settings.register_profile(
        f"conformance-{name}",
        max_examples=PROFILES[name],
        deadline=None,
        derandomize=name == "quick" and database is None,
        database=db,
        print_blob=True,
        suppress_health_check=_SUPPRESS,
    )
    settings.load_profile(f"conformance-{name}")
