"""Throughput through the harness protocol: generated cases per second, with requests in flight.

``python -m benchmarks.harness_throughput [--impl IMPL] [--cases N] [--in-flight K ...]``

Draws ``N`` scenarios the way the suite does (the strategies, every registration preset of the
schema test, the implementation's capabilities; a fixed seed), then runs each through the whole
path a suite run takes — request, the harness building and invoking the case, the answer
validated and its events replayed into the suite's sinks — from ``K`` threads at once (``K``
requests in flight), and prints cases/s per ``K``. The default implementation is the
LangChain.js harness (``node`` and ``npm ci`` in harnesses/langchainjs first).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.adapter import Adapter, AdapterError, load_adapter
from conformance.harness import run_scenario
from conformance.model import Scenario
from conformance.strategies import Registrations, scenarios

DEFAULT_IMPL = "harness:node harnesses/langchainjs/harness.mjs"
PRESETS = (Registrations(), Registrations(failures=True, root_config=True),
           Registrations(faults=True, per_item_configs=True),
           Registrations(require_bound=True, nested_bound=True))


def draw_scenarios(adapter: Adapter, count: int, at: int = 3) -> list[Scenario]:
    """``count`` scenarios as the suite would generate them for ``adapter`` (seeded)."""
    drawn: list[Scenario] = []

    @seed(at)
    @settings(max_examples=count, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        reg = data.draw(st.sampled_from(PRESETS))
        drawn.append(data.draw(scenarios(adapter.capabilities, reg)))

    collect()
    random.Random(at).shuffle(drawn)
    return drawn[:count]


def throughput(adapter: Adapter, cases: Sequence[Scenario], in_flight: int) -> float:
    """Cases per second with ``in_flight`` requests at a time (harness errors count as run)."""

    def one(scenario: Scenario) -> None:
        try:
            run_scenario(adapter, scenario)
        except AdapterError as exc:  # a case the harness could not run: say so, go on
            print(f"harness error: {str(exc)[:200]}", file=sys.stderr)

    start = time.perf_counter()
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(one, cases))
    return len(cases) / (time.perf_counter() - start)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harness_throughput")
    parser.add_argument("--impl", default=DEFAULT_IMPL)
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--in-flight", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    adapter = load_adapter(args.impl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = draw_scenarios(adapter, args.cases)
    print(f"{adapter.name} {adapter.version} via {args.impl!r}: {len(cases)} generated cases")
    throughput(adapter, cases[:20], 4)  # warm up (JIT, imports)
    for k in args.in_flight:
        print(f"  {k:>2} in flight: {throughput(adapter, cases, k):7.1f} cases/s")
    close = getattr(adapter, "close", None)
    if callable(close):
        close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
