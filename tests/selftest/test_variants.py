"""The suite must pass the correct variants of the reference (``variants``): what SPEC.md leaves
to the engine, such as the order of calls across a batch's items, must never fail a rule.

Before the oracle refused a flaky lambda that two batch items reach with one value, the
strategies drew ``seq(fnA, retry(flaky fn))`` batches (forcing ``max_concurrency`` 1, as if that
ran the items one after the other): langchain-core 1.8.3 and ``StepwiseBatches`` then failed R1
and R8 (the second item's first attempt came between the first item's two, so the first item
failed twice), the reference passed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.harness import run_scenario
from conformance.model import ModelError, Scenario
from conformance.oracle import expect
from conformance.properties import PROPERTIES, evaluate

from ._runner import run_in_process
from .variants import StepwiseBatches

STEPWISE = "tests.selftest.variants:StepwiseBatches"

#: The hand-made case: both items hand fn4 the value 'fn2'. Replayed on langchain-core 1.8.3
#: before the fix, R1 (fn4's second attempt never received) and R8 (item 0 failed) failed.
SHARED_TOGGLE = {
    "chain": {"nodes": [{"kind": "lambda", "label": "fn2"},
                        {"flaky": True, "kind": "lambda", "label": "fn4"},
                        {"children": ["fn4"], "kind": "retry", "label": "retry3"},
                        {"children": ["fn2", "retry3"], "kind": "sequence", "label": "seq1"}],
              "root": "seq1"},
    "handlers": [{"id": "h1"}],
    "invocation": {"mode": "batch", "inputs": ["input0", "input1"], "callbacks": ["h1"],
                   "max_concurrency": 1},
}
#: Its twin with the retry first: each item hands fn4 its own input, so the outcome is fixed.
OWN_VALUES = json.loads(json.dumps(SHARED_TOGGLE).replace('["fn2", "retry3"]',
                                                           '["retry3", "fn2"]'))


def test_a_flaky_lambda_two_items_reach_with_one_value_is_refused_R8() -> None:
    """The oracle says the case is not the spec's to fix, whatever ``max_concurrency``."""
    with pytest.raises(ModelError, match="'fn4' is called with the input 'fn2' by two retry"):
        expect(Scenario.from_json(SHARED_TOGGLE))


@pytest.mark.parametrize("adapter", [ReferenceAdapter, StepwiseBatches])
def test_each_item_reaching_its_own_flaky_toggle_holds_on_both_engines_R8(
        adapter: type[ReferenceAdapter]) -> None:
    scenario = Scenario.from_json(OWN_VALUES)
    for rule in PROPERTIES:
        finding = evaluate(rule, adapter(), scenario)
        assert not finding, (rule, [v.message for v in finding.violations])


def test_stepwise_batches_really_interleave_the_items() -> None:
    """The variant is worth its tests only if it runs items otherwise than the reference: item
    1's retry run starts before item 0's ends, and item 0's second attempt comes after item 1's
    first (the retry's batch retries the failed items together)."""
    observed = run_scenario(StepwiseBatches(), Scenario.from_json(OWN_VALUES))
    h1 = [e for e in observed.events if e.handler == "h1"]
    names = {e.run_id: e.name for e in h1 if e.kind == "start"}
    retries = [e for e in h1 if names[e.run_id] == "fn4" and e.parent_run_id is not None
               and names.get(e.parent_run_id) == "seq1"]
    kinds = [(e.kind, e.parent_run_id) for e in retries]
    assert [k for k, _ in kinds] == ["start", "start", "end", "end"], kinds
    attempts = [e for e in h1 if names.get(e.parent_run_id or "") == "fn4"
                and e.kind in ("end", "error")]
    assert [e.kind for e in attempts] == ["error", "error", "end", "end"], attempts


def test_stepwise_batches_pass_the_rules_that_batch_retries_R1_R8(tmp_path: Path) -> None:
    """The quick profile (the CI gate) on R1 and R8, whose tests batch retries."""
    run = run_in_process(STEPWISE, tmp_path, rules=("R1", "R8"))
    assert run.returncode == 0, run.tail()
    assert {run.status("R1"), run.status("R8")} == {"pass"}


@pytest.mark.parametrize("seed", [3, 4])
def test_stepwise_batches_pass_the_retries_in_batches_test_R8(tmp_path: Path,
                                                              seed: int) -> None:
    """The default profile's draws of test_R8_retried_failures_in_batches_are_each_items_own
    (the quick profile's 25 miss the shared-toggle shapes): before the fix, seeds 3 and 4
    failed R8 on a sequence batching a retried flaky lambda after a lambda."""
    run = run_in_process(STEPWISE, tmp_path, rules=("R8",), profile="default",
                         extra=("-k", "retried_failures", "--database", "none",
                                f"--hypothesis-seed={seed}"))
    assert run.returncode == 0, run.tail()
    assert run.status("R8") == "pass"
