"""Hypothesis profiles for the suite: ``quick`` for CI, ``default``, ``thorough`` for releases.

``quick`` is derandomised and keeps no database, so a CI run is reproducible; the others keep an
example database (a cache that replays earlier counterexamples first, never a source of truth),
per implementation and version, in the directory ``--database`` names or else in the user's cache
directory (:func:`cache_dir`). Nothing is written into the caller's working directory: Hypothesis's
own files (its cache of constants found in source files) go to the cache directory too, unless
``HYPOTHESIS_STORAGE_DIRECTORY`` says otherwise.

Failure reports stay short: Hypothesis's explain phase (which lines of code failing examples
ran) and its ``@reproduce_failure`` blob are only produced with ``full_report``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Final

from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

__all__ = ["PROFILES", "TIMEOUTS", "cache_dir", "load_profile"]

PROFILES: Final[dict[str, int]] = {"quick": 25, "default": 100, "thorough": 1000}
#: Default deadline per scenario, in seconds (``--timeout``): a scenario takes milliseconds, so
#: these only ever stop a hung adapter, also on a loaded CI machine.
TIMEOUTS: Final[dict[str, float]] = {"quick": 30.0, "default": 60.0, "thorough": 120.0}

_SUPPRESS: Final = [HealthCheck.too_slow, HealthCheck.data_too_large,
                    HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much]

#: ``--database`` values that mean "no example database".
NO_DATABASE: Final = frozenset({"", "none", "off"})


def cache_dir() -> Path:
    """Where the suite caches things: ``$CONFORMANCE_CACHE_DIR``, else the platform's user cache
    directory (``$XDG_CACHE_HOME`` or ``~/.cache``; ``%LOCALAPPDATA%`` on Windows) plus
    ``callback-conformance``."""
    if os.environ.get("CONFORMANCE_CACHE_DIR"):
        return Path(os.environ["CONFORMANCE_CACHE_DIR"])
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    else:
        base = Path.home() / ".cache"
    return base / "callback-conformance"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text) or "default"


def load_profile(name: str, database: str | None = None, *, implementation: str | None = None,
                 full_report: bool = False) -> None:
    """Register and load profile ``name``.

    ``database`` is a directory for the example database (``none`` for no database); without
    it, ``default`` and ``thorough`` use ``<cache_dir>/examples/<implementation>``. With
    ``full_report``, Hypothesis also runs its explain phase and prints reproduction blobs.
    """
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        # Hypothesis's home defaults to ./.hypothesis in the working directory.
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(cache_dir() / "hypothesis")
    explicit = database is not None and database.strip().lower() not in NO_DATABASE
    db: DirectoryBasedExampleDatabase | None = None
    if explicit:
        assert database is not None
        db = DirectoryBasedExampleDatabase(database)
    elif database is None and name != "quick":
        db = DirectoryBasedExampleDatabase(
            str(cache_dir() / "examples" / _slug(implementation or "default")))
    settings.register_profile(
        f"conformance-{name}",
        max_examples=PROFILES[name],
        deadline=None,
        derandomize=name == "quick" and not explicit,
        database=db,
        print_blob=full_report,
        phases=tuple(Phase) if full_report else tuple(p for p in Phase if p != Phase.explain),
        suppress_health_check=_SUPPRESS,
    )
    settings.load_profile(f"conformance-{name}")
