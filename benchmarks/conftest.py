"""Collect overhead ratios measured by the benchmarks and print them after the run."""

from __future__ import annotations

from typing import Any

RATIOS: dict[str, float] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not RATIOS:
        return
    terminalreporter.section("callback overhead ratios (per node, vs. plain loop floor)")
    for label, ratio in RATIOS.items():
        terminalreporter.write_line(f"{label}: {ratio:.2f}x")
