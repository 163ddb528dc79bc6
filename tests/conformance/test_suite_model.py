"""The chain model: JSON round trips and clear errors for malformed models."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings

from conformance.adapter import Capabilities
from conformance.model import Chain, ModelError, Node, Scenario
from conformance.oracle import expect
from conformance.strategies import RETRY_SHAPE, Registrations, chains, scenarios


@settings(max_examples=50, deadline=None)
@given(chains())
def test_chains_round_trip_through_json(chain: Chain) -> None:
    assert Chain.from_json(json.loads(json.dumps(chain.to_json()))) == chain


@settings(max_examples=50, deadline=None)
@given(scenarios(Capabilities(), Registrations(failures=True, faults=True, root_config=True)))
def test_scenarios_round_trip_and_repr_rebuilds_them(scenario: Scenario) -> None:
    assert Scenario.from_json(json.loads(scenario.dumps())) == scenario
    assert eval(repr(scenario), {"Scenario": Scenario}) == scenario


@pytest.mark.parametrize(
    ("nodes", "root", "message"),
    [
        ((Node("a", "sequence", ("b",)),), "a", "unknown child 'b'"),
        ((Node("a", "lambda"), Node("a", "lambda")), "a", "duplicate label"),
        ((Node("a", "lambda"),), "z", "root 'z'"),
        ((Node("a", "sequence", ("b", "a")), Node("b", "lambda")), "a", "cycle"),
        ((Node("a", "lambda", ("b",)), Node("b", "lambda")), "a", "cannot have children"),
        ((Node("a", "binding", ()),), "a", "exactly one child"),
        ((Node("a", "sequence", (), fail=True),), "a", "needs at least one child"),
        ((Node("a", "parallel", ("b",), fail=True), Node("b", "lambda")), "a", "cannot fail"),
        ((Node("a", "parallel", ("b", "b")), Node("b", "lambda")), "a", "same branch twice"),
    ],
)
def test_malformed_chains_say_what_is_wrong(nodes: tuple[Node, ...], root: str,
                                            message: str) -> None:
    with pytest.raises(ModelError, match=message):
        Chain(nodes, root)


def test_unknown_fields_and_kinds_are_rejected() -> None:
    with pytest.raises(ModelError, match="unknown fields"):
        Node.from_json({"label": "a", "kind": "lambda", "colour": "red"})
    with pytest.raises(ModelError, match="kind must be one of"):
        Node.from_json({"label": "a", "kind": "banana"})


def test_scenario_rejects_undeclared_handlers() -> None:
    chain = Chain((Node("a", "lambda", callbacks=("h9",)),), "a")
    with pytest.raises(ModelError, match="undeclared handlers"):
        Scenario(chain, (), Scenario.from_json({"chain": chain.to_json(), "handlers": [
            {"id": "h9"}]}).invocation)


def test_reused_object_is_one_node() -> None:
    chain = Chain((Node("s", "sequence", ("x", "x")), Node("x", "lambda")), "s")
    assert [n.label for n in chain.walk()] == ["s", "x"]


@settings(max_examples=150, deadline=None)
@given(scenarios(Capabilities(), Registrations(failures=True, fail_percent=15),
                 RETRY_SHAPE,
                 modes=("batch", "abatch", "invoke")))
def test_drawn_flaky_lambdas_are_reached_with_values_of_their_own(scenario: Scenario) -> None:
    """The strategies leave a lambda flaky only where the oracle can say what it does: no two
    retry runs hand it one value (a batch past a lambda returning its label makes it plain)."""
    expect(scenario)  # raises ModelError for a shared flaky toggle
