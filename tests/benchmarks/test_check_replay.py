"""``python -m benchmarks.check_replay``: the checking of recorded examples, the engine left out."""

from __future__ import annotations

import json
import re
from pathlib import Path

from _tool import run_tool


def _replay(tmp_path: Path, *argv: str) -> tuple[str, list[dict[str, object]]]:
    out = tmp_path / "verdicts.json"
    printed = run_tool("benchmarks.check_replay", "--reps", "2", "--verdicts", str(out), *argv)
    return printed, json.loads(out.read_text())


def test_check_replay_times_each_rule_and_keeps_the_reference_passing(tmp_path: Path) -> None:
    printed, findings = _replay(tmp_path, "--rule", "R4")
    assert "ms of CPU per example to check" in printed
    table = printed.split("ms per example")[1]
    rows = [line.split() for line in table.splitlines() if line.startswith("R4 ")]
    assert len(rows) == 1 and int(rows[0][1]) == len(findings) >= 50, printed
    assert all(f["rule"] == "R4" and not f["violations"] for f in findings)


def test_check_replay_verdicts_of_a_broken_engine_name_runs_by_order(tmp_path: Path) -> None:
    _, findings = _replay(tmp_path, "--rule", "R6", "--impl",
                          "tests.selftest.broken.catalogue:IdsRestartPerCall")
    failing = [f for f in findings if f["violations"]]
    assert failing, "IdsRestartPerCall breaks R6: some replayed finding must say so"
    # Run ids are numbered per finding, so two runs of one example compare equal.
    text = json.dumps(failing)
    assert "<id 1>" in text, text[:2000]
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text)
