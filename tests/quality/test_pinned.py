"""Counterexamples found once, pinned (Hypothesis's ``@example`` habit, for scenarios).

``pinned.json`` holds, per broken engine and rule, the shrunk case the suite found (see
``test_shrink_quality``). Each must still show the break on its engine and hold on the
reference, so a change to the checker, the oracle or the adapters that loses one is caught even
if generation stops reaching it. Timing-dependent breaks (GlobalRunStack) are not pinned.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.model import Scenario
from conformance.properties import evaluate
from tests.selftest.broken.catalogue import CATALOGUE

PINNED: dict[str, dict[str, dict[str, object]]] = json.loads(
    (Path(__file__).parent / "pinned.json").read_text(encoding="utf-8"))
_ENGINES = {e.__name__: e for e in CATALOGUE}
_CASES = [(engine, rule) for engine, rules in sorted(PINNED.items()) for rule in sorted(rules)]


@pytest.mark.parametrize("engine, rule", _CASES, ids=[f"{e}-{r}" for e, r in _CASES])
def test_pinned_case_still_shows_the_break(engine: str, rule: str) -> None:
    scenario = Scenario.from_json(PINNED[engine][rule])
    assert evaluate(rule, _ENGINES[engine](), scenario), f"{engine} no longer breaks {rule} " \
        f"on {scenario.dumps()}"
    finding = evaluate(rule, ReferenceAdapter(), scenario)
    assert not finding, [v.message for v in finding.violations]


def test_every_engine_is_pinned_or_timing_dependent() -> None:
    timing = {name for name, engine in _ENGINES.items() if engine.TIMING_DEPENDENT}
    assert timing == {"GlobalRunStack"}
    assert set(PINNED) | timing == set(_ENGINES) - {"Unbroken"}
