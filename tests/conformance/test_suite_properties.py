"""Properties on hand-written scenarios whose verdict is known (here: against the reference)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.model import BATCH_MODES, Scenario
from conformance.properties import evaluate


def test_R10_raise_error_handler_of_one_batch_input_leaves_the_others_alone() -> None:
    """With one config per input, only the inputs whose tree the raising handler hears raise."""
    scenario = Scenario.from_json({
        "chain": {"nodes": [{"label": "model1", "kind": "chat_model"}], "root": "model1"},
        "handlers": [{"id": "h1", "fault": "raise_error"}],
        "invocation": {"mode": "abatch", "inputs": ["input0", "input1"],
                       "item_callbacks": [[], ["h1"]]},
    })
    finding = evaluate("R10", ReferenceAdapter(), scenario)
    assert not finding, [v.message for v in finding.violations]


#: Found by the langchain-core 1.8.3 gate (default profile, seed 6, the R11 composed test).
_RETRY_STEP = {
    "chain": {"nodes": [{"flaky": True, "kind": "lambda", "label": "fn3"},
                        {"children": ["fn3"], "kind": "retry", "label": "retry2"},
                        {"kind": "lambda", "label": "fn4"},
                        {"children": ["retry2", "fn4"], "kind": "sequence", "label": "seq1"}],
              "root": "seq1"},
    "handlers": [{"id": "h1"}],
    "invocation": {"mode": "invoke", "inputs": ["input0"], "callbacks": ["h1"]},
}


def test_mode_parity_gives_no_two_batch_items_one_flaky_toggle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """R11 runs a batch mode on two items of invoke's one input, so that each handler sees every
    run twice; with a flaky lambda the two items would share its toggle (one per input value),
    and an engine that runs a step for every item before the next (langchain-core's sequence
    batch, however low max_concurrency) calls the second item's first attempt between the first
    item's attempts: it succeeds, the first item's retry fails again, and R11 reported the modes
    as different. With a flaky lambda a batch mode gets one item; without, two."""
    import conformance.properties as properties

    ran: list[Scenario] = []
    real = properties.run_scenario

    def spy(adapter: Any, scenario: Scenario) -> Any:
        ran.append(scenario)
        return real(adapter, scenario)

    monkeypatch.setattr(properties, "run_scenario", spy)
    for flaky in (True, False):
        data = json.loads(json.dumps(_RETRY_STEP))
        data["chain"]["nodes"][0]["flaky"] = flaky
        ran.clear()
        finding = evaluate("R11", ReferenceAdapter(), Scenario.from_json(data))
        assert not finding, [v.message for v in finding.violations]
        sizes = {len(s.invocation.inputs) for s in ran if s.invocation.mode in BATCH_MODES}
        assert sizes == ({1} if flaky else {2}), (flaky, sizes)


def test_R10_report_names_loggers_that_silence_the_engines_warnings() -> None:
    """An adapter (or a module it imports) that sets the engine's logger above WARNING makes
    every contained fault look unreported: the R10 report says which logger is silenced."""
    import logging

    from conformance.faultlog import silenced_loggers

    logger = logging.getLogger("an_engine.callbacks")
    before = (logger.level, logger.propagate)
    try:
        assert not any(n.startswith("an_engine.callbacks ") for n in silenced_loggers(100))
        logger.setLevel(logging.ERROR)
        assert "an_engine.callbacks (level ERROR)" in silenced_loggers(100)
        logger.setLevel(logging.NOTSET)
        logger.propagate = False
        assert "an_engine.callbacks (propagate=False)" in silenced_loggers(100)
    finally:
        logger.setLevel(before[0])
        logger.propagate = before[1]


def test_R9_two_failures_name_the_run_where_they_meet(monkeypatch: pytest.MonkeyPatch) -> None:
    """With handlers one failing branch's exception, without them another's: the violation names
    the lowest run both failing nodes are in, so its facts say where (node parallel). The
    LangChain.js gates (1.x and 0.3, seed 4) raised another branch's failure of a parallel with
    handlers than without (a map throws the failure that comes first in time, and handlers
    change the timing), and the violation had no facts but the mode's."""
    from dataclasses import replace

    import conformance.properties as properties
    from conformance.observed import InjectedFailure, Outcome

    real = properties.run_scenario

    def other_failure_without_handlers(adapter: Any, scenario: Scenario) -> Any:
        seen = real(adapter, scenario)
        if scenario.handlers:
            return seen
        return replace(seen, outcomes=(Outcome(error=InjectedFailure("fn3")),))

    monkeypatch.setattr(properties, "run_scenario", other_failure_without_handlers)
    scenario = Scenario.from_json({
        "chain": {"nodes": [{"kind": "lambda", "label": "fn2", "fail": True},
                            {"kind": "lambda", "label": "fn3", "fail": True},
                            {"kind": "lambda", "label": "fn4"},
                            {"children": ["fn3", "fn4"], "kind": "sequence", "label": "seq5"},
                            {"children": ["fn2", "seq5"], "kind": "parallel", "label": "par1"}],
                  "root": "par1"},
        "handlers": [{"id": "h1"}],
        "invocation": {"mode": "invoke", "inputs": ["input0"], "callbacks": ["h1"]},
    })
    finding = evaluate("R9", ReferenceAdapter(), scenario)
    assert [(v.kind, v.run, v.fact("node"), v.fact("parent")) for v in finding.violations] == [
        ("output-changed", "par1", "parallel", "none")]


