"""Properties on hand-written scenarios whose verdict is known (here: against the reference)."""

from __future__ import annotations

from conformance.adapters.reference import ReferenceAdapter
from conformance.model import Scenario
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
