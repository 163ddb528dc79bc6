"""The LangChain.js harness (harnesses/langchainjs) through the runner, when node and npm are on
the machine (the ``harness_script`` fixture in conftest.py installs it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.adapter import load_adapter
from conformance.harness import run_scenario
from conformance.model import Scenario

REPO = Path(__file__).resolve().parents[2]
SOURCE = REPO / "harnesses" / "langchainjs"


def test_langchainjs_handshake_and_one_case(harness_script: Path) -> None:
    adapter = load_adapter(f"harness:node {harness_script}")
    try:
        locked = json.loads((SOURCE / "package-lock.json").read_text())
        version = locked["packages"]["node_modules/@langchain/core"]["version"]
        assert (adapter.name, adapter.version, adapter.language) == ("langchainjs", version,
                                                                      "javascript")
        assert adapter.capabilities.runs_as("invoke") == "ainvoke"
        assert not adapter.capabilities.threads
        scenario = Scenario.from_json({
            "chain": {"root": "s", "nodes": [
                {"label": "s", "kind": "sequence", "children": ["p", "m", "o"]},
                {"label": "p", "kind": "prompt"}, {"label": "m", "kind": "chat_model"},
                {"label": "o", "kind": "parser"}]},
            "handlers": [{"id": "h1"}],
            "invocation": {"mode": "stream", "callbacks": ["h1"]}})
        obs = run_scenario(adapter, scenario)
        methods = [e.method for e in obs.events]
        assert methods[:3] == ["on_chain_start", "on_chain_start", "on_chain_end"], methods
        tokens = "".join(e.payload for e in obs.events if e.method == "on_llm_new_token")
        assert tokens == "m says hi" and methods[-1] == "on_chain_end", methods
        failing = Scenario.from_json({
            "chain": {"root": "f", "nodes": [{"label": "f", "kind": "lambda", "fail": True}]},
            "handlers": [{"id": "h1"}], "invocation": {"callbacks": ["h1"]}})
        obs = run_scenario(adapter, failing)
        [outcome] = obs.outcomes
        assert obs.probe.was_raised(outcome.error)  # the very object the function threw
        assert obs.events[-1].payload == {"label": "f", "original": True}
    finally:
        adapter.close()  # type: ignore[attr-defined]


def test_langchainjs_quick_profile_of_two_rules_runs_to_a_verdict(harness_script: Path,
                                                                  tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k != "CONFORMANCE_PROFILE"}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--impl", f"harness:node {harness_script}",
         "--profile", "quick", "--rule", "R5", "--rule", "R9", "--report", str(report)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=400, check=False)
    data = json.loads(report.read_text())
    # The whole path works (nothing errored); what the rules say is LangChain.js's behaviour
    # (violations of other rules seen on the way also count: exit 1 without expectations).
    assert proc.returncode in (0, 1), (proc.stdout + proc.stderr)[-4000:]
    assert data["implementation"]["name"] == "langchainjs" and not data["errored"]
    assert {data["rules"][r]["status"] for r in ("R5", "R9")} == {"pass"}
