"""Depth: chains nested 1/10/100 levels, with a bound handler per level or one runtime handler.

With a handler bound at every level, level k's handler sees k levels, so the events (and any
engine's cost) grow with depth squared; the runtime variant grows linearly. The floor does the
same nested calls with the same handlers in scope.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import DEPTHS, IMPL, ROUTES, measure


@IMPL
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("levels", DEPTHS)
def test_depth(benchmark: Any, engine: Any, impl: str, levels: int, route: str) -> None:
    handlers = levels if route == "bound" else 1
    measure(benchmark, engine, engine.depth(levels, route), suite="depth", size=levels,
            variant=route, handlers=handlers)
