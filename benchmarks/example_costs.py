"""Where one example's time goes: the suite run in this process, its parts timed as they run.

``python -m benchmarks.example_costs [conformance run options]`` runs the rule tests once
(``-n 0``, no example database; default profile unless ``--profile`` says otherwise) and prints,
per part, its calls and CPU milliseconds per call on the calling thread:

- ``test`` : a rule test from start to end (Hypothesis's engine, the draws and everything below),
  given per example;
- ``holds`` : one example inside the test: the draw, the property, the report bookkeeping;
- ``expect`` : the oracle; ``check`` : the checker (run matching and every rule's checks);
- ``run_scenario`` / ``run_concurrently`` : building and invoking the chain through the adapter,
  the recording handlers included (the engine's own threads are counted apart, at the end).

Hypothesis's share is ``test`` less ``holds``; the draw's is ``holds`` less the property. The
parts are timed on the thread that calls them (``time.thread_time``), so the threads an engine
hands work to (executors, pools) are reported as one line of their own. Ratios within one run
are what to compare: the machine's speed drifts between runs.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable, Generator, Sequence
from functools import partial
from typing import Any

import pytest

from benchmarks._in_process import run_suite, wrapped
from conformance import properties
from conformance.suite import _support

__all__ = ["main", "measure"]

#: (module, attribute, row name): the functions timed, where the suite calls them.
_TIMED = (
    (_support, "holds", "holds"),
    (properties, "expect", "expect"),
    (properties, "check", "check"),
    (properties, "run_scenario", "run_scenario"),
    (properties, "run_concurrently", "run_concurrently"),
)
#: Every row, in the order printed.
_ROWS = ("test", *(row for _, _, row in _TIMED))


class _Costs:
    """Accumulated CPU seconds and calls per row, and the wrappers that fill them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(_ROWS, 0.0)
        self.calls: Counter[str] = Counter()
        self.examples = 0

    def timed(self, row: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[row] += time.thread_time() - start
                self.calls[row] += 1

        return wrapper

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, object, object]:
        start = time.thread_time()
        try:
            return (yield)
        finally:
            self.seconds["test"] += time.thread_time() - start
            self.examples += int(getattr(item, "conformance_examples", 0))


def measure(argv: Sequence[str] = ()) -> tuple[_Costs, float, float]:
    """Run the suite in this process with its parts timed: (the costs, the process's CPU
    seconds, the calling thread's)."""
    costs = _Costs()
    process, thread = time.process_time(), time.thread_time()
    with wrapped(*((module, name, partial(costs.timed, row)) for module, name, row in _TIMED)):
        run_suite(argv, plugins=[costs])
    return costs, time.process_time() - process, time.thread_time() - thread


def main(argv: Sequence[str] = ()) -> int:
    """Measure, and print a row per part."""
    costs, process, thread = measure(argv)
    if not costs.examples:
        print("benchmarks.example_costs: no rule test ran", file=sys.stderr)
        return 1
    print(f"\n{costs.examples:,} examples; CPU {process:.2f} s in all, {thread:.2f} s on the "
          f"suite's thread, {process - thread:.2f} s on other threads (the engine's executors "
          "and pools, the harness's watchdog)")
    print(f"{'part':18s} {'calls':>8s} {'ms per call':>12s} {'ms per example':>15s}")
    for row in _ROWS:
        calls = costs.examples if row == "test" else costs.calls[row]
        if not calls:
            continue
        seconds = costs.seconds[row]
        print(f"{row:18s} {calls:8,d} {1000 * seconds / calls:12.3f} "
              f"{1000 * seconds / costs.examples:15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
