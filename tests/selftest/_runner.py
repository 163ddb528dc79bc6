"""Runs the conformance runner (``python -m conformance run``): in a subprocess, as a user would,
or in this process (:func:`run_in_process`), where a check needs the same command's verdict and
report but not a process of its own.

A subprocess costs about five CPU-seconds of start-up here (the runner and its pytest-xdist worker
each import pytest, Hypothesis and the suite) against under a second for the tests of one rule;
the catalogue's forty-odd runs made that most of the project's test time.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["REPO", "Run", "run_in_process", "run_suite"]

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


@contextlib.contextmanager
def _kept_globals() -> Iterator[None]:
    """What an in-process run changes for the whole process, put back afterwards: Hypothesis's
    default settings (the run loads its profile), the scenario watch (the run configures it),
    the environment variables the plugin reads, stdout and stderr."""
    from hypothesis import settings

    from conformance.watch import WATCH

    saved_settings = settings.default
    saved_env = {k: os.environ.pop(k) for k in ("CONFORMANCE_DB", "CONFORMANCE_PROFILE")
                 if k in os.environ}
    saved_modules = _suite_modules()
    try:
        yield
    finally:
        _suite_modules()
        sys.modules.update(saved_modules)
        package = sys.modules.get("conformance.suite")
        for name in dir(package):
            if name.startswith("test_"):
                delattr(package, name)
        for name, module in saved_modules.items():
            setattr(package, name.rsplit(".", 1)[1], module)
        os.environ.update(saved_env)
        settings.register_profile("tests-outer", saved_settings)
        settings.load_profile("tests-outer")
        WATCH.configure(None, None, output_limit=None)


def _suite_modules() -> dict[str, Any]:
    """The suite's test modules this process has imported, taken out of ``sys.modules``.

    Hypothesis fixes a test's settings when ``@given`` decorates it: a suite module imported
    earlier in this process (another test read the suite's tests) would run with the settings
    of that moment, not the run's profile (its examples, derandomisation, no deadline). Taken
    out, the run imports them afresh after the profile is loaded, as a fresh process does.
    """
    names = [n for n in sys.modules if n.startswith("conformance.suite.test_")]
    return {n: sys.modules.pop(n) for n in names}


def run_in_process(impl: str, tmp_path: Path, rules: tuple[str, ...] = (),
                   profile: str = "quick", extra: tuple[str, ...] = (),
                   shrink: bool = False) -> Run:
    """What :func:`run_suite` does, in this process: the runner's own pytest command line
    (``conformance.cli.run_argv``) with ``-n 0``, through ``pytest.main``.

    For checks of a verdict (which rule fails, what the report and the failure text say), not
    of what supervision does: a crash or a hang here would take this process with it.
    """
    import pytest

    from conformance import cli

    from .broken import _patching

    report = tmp_path / "report.json"
    argv = ["run", "--impl", impl, "--profile", profile, "--report", str(report), "-n", "0",
            *extra]
    if not shrink:
        argv += ["-p", "tests.selftest._noshrink"]
    for rule in rules:
        argv += ["--rule", rule]
    args, rest = cli.parse(argv)
    with _kept_globals(), tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = int(pytest.main(cli.run_argv(args, rest)))
        out.seek(0)
        output = out.read()
    assert not _patching.is_active(), "a broken engine's patches outlived its run"
    data = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    return Run(code if code in (0, 1, 2) else 2, output, data)
