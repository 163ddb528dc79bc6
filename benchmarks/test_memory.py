"""Memory per run (tracemalloc peak) and whether memory returns to baseline after runs.

Measured on the width chains with one runtime handler. The figures go into the benchmark JSON
as ``extra_info`` (``peak_bytes``, ``leak_bytes_per_run``); the time recorded for this group is
one traced run's and means nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import IMPL, WIDTHS, label, memory_profile


@IMPL
@pytest.mark.parametrize("width", WIDTHS)
def test_memory(benchmark: Any, engine: Any, impl: str, width: int) -> None:
    workload = engine.width(width, 1)
    # Quick mode (--benchmark-disable) only proves the code runs: two traced runs do.
    runs = 2 if benchmark.disabled else max(5, 500 // width)
    peak, leak = memory_profile(workload.run, runs=runs)
    label(benchmark, engine, workload, suite="memory", size=width, variant="h=1", handlers=1,
          peak_bytes=peak, leak_bytes_per_run=leak)
    benchmark.pedantic(workload.run, rounds=1, iterations=1)
    workload.check()
