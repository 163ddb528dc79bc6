"""A violation of any rule, seen by any rule's test, is reported under its own rule."""

from __future__ import annotations

from pathlib import Path

from ._runner import CATALOGUE, run_in_process


def test_a_rule_broken_only_where_another_rule_looks_fails(tmp_path: Path) -> None:
    """NoDedup breaks R5 only; with R5's own tests deselected, R1's tests still see it."""
    run = run_in_process(f"{CATALOGUE}:NoDedup", tmp_path, rules=("R1", "R5"),
                         extra=("-k", "test_R1"))
    assert run.returncode == 1, run.tail()
    assert run.status("R1") == "pass", run.tail()
    assert run.status("R5") == "fail", run.tail()
    assert run.report is not None
    entries = run.report["rules"]["R5"]["details"]
    assert entries and all("(seen while checking R1)" in name for name in entries), entries
    first = next(iter(entries.values()))
    assert "R5 duplicate-delivery" in first["message"] and "Replay: " in first["message"]
    assert "fail: R5 [R5]" in run.output and "seen while checking R1" in run.output


def test_the_reference_shows_nothing_incidental(tmp_path: Path) -> None:
    run = run_in_process(f"{CATALOGUE}:Unbroken", tmp_path, rules=("R1", "R5"),
                         extra=("-k", "test_R1"))
    assert run.returncode == 0, run.tail()
    assert run.status("R5") == "not-run", run.tail()
