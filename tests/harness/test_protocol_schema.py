"""The harness protocol's schemas (conformance/protocol/schemas) describe what the suite sends:
every scenario the strategies generate, under every registration preset, validates (checked with
jsonschema, the reference implementation of JSON Schema in Python), and the requests built from
them validate as messages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from conformance.adapter import Capabilities
from conformance.model import Scenario
from conformance.protocol import SCHEMAS, ProtocolError, schema, validate
from conformance.strategies import COMPOSED_SHAPE, ChainShape, Registrations, scenarios

URN = "urn:callback-conformance:harness-protocol:1:"
REGISTRY: Any = Registry().with_resources(
    (schema(name)["$id"], Resource.from_contents(dict(schema(name)))) for name in SCHEMAS)

PRESETS = [
    Registrations(),
    Registrations(failures=True, fail_percent=50, root_config=True),
    Registrations(faults=True, raise_error=True, per_item_configs=True),
    Registrations(require_bound=True, nested_bound=True, tag_every_route=True),
    Registrations(require_constructor=True, faults=True, duplicates=True),
]
SHAPES = [ChainShape(), ChainShape(slow_percent=60), ChainShape(implicit_only=True), COMPOSED_SHAPE]


def _validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": URN + ref}, registry=REGISTRY)


SCENARIO = _validator("scenario")
REQUEST = _validator("messages#/$defs/request")


@pytest.mark.parametrize("name", SCHEMAS)
def test_protocol_schema_files_are_valid_json_schema(name: str) -> None:
    Draft202012Validator.check_schema(dict(schema(name)))
    assert schema(name)["$id"] == URN + name


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_protocol_every_generated_scenario_validates(data: st.DataObject) -> None:
    reg = data.draw(st.sampled_from(PRESETS), label="registrations")
    shape = data.draw(st.sampled_from(SHAPES), label="shape")
    scenario = data.draw(scenarios(Capabilities(), reg, shape))
    wire = json.loads(scenario.dumps())  # exactly what crosses the process boundary
    errors = sorted(SCENARIO.iter_errors(wire), key=str)
    assert not errors, errors[0]
    validate("scenario", wire)  # the runner's own (compiled) validator agrees
    assert Scenario.from_json(wire) == scenario
    run = {"cmd": "run", "id": 3, "scenario": wire}
    assert not list(REQUEST.iter_errors(run))
    inv = wire["invocation"]
    concurrent = {"cmd": "run_concurrently", "id": 4, "chain": wire["chain"],
                  "cases": [{"handlers": wire["handlers"], "invocation": inv}] * 2}
    assert not list(REQUEST.iter_errors(concurrent))


@pytest.mark.parametrize("bad", [
    {"chain": {"root": "a", "nodes": [{"label": "a", "kind": "lambada"}]}, "handlers": [],
     "invocation": {}},
    {"chain": {"root": "a", "nodes": [{"label": "a", "kind": "lambda", "colour": "red"}]},
     "handlers": [], "invocation": {}},
    {"chain": {"root": "a", "nodes": []}, "handlers": [], "invocation": {}},
    {"chain": {"root": "a", "nodes": [{"label": "a", "kind": "lambda"}]},
     "handlers": [{"id": "h", "fault": "sometimes"}], "invocation": {}},
    {"chain": {"root": "a", "nodes": [{"label": "a", "kind": "lambda"}]}, "handlers": [],
     "invocation": {"mode": "call"}},
])
def test_protocol_schema_rejects_what_the_model_rejects(bad: dict[str, Any]) -> None:
    assert list(SCENARIO.iter_errors(bad))
    with pytest.raises(ProtocolError):
        validate("scenario", bad)


def test_protocol_responses_validate() -> None:
    ok = {"id": 1, "results": [{
        "outcomes": [{"value": "a"}, {"error": {"kind": "injected", "label": "m",
                                                 "original": True}},
                     {"error": {"kind": "handler_fault", "handler": "h1"}},
                     {"error": {"kind": "other", "type": "TypeError", "message": "no"}}],
        "events": [{"handler": "h1", "method": "on_chain_start", "run_id": "r1",
                    "parent_run_id": None, "name": "a", "serialized": {"name": "a"},
                    "tags": ["t"], "metadata": {"k": "v"}, "payload": "input"}],
        "returned": 1, "faults": [{"handler": "h1", "method": "on_chain_start"}],
        "reports": ["handler h1 fails on purpose"]}]}
    validate("messages#/$defs/ran", ok)
    validate("messages#/$defs/response", ok)
    bad = json.loads(json.dumps(ok))
    bad["results"][0]["events"][0]["method"] = "handleChainStart"
    with pytest.raises(ProtocolError, match="method"):
        validate("messages#/$defs/ran", bad)
    assert list(_validator("messages#/$defs/ran").iter_errors(bad))


def test_protocol_schema_names_every_node_kind_and_field_of_the_model() -> None:
    """The schema moves with the chain model: a new node kind or field the strategies can draw
    is in the scenario schema (a harness declaring it must pass the handshake)."""
    import dataclasses

    from conformance.model import NODE_KINDS, Node

    defs = schema("scenario")["$defs"]
    assert set(defs["node_kind"]["enum"]) == set(NODE_KINDS)
    assert set(defs["node"]["properties"]) == {f.name for f in dataclasses.fields(Node)}
    caps = schema("capabilities")
    assert "node_kinds" in json.dumps(caps)


def test_protocol_schema_names_every_mode_and_capability_of_the_model() -> None:
    """Modes and capability fields move with the model too: a harness declaring a new mode (or
    the Python harness sending every capability) must pass the handshake."""
    import dataclasses

    from conformance.adapter import Capabilities
    from conformance.harnesses.python import capabilities_to_json
    from conformance.model import MODES

    assert set(schema("scenario")["$defs"]["mode"]["enum"]) == set(MODES)
    assert set(schema("capabilities")["properties"]) == {
        f.name for f in dataclasses.fields(Capabilities)}
    validate("capabilities", capabilities_to_json(Capabilities()))
