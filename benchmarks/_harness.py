"""The grid every suite runs over, and the two ways a workload is measured.

Time goes through pytest-benchmark (so its JSON is the report's only input); memory through
tracemalloc, recorded in the same JSON as ``extra_info``. Each measurement also checks that the
handlers received every event, which is what the quick mode proves in CI.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import Any, Final

import pytest

from benchmarks._engines import ENGINES, Engine, Workload

__all__ = [
    "AWIDTHS",
    "BRANCHES",
    "DEPTHS",
    "FAN_MODES",
    "HANDLERS",
    "IMPL",
    "ROUTES",
    "STREAM_HANDLERS",
    "STREAM_TOKENS",
    "WIDTHS",
    "label",
    "measure",
    "memory_profile",
]

WIDTHS: Final = (10, 100, 1000)
AWIDTHS: Final = (10, 100)
HANDLERS: Final = (0, 1, 10)
DEPTHS: Final = (1, 10, 100)
ROUTES: Final = ("bound", "runtime")
BRANCHES: Final = (2, 16, 128)
FAN_MODES: Final = ("threads", "tasks")
STREAM_TOKENS: Final = 256
STREAM_HANDLERS: Final = (0, 1, 10)

#: Outermost parametrisation, so the implementations alternate within each grid cell and a
#: drift in machine speed during the run hits all of them alike.
IMPL: Final = pytest.mark.parametrize("impl", ENGINES)


def label(benchmark: Any, engine: Engine, workload: Workload, *, suite: str, size: int,
          variant: str, handlers: int, **extra: Any) -> None:
    """Name the benchmark's group and record what it measured (the report reads only this)."""
    benchmark.group = f"{suite} {variant} size={size}"
    benchmark.extra_info.update(
        suite=suite, impl=engine.name, version=engine.version, size=size, variant=variant,
        handlers=handlers, nodes=workload.nodes, tokens=workload.tokens, **extra,
    )


def measure(benchmark: Any, engine: Engine, workload: Workload, *, suite: str, size: int,
            variant: str, handlers: int, exact: bool = True) -> None:
    """Time ``workload.run``, label the result, then check the handlers got every event."""
    label(benchmark, engine, workload, suite=suite, size=size, variant=variant,
          handlers=handlers)
    try:
        benchmark(workload.run)
    finally:
        workload.close()
    workload.check(exact)


def memory_profile(run: Callable[[], object], runs: int) -> tuple[int, float]:
    """(peak bytes above baseline during one run, bytes retained per run afterwards).

    Runs a few times untraced first, so lazily filled caches are not mistaken for a leak, then
    traces ``runs`` runs and ``runs`` more: memory still held after the second batch beyond what
    the first held is what each run leaks. Zero means every run returns to the baseline.
    """
    for _ in range(3):
        run()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        run()
        peak = tracemalloc.get_traced_memory()[1] - base
        for _ in range(runs - 1):
            run()
        gc.collect()
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(runs):
            run()
        gc.collect()
        second = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return peak, (second - first) / runs
