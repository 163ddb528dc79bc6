"""JavaScript reproductions (conformance/render_js.py) show what the LangChain.js harness saw.

A few drawn scenarios (failures, faulty and async handlers, bindings, every mode) are rendered as
ES modules, saved next to the installed harness (so ``@langchain/core`` resolves) and run by one
node process; per handler, the start, end and error lines each prints are as many as the events
the harness reported for the same scenario. Runs where node and npm are on the machine.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from conformance.adapter import load_adapter
from conformance.adapters.harness import HarnessAdapter
from conformance.harness import run_scenario
from conformance.model import Scenario
from conformance.render_js import render_js
from conformance.strategies import Registrations, scenarios

_PRESETS = (Registrations(failures=True, faults=True, max_handlers=3),
            Registrations(require_bound=True, nested_bound=True, root_config=True),
            Registrations(failures=True, per_item_configs=True),
            Registrations(faults=True, raise_error=True, require_constructor=True))
_PRINTED_KINDS = frozenset({"start", "end", "error"})
_COUNT = 8


def _straggles(scenario: Scenario) -> bool:
    """A failing parallel or concurrent caller may leave siblings whose events come late
    (timing): the printed and the recorded counts may differ."""
    nodes = scenario.chain.nodes
    return any(n.fail for n in nodes) and any(n.kind == "parallel" or n.concurrent for n in nodes)


def _features(scenario: Scenario) -> set[str]:
    inv = scenario.invocation
    found = {f"mode:{inv.mode}", *(f"kind:{n.kind}" for n in scenario.chain.nodes)}
    found |= {f"fail:{n.kind}" for n in scenario.chain.nodes if n.fail}
    found |= {f"fault:{h.fault}:{h.fault_on}" for h in scenario.handlers if h.fault != "none"}
    found |= {name for name, there in (
        ("async handler", any(h.asynchronous for h in scenario.handlers)),
        ("manager", inv.callbacks_as_manager),
        ("item configs", bool(inv.item_callbacks)),
        ("constructor callbacks", any(n.callbacks and n.kind != "binding"
                                      for n in scenario.chain.nodes))) if there}
    return found


def _drawn(adapter: HarnessAdapter) -> list[Scenario]:
    """``_COUNT`` of 80 drawn scenarios (seeded), picked to cover the most features."""
    drawn: list[Scenario] = []

    @seed(14)
    @settings(max_examples=80, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def collect(data: st.DataObject) -> None:
        preset = data.draw(st.sampled_from(_PRESETS))
        scenario = data.draw(scenarios(adapter.capabilities, preset))
        if not _straggles(scenario):
            drawn.append(scenario)

    collect()
    picked: list[Scenario] = []
    covered: set[str] = set()
    while drawn and len(picked) < _COUNT:
        best = max(drawn, key=lambda s: (len(_features(s) - covered), len(s.chain.nodes)))
        drawn.remove(best)
        picked.append(best)
        covered |= _features(best)
    return picked


def test_js_reproductions_print_what_the_harness_saw(harness_script: Path) -> None:
    adapter = load_adapter(f"harness:node {harness_script}")
    assert isinstance(adapter, HarnessAdapter)
    try:
        cases = _drawn(adapter)
        recorded = []
        for scenario in cases:
            obs = run_scenario(adapter, scenario)
            recorded.append(Counter(e.handler for e in obs.events if e.kind in _PRINTED_KINDS))
            assert adapter.reproduction(scenario) == render_js(scenario)
    finally:
        adapter.close()
    where = harness_script.parent / "_test_repro"
    where.mkdir(exist_ok=True)
    files = []
    for i, scenario in enumerate(cases):
        path = where / f"repro{i}.mjs"
        path.write_text(render_js(scenario), encoding="utf-8")
        files.append(path)
    # one node process for all: each module in turn, a marker line before each
    driver = where / "all.mjs"
    driver.write_text(
        "for (const f of " + json.dumps([p.name for p in files]) + ") {\n"
        '  console.log("=== " + f);\n'
        '  await import("./" + f);\n'
        "  await new Promise((resolve) => setTimeout(resolve, 20));\n"
        "}\n", encoding="utf-8")
    done = subprocess.run(["node", str(driver)], capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    chunks = done.stdout.split("=== ")[1:]
    assert len(chunks) == len(cases), done.stdout[-3000:]
    for scenario, chunk, want in zip(cases, chunks, recorded):
        lines = chunk.splitlines()[1:]
        handlers = {h.id for h in scenario.handlers}
        printed = Counter(line.split()[0] for line in lines
                          if line.split()[0] in handlers and "token" not in line.split()[1:3])
        assert printed == want, (f"{scenario.dumps()}\nprinted {dict(printed)}, recorded "
                                 f"{dict(want)}\n{chunk}")
        assert lines and lines[-1].startswith(("returned", "threw")), chunk
    assert any(c for c in recorded), "no scenario made events"


@pytest.mark.parametrize("mode", ["invoke", "batch", "stream"])
def test_js_reproduction_of_each_mode_names_its_call(mode: str) -> None:
    scenario = Scenario.from_json({
        "chain": {"root": "s", "nodes": [
            {"label": "s", "kind": "sequence", "children": ["p", "m"]},
            {"label": "p", "kind": "prompt"},
            {"label": "m", "kind": "chat_model", "fail": True, "callbacks": ["h2"],
             "callbacks_as_manager": True}]},
        "handlers": [{"id": "h1", "fault": "raise_error"}, {"id": "h2"}],
        "invocation": {"mode": mode, "callbacks": ["h1"], "tags": ["t"],
                       "inputs": ["a", "b"] if mode == "batch" else ["a"]}})
    code = render_js(scenario)
    call = {"invoke": "await s.invoke(\"a\", { callbacks: [h1], tags: [\"t\"] })",
            "batch": "await s.batch([\"a\", \"b\"], { callbacks: [h1], tags: [\"t\"] }, "
                     "{ returnExceptions: true })",
            "stream": "await s.stream(\"a\", { callbacks: [h1], tags: [\"t\"] })"}[mode]
    assert call in code
    assert "class MModel extends FakeListChatModel" in code
    assert 'new Printer("h1", "raise_error", "any")' in code
    assert "callbacks: managerOf([h2])" in code and "import { CallbackManager }" in code
