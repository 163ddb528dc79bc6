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
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
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
    _assert_same_events(adapter, data.draw(scenarios(adapter.capabilities, _ROUTES)),
                        "langchain_core")


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
