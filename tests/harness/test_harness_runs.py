"""``python -m conformance run --impl 'harness:COMMAND'`` end to end, as a CI job runs it: the
Python harness passes; a harness that crashes, hangs or answers garbage makes its tests errored
(exit status 2, the reason and the scenario in the summary and the JSON report), never failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def run(impl: str, tmp_path: Path, *rules: str, extra: tuple[str, ...] = (),
        once: Path | None = None) -> tuple[int, str, dict[str, Any]]:
    report = tmp_path / "report.json"
    argv = [sys.executable, "-m", "conformance", "run", "--impl", impl, "--profile", "quick",
            "--report", str(report), *extra]
    for rule in rules:
        argv += ["--rule", rule]
    env = {k: v for k, v in os.environ.items() if k not in ("CONFORMANCE_PROFILE", "ONCE")}
    if once is not None:  # the bad harness misbehaves in one process only
        env["ONCE"] = str(once)
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    output = proc.stdout + proc.stderr
    assert report.exists(), output[-4000:]
    return proc.returncode, output, json.loads(report.read_text(encoding="utf-8"))


def test_harness_run_python_harness_passes(tmp_path: Path) -> None:
    code, output, report = run("harness:python -m conformance.harnesses.python reference",
                               tmp_path, "R5", "R8", "R12")
    assert code == 0, output[-4000:]
    assert {r: report["rules"][r]["status"] for r in ("R5", "R8", "R12")} == dict.fromkeys(
        ("R5", "R8", "R12"), "pass")


@pytest.mark.parametrize(("how", "why"), [
    ("crash", "exited with status 3"),
    ("hang", "no answer to run"),
    ("garbage", "not JSON"),
])
def test_harness_run_broken_harness_is_errored_not_failed(tmp_path: Path, how: str,
                                                          why: str) -> None:
    impl = f"harness:python {HERE / 'bad_harness.py'} {how} 3"
    code, output, report = run(impl, tmp_path, "R5", extra=("--timeout", "4"))
    assert code == 2, output[-4000:]
    assert report["rules"]["R5"]["status"] == "errored", report["rules"]["R5"]
    [entry, *_] = report["errored"]
    assert why in str(entry["message"]) and "chain" in entry["scenario"], entry
    assert why in output and "errored: R5" in output, output[-4000:]
    assert "fail" not in {v["status"] for v in report["rules"].values()}


def test_harness_run_one_crash_errors_one_test_and_the_others_run(tmp_path: Path) -> None:
    """A harness that crashed once is started again: only the test whose case it crashed on is
    errored, the tests after it run to a verdict (in one worker)."""
    impl = f"harness:python {HERE / 'bad_harness.py'} crash 3"
    code, output, report = run(impl, tmp_path, "R5", "R9", once=tmp_path / "once")
    assert code == 2, output[-4000:]
    [entry] = report["errored"]
    assert "exited with status 3" in str(entry["message"]), entry
    statuses = {name: status for r in ("R5", "R9")
                for name, status in report["rules"][r]["tests"].items()}
    assert sorted(statuses.values()).count("errored") == 1, statuses
    assert "pass" in statuses.values(), statuses
