"""The crash record (conformance/watch.py): the scenario it writes is the scenario, whole, also
when its chain's JSON is reused from an earlier scenario on the same chain object."""

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
    watch = Watch()
    # the same chain object, another invocation
    other = scenario.with_invocation(mode=mode, inputs=scenario.invocation.inputs[:1],
                                     item_callbacks=())
    assert other.chain is scenario.chain
    for s in (scenario, other, scenario):
        assert json.loads(watch._describe([s])) == json.loads(s.dumps())
    assert json.loads(watch._describe([scenario, other])) == [json.loads(scenario.dumps()),
                                                               json.loads(other.dumps())]
