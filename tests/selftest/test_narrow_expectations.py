"""Expectation entries are no wider than their deviations: a new deviation of the same rule and
kind in another shape still fails.

Each engine of ``broken.beside_known`` is the reference with a bug that entries of
``expectations/`` once covered. On the engine's own case, the rule's property run with every
expectation file that has the entries must report the bug (they no longer mask it), and, with
the entries widened back to their old ``where``, must not (so the case does exercise them).
The unpatched reference shows nothing on the case.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.deviations import KnownDeviations
from conformance.model import Scenario
from conformance.properties import evaluate

from .broken.beside_known import (
    BESIDE_KNOWN,
    BesideKnown,
    FailedStreamStartsLaterLambdas,
    StreamRootErrorsAfterSuccess,
)

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


def _files_with(entry_id: str) -> list[Path]:
    return [p for p in sorted(EXPECTATIONS.glob("*.json"))
            if any(e["id"] == entry_id for e in json.loads(p.read_text("utf-8"))["deviations"])]


CASES = [(engine, path) for engine in BESIDE_KNOWN
         for path in _files_with(next(iter(engine.WIDE)))
         if not engine.ONLY_IN or path.name in engine.ONLY_IN]


def _widened(path: Path, engine: type[BesideKnown]) -> KnownDeviations:
    data = json.loads(path.read_text("utf-8"))
    for entry in data["deviations"]:
        entry["where"] = engine.WIDE.get(entry["id"], entry.get("where", {}))
    return KnownDeviations.from_json(data, f"{path.name} (widened)")


def test_every_engine_names_entries_of_its_file() -> None:
    for engine in BESIDE_KNOWN:
        for entry_id in engine.WIDE:
            assert EXPECTATIONS / engine.FILE in _files_with(entry_id), (engine, entry_id)


@pytest.mark.parametrize("engine, path", CASES,
                         ids=[f"{e.__name__}-{p.stem}" for e, p in CASES])
def test_a_narrowed_entry_no_longer_hides_the_engines_bug(engine: type[BesideKnown],
                                                          path: Path) -> None:
    (rule,) = engine.BREAKS
    scenario = Scenario.from_json(engine.CASE)
    assert not evaluate(rule, ReferenceAdapter(), scenario).violations

    found = evaluate(rule, engine(), scenario, KnownDeviations.load(path))
    assert found.violations and {v.rule for v in found.violations} == {rule}, (
        f"{engine.__name__} ({engine.BUG}) passes {rule} with {path.name}: "
        f"masked as {dict(found.known)}")

    wide = evaluate(rule, engine(), scenario, _widened(path, engine))
    assert not wide.violations and wide.known and set(wide.known) <= set(engine.WIDE), (
        f"with {sorted(engine.WIDE)} widened back, the case should pass: {wide.violations}")


def test_R11_violations_say_how_the_modes_differ() -> None:
    """``differs``: the kinds of events a mode lacks and adds. A root run that errors in the
    stream modes where invoke ends it is ``extra-error+missing-end`` (the shape of
    stream-abandons-upstream-steps); a later step that starts only in the stream modes is
    ``extra-error+extra-start``, which that entry no longer covers."""
    for engine, want in ((StreamRootErrorsAfterSuccess, "extra-error+missing-end"),
                         (FailedStreamStartsLaterLambdas, "extra-error+extra-start")):
        scenario = Scenario.from_json(engine.CASE).with_invocation(mode="invoke")
        found = evaluate("R11", engine(), scenario).violations
        assert {(v.fact("compared"), v.fact("differs")) for v in found} == {
            (mode, want) for mode in ("stream", "astream", "astream_events")}, engine
