"""``python -m benchmarks.example_costs``: where one example's time goes, part by part."""

from __future__ import annotations

from _tool import run_tool


def test_example_costs_prints_each_part_and_restores_what_it_timed() -> None:
    printed = run_tool("benchmarks.example_costs", "--rule", "R4", "--profile", "quick")
    table = printed.split("ms per example")[1]
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines() if line.strip()}
    assert {"test", "holds", "expect", "check", "run_scenario"} <= set(rows), table
    examples = int(rows["test"][0].replace(",", ""))
    assert examples >= 50  # R4's two tests, 25 examples each at least
    # Every example runs the oracle, the chain and the checker once at least.
    for part in ("holds", "expect", "check", "run_scenario"):
        assert int(rows[part][0].replace(",", "")) >= 50, (part, table)
    # A part inside another costs less than it.
    assert float(rows["check"][2]) < float(rows["holds"][2]) <= float(rows["test"][2])


def test_example_costs_leaves_the_suite_functions_as_they_were() -> None:
    from benchmarks import example_costs
    from conformance import properties
    from conformance.suite import _support

    before = [properties.check, properties.run_scenario, _support.holds]
    example_costs.measure(["--rule", "R5", "--profile", "quick"])
    assert [properties.check, properties.run_scenario, _support.holds] == before
