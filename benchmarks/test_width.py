"""Per-node overhead: a sequence of 10/100/1000 lambdas with 0, 1 and 10 runtime handlers.

The floor runs the same functions in a loop with each handler's start and end method around each;
the report divides each time by the node count and by the floor's at the same cell.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import HANDLERS, IMPL, WIDTHS, measure


@IMPL
@pytest.mark.parametrize("handlers", HANDLERS)
@pytest.mark.parametrize("width", WIDTHS)
def test_width(benchmark: Any, engine: Any, impl: str, width: int, handlers: int) -> None:
    measure(benchmark, engine, engine.width(width, handlers), suite="width", size=width,
            variant=f"h={handlers}", handlers=handlers)
