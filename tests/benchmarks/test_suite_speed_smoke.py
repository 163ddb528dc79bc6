"""The suite benchmark's code works: ``python -m benchmarks report --suite-only`` times one rule of
the quick profile once and reports it, and the report's ratios against a previous run are right.

No timing is asserted: the figures come from ``python -m benchmarks report``, never from tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import suite_speed
from benchmarks.__main__ import main


def _run(impl: str, profile: str, wall: float, examples: int, seconds: float) -> dict[str, Any]:
    return {"impl": impl, "version": "1", "profile": profile, "seed": 3, "rules": [],
            "exit_status": 0, "wall_seconds": wall, "cpu_seconds": wall / 2,
            "load_before": 1.0, "load_after": 1.5, "examples": examples, "checked": examples,
            "test_seconds": seconds,
            "tests": {"test_R5_x": {"rule": "R5", "status": "pass", "examples": examples,
                                    "checked": examples, "seconds": seconds}}}


def _suite(measured_at: str, *runs: dict[str, Any]) -> dict[str, Any]:
    return {"measured_at": measured_at, "commit": "abc1234", "cpus": 2, "runs": list(runs)}


def test_suite_only_report_times_one_rule(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps({"suite_speed": _suite(
        "2000-01-01T00:00:00+00:00", _run("reference", "quick", 1000.0, 25, 1000.0))}))
    out = tmp_path / "out"
    assert main(["report", "--suite-only", "--suite-impl", "reference", "--suite-profile",
                 "quick", "--suite-rule", "R5", "--out", str(out), "--plots", "none",
                 "--previous", str(previous)]) == 0
    data = json.loads((out / "results.json").read_text())
    assert "benchmarks" not in data  # --suite-only: no pytest-benchmark pass
    [run] = data["suite_speed"]["runs"]
    assert (run["impl"], run["profile"], run["exit_status"], run["seed"]) == (
        "reference", "quick", 0, suite_speed.DEFAULT_SEED)
    assert run["tests"] and all(t["rule"] == "R5" for t in run["tests"].values())
    assert all(t["examples"] > 0 and t["seconds"] > 0 for t in run["tests"].values())
    assert run["examples"] == sum(t["examples"] for t in run["tests"].values())
    assert 0 < run["test_seconds"] <= run["wall_seconds"]
    text = (out / "report.md").read_text()
    assert "## Suite speed" in capsys.readouterr().out  # printed too
    assert "## Suite speed" in text and "`previous.json`" in text
    assert "### Examples per second per rule test: reference, profile quick" in text
    for name in run["tests"]:
        assert f"| {name} | pass |" in text


def test_render_ratios_against_the_previous_run() -> None:
    before = _suite("2000-01-01T00:00:00+00:00", _run("reference", "default", 80.0, 100, 40.0))
    now = _suite("2000-02-01T00:00:00+00:00", _run("reference", "default", 8.0, 100, 4.0),
                 _run("langchain_core", "default", 100.0, 100, 90.0))
    text = suite_speed.render(now, before, "old.json")
    [ref] = [line for line in text.splitlines() if line.startswith("| reference |")]
    cells = [c.strip() for c in ref.strip("|").split("|")]
    # wall 8 s vs 80 s; 100 checked in 8 s; 25 examples/s in the tests vs 2.5 before
    assert cells[4:12] == ["8.0", "0.10x", "4.0", "100", "100", "12.5", "25.0", "10.00x"]
    [lc] = [line for line in text.splitlines() if line.startswith("| langchain_core |")]
    assert "| - |" in lc  # nothing to compare with
    assert "| test_R5_x | pass | 100 | 4.00 | 25.0 | 10.00x |" in text
    assert "`old.json`" in text and "previous: 2000-01-01" in text


def test_previous_run_is_the_newest_archive_with_suite_figures(tmp_path: Path) -> None:
    def write(name: str, data: dict[str, Any]) -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(data))
        return path

    older = write("b.json", {"suite_speed": _suite("2000-01-01T00:00:00+00:00",
                                                   _run("reference", "quick", 1, 1, 1))})
    newer = write("a.json", {"suite_speed": _suite("2000-03-01T00:00:00+00:00",
                                                   _run("reference", "quick", 1, 1, 1))})
    write("c.json", {"benchmarks": []})  # no suite figures
    write("d.json", {"suite_speed": {"runs": []}})
    (tmp_path / "e.json").write_text("not json")
    assert suite_speed.previous_run(tmp_path) == (newer, json.loads(newer.read_text())[
        "suite_speed"])
    found = suite_speed.previous_run(tmp_path, exclude=[newer])
    assert found is not None and found[0] == older
    assert suite_speed.previous_run(tmp_path / "nothing") is None
