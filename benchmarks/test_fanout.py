"""Fan-out: a parallel map of 2/16/128 branches with one runtime handler, threads and tasks.

Sync branches run in a thread pool, async ones (async functions) as asyncio tasks on a loop made
once per workload. The floor uses a pool of the standard library's default size per call, and
``asyncio.gather`` on the same kind of loop.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import BRANCHES, FAN_MODES, IMPL, measure


@IMPL
@pytest.mark.parametrize("mode", FAN_MODES)
@pytest.mark.parametrize("branches", BRANCHES)
def test_fanout(benchmark: Any, engine: Any, impl: str, branches: int, mode: str) -> None:
    # Counting from several threads is not exact everywhere; at least one run's worth must arrive.
    measure(benchmark, engine, engine.fanout(branches, mode), suite="fanout", size=branches,
            variant=mode, handlers=1, exact=mode == "tasks")
