"""Fixtures shared by the suites: the engine under test, skipped with the reason if missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from benchmarks._engines import Engine, EngineUnavailable, load_engine

#: Nested chains of 100 levels need more frames than CPython's default 1000 in langchain_core.
RECURSION_LIMIT = 20_000


@pytest.fixture(scope="session", autouse=True)
def _deep_stacks() -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, RECURSION_LIMIT))
    yield
    sys.setrecursionlimit(old)


@pytest.fixture
def engine(impl: str) -> Any:
    """The engine named by the ``impl`` parameter, or a skip saying how to get it."""
    try:
        found: Engine = load_engine(impl)
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
    return found
