"""The "reproduce by hand" code in failure reports must show what the suite saw.

Each drawn scenario is rendered as code for the reference engine, executed, and the events its
printing handlers report are compared, per handler, with the events the suite's recording
handlers get through the adapter for the same scenario. Faulty and async handlers included: a
reproduction that drops a fault or an async handler would show a different run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conformance.adapter import Adapter
from conformance.adapters.reference import ReferenceAdapter
from conformance.harness import run_scenario
from conformance.model import Scenario
from conformance.render import render_code
from conformance.strategies import Registrations, scenarios

_ADAPTER = ReferenceAdapter()
_ROUTES = Registrations(failures=True, faults=True, max_handlers=3)
_PRINTED_KINDS = frozenset({"start", "end", "error"})


def _run_rendered(scenario: Scenario, prefix: str = "reference") -> str:
    code = render_code(scenario, prefix=prefix)
    out = io.StringIO()
    may_raise = any(n.fail for n in scenario.chain.nodes) or any(
        h.fault == "raise_error" for h in scenario.handlers
    )
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(code, "<reproduction>", "exec"), {"__name__": "reproduction"})
        except RuntimeError:
            if not may_raise:
                raise
    return out.getvalue()


def _assert_same_events(adapter: Adapter, scenario: Scenario, prefix: str) -> None:
    """Per handler, the rendered code prints as many events as the suite's handlers record."""
    printed = Counter(line.split()[0] for line in _run_rendered(scenario, prefix).splitlines())
    observed = run_scenario(adapter, scenario)
    recorded = Counter(e.handler for e in observed.events if e.kind in _PRINTED_KINDS)
    assert printed == recorded, f"printed {dict(printed)}, recorded {dict(recorded)}"


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(_ADAPTER.capabilities, _ROUTES))
def test_rendered_code_prints_what_the_suite_records(scenario: Scenario) -> None:
    _assert_same_events(_ADAPTER, scenario, "reference")


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(_ADAPTER.capabilities, Registrations(faults=True, raise_error=True)))
def test_rendered_code_keeps_raise_error_faults(scenario: Scenario) -> None:
    _assert_same_events(_ADAPTER, scenario, "reference")


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_rendered_code_prints_what_langchain_core_records(data: st.DataObject) -> None:
    """The same check with the code rendered for langchain_core (skipped where it is missing)."""
    pytest.importorskip("langchain_core")
    from conformance.adapters.langchain_core import LangChainCoreAdapter

    adapter = LangChainCoreAdapter()
    scenario = data.draw(scenarios(adapter.capabilities, _ROUTES))
    # In async modes langchain-core ends a run whose parallel branch failed without waiting for
    # its siblings: their events come after the suite stopped recording, or not at all, while
    # the reproduction's asyncio.run waits for every task. Those counts differ by timing.
    assume(not (scenario.invocation.mode.startswith("a")
                and any(n.fail for n in scenario.chain.nodes)))
    _assert_same_events(adapter, scenario, "langchain_core")


def _unused_names(code: str) -> set[str]:
    """Names the code imports or defines at module level and never uses."""
    tree = ast.parse(code)
    defined: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            defined.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defined.add(node.name)
        elif isinstance(node, ast.Assign):
            defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return defined - used


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(_ADAPTER.capabilities, Registrations(failures=True, faults=True, max_handlers=3,
                                                      root_config=True, tags=True)))
def test_rendered_code_defines_and_imports_only_what_it_uses(scenario: Scenario) -> None:
    for prefix in ("reference", "langchain_core"):
        code = render_code(scenario, prefix=prefix)
        assert _unused_names(code) == set(), code
        printed = {m.group(1) for m in re.finditer(r"def (on_\w+)\(", code)}
        families = {n.kind for n in scenario.chain.nodes}
        if "chat_model" not in families:
            assert "on_chat_model_start" not in printed
        if "tool" not in families:
            assert "on_tool_start" not in printed
        if not any(n.fail for n in scenario.chain.nodes) and all(
                h.fault == "none" for h in scenario.handlers):
            assert not any(m.endswith("_error") for m in printed), code


# -- the failure report as a user sees it ---------------------------------------------------------

