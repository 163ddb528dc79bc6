"""Runs the conformance runner (``python -m conformance run``) in a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["REPO", "Run", "run_suite"]

REPO = Path(__file__).resolve().parents[2]
#: Import path of the catalogue for ``--impl`` (the subprocess runs from the repository root).
CATALOGUE = "tests.selftest.broken.catalogue"


@dataclass(frozen=True)
class Run:
    """What one runner invocation produced."""

    returncode: int
    output: str  # stdout and stderr together
    report: dict[str, Any] | None

    def status(self, rule: str) -> str:
        assert self.report is not None, f"no JSON report was written; output:\n{self.tail()}"
        return str(self.report["rules"][rule]["status"])

    def tail(self, n: int = 6000) -> str:
        return self.output[-n:]


def run_suite(impl: str, tmp_path: Path, rules: tuple[str, ...] = (), profile: str = "quick",
              extra: tuple[str, ...] = (), shrink: bool = False, timeout: float = 300) -> Run:
    """``python -m conformance run --impl IMPL --profile PROFILE [--rule R]... --report F``.

    Without ``shrink``, Hypothesis does not shrink counterexamples (``_noshrink``): whether and
    under which rule the suite fails does not depend on it, and shrinking can take a minute.
    """
    report = tmp_path / "report.json"
    argv = [sys.executable, "-m", "conformance", "run", "--impl", impl, "--profile", profile,
            "--report", str(report), *extra]
    if not shrink:
        argv += ["-p", "tests.selftest._noshrink"]
    for rule in rules:
        argv += ["--rule", rule]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env.pop("CONFORMANCE_DB", None)  # no example database: quick runs stay reproducible
    env.pop("CONFORMANCE_PROFILE", None)
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Run(proc.returncode, proc.stdout + proc.stderr, data)
