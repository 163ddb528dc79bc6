"""The seed pages as conformance cases (conformance.seeds): the replayed handler prints what the
seeds' handler would, on the reference and on engines that break the pages."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.events import Event
from conformance.harness import run_scenario
from conformance.model import MODES, Mode
from conformance.seeds import SEEDS, Seed, printed_lines, seed_scenario, seed_violations


def _events(seed: Seed, mode: Mode = "invoke") -> list[Event]:
    return run_scenario(ReferenceAdapter(), seed_scenario(seed, mode)).events


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", SEEDS, ids=[s.id for s in SEEDS])
def test_reference_prints_each_pages_lines(seed: Seed, mode: Mode) -> None:
    events = _events(seed, mode)
    assert seed_violations(seed, mode, events) == []
    printed = printed_lines(events)
    assert len(printed) == len(seed.lines)
    assert printed[0] == ("Chain RunnableSequence started" if seed.route != "constructor"
                          else "Chat model started")


def test_a_start_without_serialized_prints_nothing_and_is_named() -> None:
    seed = SEEDS[1]
    events = [replace(e, serialized=None) if e.kind == "start" and e.run_type == "chain" else e
              for e in _events(seed)]
    assert not [line for line in printed_lines(events) if line.startswith("Chain ")
                and line.endswith("started")]
    [violation] = seed_violations(seed, "invoke", events)
    assert violation.rule == "R15" and violation.kind == "seed-lines-differ"
    assert violation.fact("seed") == "runtime"
    assert "serialized=None for RunnableSequence" in violation.message


def test_an_end_through_the_wrong_method_changes_the_lines() -> None:
    seed = SEEDS[2]  # constructor: the chat model's lines only
    events = [replace(e, method="on_chain_end") if e.kind == "end" else e for e in _events(seed)]
    assert seed_violations(seed, "invoke", events)


def test_a_missing_run_changes_the_lines() -> None:
    seed = SEEDS[0]
    events = [e for e in _events(seed) if e.name != "ChatPromptTemplate"]
    assert seed_violations(seed, "invoke", events)