_REPO = Path(__file__).resolve().parents[2]
#: What a short report leaves to the JSON report and --full-report.
_LONG_ONLY = ("Draw 1", "Failing test case", "Explanation:", "reproduce_failure",
              "These lines were always", "_support.py", "def holds(")


def _conformance_run(tmp_path: Path, impl: str, *extra: str) -> tuple[str, dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_REPO), env.get("PYTHONPATH")) if p)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "conformance", "run", "--impl", impl,
                           "--report", str(report), *extra], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert not (tmp_path / ".hypothesis").exists()
    return proc.stdout, json.loads(report.read_text(encoding="utf-8"))


def _failure_sections(output: str) -> list[list[str]]:
    """Each failing test's section of pytest's output, without its title and xdist's line."""
    body = re.search(r"=+ FAILURES =+\n(.*?)\n=+ conformance", output, flags=re.S)
    assert body, output[-3000:]
    sections = re.split(r"^_{3,} \S+ _{3,}$", body.group(1), flags=re.M)[1:]
    return [[line for line in s.strip("\n").splitlines() if not line.startswith("[gw")]
            for s in sections]


def _reproduction(section: list[str]) -> str:
    start = next(i for i, line in enumerate(section) if line.startswith("Reproduce by hand"))
    end = next(i for i, line in enumerate(section) if line.startswith("Replay: "))
    return "\n".join(line[4:] for line in section[start + 1:end]).strip("\n") + "\n"


def _run_reproduction(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "reproduction.py"
    script.write_text(code, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(_REPO))
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode != 0:  # only a failure the case itself raises may end it
        assert re.search(r"^RuntimeError: \S+ fails", proc.stderr, flags=re.M), proc.stderr
    return proc


def test_failure_report_is_short_and_its_reproduction_runs(tmp_path: Path) -> None:
    known = tmp_path / "known.json"  # an entry of another kind: masks nothing here
    known.write_text(json.dumps({"deviations": [
        {"id": "other", "rule": "R5", "kind": "duplicate-start", "reason": "test"}]}))
    output, report = _conformance_run(tmp_path, "tests.selftest.broken.catalogue:NoDedup",
                                      "--rule", "R5", "--profile", "quick",
                                      "--expectations", str(known))
    [section] = _failure_sections(output)
    assert len(section) <= 40, "\n".join(section)
    assert section[0].startswith("R5 once-per-handler")
    assert section[1].startswith("Violation: [R5]")
    assert not [s for s in _LONG_ONLY if s in output]
    # the replay command, then the expectation entry to paste
    assert section[-3].startswith("Replay: python -m conformance replay --impl ")
    assert f"--expectations {known} " in section[-3]  # the replay masks what the run masked
    assert section[-1].lstrip().startswith('{"id": "r5-')
    # the long form is kept in the JSON report
    [detail] = report["rules"]["R5"]["details"].values()
    assert "Draw 1" in detail["message"] and "Replay: " in detail["message"]
    printed = _run_reproduction(_reproduction(section), tmp_path).stdout
    assert printed.split()[0] in {h for h in re.findall(r"^\s+(h\d+) = ", "\n".join(section),
                                                        flags=re.M)}


def test_full_report_shows_hypothesis_draw(tmp_path: Path) -> None:
    output, _ = _conformance_run(tmp_path, "tests.selftest.broken.catalogue:NoDedup",
                                 "--rule", "R5", "--profile", "quick", "--full-report",
                                 "-p", "tests.selftest._noshrink")  # no shrinking: faster
    assert "Draw 1" in output and "R5 once-per-handler" in output


def test_langchain_core_failure_report_fits_a_screen(tmp_path: Path) -> None:
    """As a new user tries it: ``conformance run --impl langchain_core --rule R5``."""
    pytest.importorskip("langchain_core")
    output, _ = _conformance_run(tmp_path, "langchain_core", "--rule", "R5")
    sections = _failure_sections(output)
    assert sections
    for section in sections:
        assert len(section) <= 40, "\n".join(section)
        assert section[-1].startswith("Replay: ")
        _run_reproduction(_reproduction(section), tmp_path)
    assert not [s for s in _LONG_ONLY if s in output]
    assert "expectations/langchain_core-" in output  # which shipped file fits the release
