"""Run ids across calls (conformance/run_ids.py): what one call's checks cannot see."""

from __future__ import annotations

import uuid

from conformance.adapters.reference import ReferenceAdapter
from conformance.events import Event
from conformance.model import Scenario
from conformance.observed import Observation
from conformance.properties import evaluate
from conformance.run_ids import reused_across_calls

_GIVEN = "0b5e5c1e-4c4b-4f6e-9a57-3a1b2c3d4e5f"


def _scenario(run_id: str | None = None) -> Scenario:
    return Scenario.from_json({
        "chain": {"nodes": [{"label": "fn2", "kind": "lambda"},
                            {"label": "seq1", "kind": "sequence", "children": ["fn2", "fn2"]}],
                  "root": "seq1"},
        "handlers": [{"id": "h1"}],
        "invocation": {"mode": "invoke", "inputs": ["input0"], "callbacks": ["h1"],
                       "run_id": run_id},
    })


def _call(root: str, child: str) -> Observation:
    """One call's events: seq1 (id ``root``) and its child fn2 (id ``child``; the second step
    is left out, the function compares ids only)."""
    events = [
        Event(0, "h1", "start", root, None, "chain", "seq1", (), ()),
        Event(1, "h1", "start", child, root, "chain", "fn2", (), ()),
        Event(2, "h1", "end", child, root, "chain", None, (), ()),
        Event(3, "h1", "end", root, None, "chain", None, (), ()),
    ]
    return Observation(tuple(events), ())


def test_R6_a_second_call_reusing_the_first_calls_ids_is_R6() -> None:
    """Each call alone is consistent; the second gives its child the first call's child id."""
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    found = reused_across_calls(_scenario(), _call(a, b), _call(c, b))
    assert [(v.rule, v.kind, v.run) for v in found] == [("R6", "id-reused-across-calls", "fn2")]
    assert b in found[0].message
    assert not reused_across_calls(_scenario(), _call(a, b), _call(c, str(uuid.uuid4())))


def test_R6_the_run_id_a_call_gives_is_the_same_in_every_call() -> None:
    """The id the invocation gives its root (R14) comes back in every call: not a reuse."""
    given = _scenario(_GIVEN)
    assert not reused_across_calls(given, _call(_GIVEN, str(uuid.uuid4())),
                                   _call(_GIVEN.upper(), str(uuid.uuid4())))
    found = reused_across_calls(given, _call(_GIVEN, _GIVEN[:-1] + "0"),
                                _call(_GIVEN, _GIVEN[:-1] + "0"))
    assert [v.run for v in found] == ["fn2"]


def test_R6_the_reference_gives_every_call_new_ids() -> None:
    for scenario in (_scenario(), _scenario(_GIVEN)):
        finding = evaluate("R6", ReferenceAdapter(), scenario)
        assert not finding, [v.message for v in finding.violations]
