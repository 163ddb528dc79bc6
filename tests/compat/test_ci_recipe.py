"""docs/ci-recipe.md: its example adapter works (pointed at the reference engine), and its
commands use options the CLI has."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from conformance.adapter import load_adapter
from conformance.checker import check
from conformance.cli import _parser
from conformance.harness import run_scenario
from conformance.model import Scenario
from conformance.oracle import expect

ROOT = Path(__file__).resolve().parents[2]
RECIPE = (ROOT / "docs" / "ci-recipe.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", RECIPE, flags=re.S)


def test_example_adapter_runs_a_scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [code] = _blocks("python")
    assert len(code.splitlines()) <= 35
    # The reference engine mirrors langchain_core's API, so it can stand in for "mylib".
    (tmp_path / "recipe_adapter.py").write_text(code.replace("mylib", "reference"),
                                                encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        adapter = load_adapter("recipe_adapter:Adapter")
        scenario = Scenario.from_json({
            "chain": {"root": "seq", "nodes": [
                {"label": "seq", "kind": "sequence", "children": ["fn", "model"]},
                {"label": "fn", "kind": "lambda"},
                {"label": "model", "kind": "chat_model", "callbacks": ["h2"]},
            ]},
            "handlers": [{"id": "h1"}, {"id": "h2"}],
            "invocation": {"mode": "invoke", "callbacks": ["h1"]},
        })
        observation = run_scenario(adapter, scenario)
        assert check(scenario, expect(scenario), observation) == []
        assert adapter.name == "reference"
    finally:
        sys.modules.pop("recipe_adapter", None)


def test_expectation_example_is_valid_json_shape() -> None:
    import json

    from conformance.deviations import KnownDeviations

    [example] = _blocks("json")
    data = json.loads(example)
    assert set(data) >= {"implementation", "deviations"}
    loaded = KnownDeviations.from_json(data)
    assert loaded.entries and not any(e.coarse for e in loaded.entries)


def test_commands_use_existing_options() -> None:
    commands = [" ".join(b.split()) for b in _blocks("yaml") + _blocks("sh")]
    runs = [re.search(r"python -m conformance run (.*?)(?:$| - if)", c) for c in commands]
    assert all(runs)
    for match in runs:
        assert match is not None
        args = match.group(1).replace("\\ ", " ").split()
        known, extra = _parser().parse_known_args(["run", *args])
        assert known.impl == "mylib.conformance_adapter:Adapter"
        assert known.expectations == "conformance/expectations.json"
        assert extra == ["--hypothesis-seed=3"]  # handed to pytest's Hypothesis plugin
