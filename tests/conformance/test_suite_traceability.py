"""SPEC.md lists, per rule, the tests that check it; every rule has a suite test."""

from __future__ import annotations

from pathlib import Path

from conformance.rules import RULES
from conformance.traceability import tests_by_rule as collect_tests
from conformance.traceability import update_spec

ROOT = Path(__file__).resolve().parents[2]


def test_every_rule_has_a_suite_test() -> None:
    tests = collect_tests()
    assert [r.id for r in RULES if not tests.get(r.id)] == []


def test_spec_lists_the_current_tests() -> None:
    spec = (ROOT / "SPEC.md").read_text(encoding="utf-8")
    fresh = update_spec(spec, collect_tests(ROOT / "tests"))
    fix = "python -m conformance rules --also tests --update SPEC.md"
    assert spec == fresh, f"SPEC.md's test lists are stale; regenerate with: {fix}"


def test_every_rule_is_a_section_of_the_spec() -> None:
    spec = (ROOT / "SPEC.md").read_text(encoding="utf-8")
    assert [r.id for r in RULES if f"### {r.id} {r.slug} " not in spec] == []
