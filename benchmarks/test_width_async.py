"""Async width: ``ainvoke`` of a sequence of 10/100 async lambdas, 0 and 1 runtime handlers.

Both engines run sync handlers in the loop's executor in async modes (so a slow handler cannot
stall the loop); the floor calls them inline, so this suite shows what that hop costs.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import AWIDTHS, IMPL, measure


@IMPL
@pytest.mark.parametrize("handlers", (0, 1))
@pytest.mark.parametrize("width", AWIDTHS)
def test_width_async(benchmark: Any, engine: Any, impl: str, width: int, handlers: int) -> None:
    measure(benchmark, engine, engine.awidth(width, handlers), suite="width_async", size=width,
            variant=f"h={handlers}", handlers=handlers)