def test_R11_shapes_count_runs_the_events_cannot_tell_apart_at_one_position(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two runs of ``fn`` reach ``h`` alone (one through a binding of ``h``, one directly):
    whichever of the two places the matcher gives an observed run, the shapes R11 compares
    are the same, so two modes of one engine are not told apart by that arbitrary choice."""
    import uuid

    from conformance import properties
    from conformance.events import Event
    from conformance.model import Chain, HandlerSpec, Invocation, Node
    from conformance.observed import Observation, Outcome
    from conformance.oracle import expect

    scenario = Scenario(Chain((
        Node("dyn", "dynamic", ("bind", "fn"), forward_config=False),
        Node("bind", "binding", ("fn",), callbacks=("h",)),
        Node("fn", "lambda"),
    ), "dyn"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    exp = expect(scenario)
    root = next(k for k, r in exp.runs.items() if r.parent is None)
    first, second = sorted(k for k, r in exp.runs.items() if r.label == "fn")
    rid = str(uuid.uuid4())
    events = (Event(0, "h", "start", rid, None, "chain", "fn", (), ()),)
    observation = Observation(events, (Outcome(value="ok"),))
    shapes = []
    for place in (first, second):
        monkeypatch.setattr(properties, "match_runs",
                            lambda *a, place=place, **k: {rid: place})
        shapes.append(properties._shapes(scenario, exp, observation))
    assert shapes[0] == shapes[1]
    assert root not in (first, second)


def test_R11_a_difference_names_the_run_its_parent_and_its_grandparent() -> None:
    """An R11 difference carries the kinds of the first differing run, of its parent and of
    the parent's parent: langchain-core (random seed 44) cancels the runs inside a .map()
    item in the sync modes only, a step of a mapped sequence, which its expectation entry
    tells by the map two levels up."""
    from conformance.oracle import expect
    from conformance.properties import _where_differs

    scenario = Scenario.from_json({
        "chain": {"nodes": [
            {"fanout": 2, "kind": "lambda", "label": "fn1"},
            {"fail": True, "kind": "lambda", "label": "fn3"},
            {"kind": "lambda", "label": "fn4"},
            {"children": ["fn3", "fn4"], "kind": "sequence", "label": "seq2"},
            {"children": ["seq2"], "kind": "map", "label": "map5"},
            {"children": ["fn1", "map5"], "kind": "sequence", "label": "seq6"}],
            "root": "seq6"},
        "handlers": [{"id": "h1"}],
        "invocation": {"callbacks": ["h1"], "inputs": ["input0"], "mode": "invoke"}})
    exp = expect(scenario)
    first_step = next(k for k, r in exp.runs.items() if r.label == "fn3")
    differing = Counter({(first_step[1:], "start", "fn3"): 1})
    assert dict(_where_differs(scenario, exp, differing)) == {
        "node": "lambda", "parent": "sequence", "grandparent": "map", "in_map": "yes",
        "after_flaky": "no"}


def test_R11_a_difference_after_a_flaky_step_says_so() -> None:
    """A run that differs after a sequence step holding a flaky lambda says ``after_flaky``:
    langchain-core (random seed 114) streams a retry without retrying, so the step after it
    never starts in the stream modes, whatever else of the chain fails."""
    from conformance.oracle import expect
    from conformance.properties import _where_differs

    scenario = Scenario.from_json({
        "chain": {"nodes": [
            {"flaky": True, "kind": "lambda", "label": "fn4"},
            {"children": ["fn4"], "kind": "retry", "label": "retry3"},
            {"fail": True, "kind": "streaming_llm", "label": "sllm5"},
            {"children": ["retry3", "sllm5"], "kind": "sequence", "label": "seq2"}],
            "root": "seq2"},
        "handlers": [{"id": "h1"}],
        "invocation": {"callbacks": ["h1"], "inputs": ["input0"], "mode": "invoke"}})
    exp = expect(scenario)
    after = next(k for k, r in exp.runs.items() if r.label == "sllm5")
    differing = Counter({(after[1:], "start", "sllm5"): 1})
    assert dict(_where_differs(scenario, exp, differing))["after_flaky"] == "yes"
