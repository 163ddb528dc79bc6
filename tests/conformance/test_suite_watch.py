"""The crash record (conformance/watch.py) is the scenario, whole: ``Scenario.dumps``, whose
chain part is made once per chain object, gives exactly the text of the whole scenario's JSON,
also for another invocation on the same chain."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.adapters.reference import ReferenceAdapter
from conformance.model import Scenario
from conformance.strategies import Registrations, scenarios
from conformance.watch import Watch

_SCENARIOS = scenarios(ReferenceAdapter().capabilities, Registrations())


@settings(max_examples=30, deadline=None)
@given(_SCENARIOS, st.sampled_from(["invoke", "astream", "batch"]))
def test_the_crash_record_is_the_whole_scenario(scenario: Scenario, mode: str) -> None:
    # the same chain object, another invocation
    other = scenario.with_invocation(mode=mode, inputs=scenario.invocation.inputs[:1],
                                     item_callbacks=())
    assert other.chain is scenario.chain
    for s in (scenario, other, scenario):
        assert s.dumps() == json.dumps(s.to_json(), sort_keys=True)
    watch = Watch()
    assert json.loads(watch._describe([other])) == other.to_json()
    assert json.loads(watch._describe([scenario, other])) == [scenario.to_json(),
                                                               other.to_json()]
