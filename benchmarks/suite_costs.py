"""Each rule test's CPU time on an implementation (default profile, one process): the table
:data:`conformance.schedule.COSTS` orders the suite by, printed to paste there.

``python -m benchmarks.suite_costs [conformance run options]``: the suite runs in this process
(``-n 0``, no example database); the longer half of the tests is printed.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Generator, Sequence

import pytest

from benchmarks._in_process import run_suite

__all__ = ["main", "measure"]


def measure(argv: Sequence[str] = ()) -> dict[str, float]:
    """CPU seconds per rule test (by item name), the suite run in this process."""
    costs: dict[str, float] = {}

    class Timer:
        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
            start = time.process_time()
            try:
                return (yield)
            finally:
                costs[item.name] = time.process_time() - start

    run_suite(argv, plugins=[Timer()])
    return costs


def main(argv: Sequence[str] = ()) -> int:
    """Measure, and print the longer half of the tests as a new ``COSTS``."""
    costs = measure(argv)
    if not costs:
        print("benchmarks.suite_costs: no rule test ran", file=sys.stderr)
        return 1
    cut = statistics.median(costs.values())
    print("COSTS: Final[dict[str, float]] = {")
    for name, seconds in sorted(costs.items(), key=lambda kv: -kv[1]):
        if seconds > cut:
            print(f'    "{name}": {seconds:.2f},')
    print("}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
