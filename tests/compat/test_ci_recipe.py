"""docs/ci-recipe.md: its expectation example loads, and its commands use options the CLI has
(its adapter is tested, as written, in test_adapter_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

from conformance.cli import _parser

ROOT = Path(__file__).resolve().parents[2]
RECIPE = (ROOT / "docs" / "ci-recipe.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", RECIPE, flags=re.S)


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
