"""``python -m benchmarks.suite_costs``: the table ``conformance.schedule.COSTS`` is pasted from."""

from __future__ import annotations

from _tool import run_tool


def test_suite_costs_prints_a_table_of_the_tests_it_ran() -> None:
    printed = run_tool("benchmarks.suite_costs", "--rule", "R4", "--profile", "quick")
    table = printed.split("COSTS: Final[dict[str, float]] = {")[1]
    rows = [line.strip() for line in table.splitlines() if line.strip().startswith('"test_R4_')]
    assert rows, table  # R4 has two tests: the longer one is printed
    assert all(line.endswith(",") and float(line.split(": ")[1][:-1]) > 0 for line in rows)
