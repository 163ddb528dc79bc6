"""The generator draws well-formed scenarios: what a drawn chain asks of a runtime is what the
oracle expects of it, so a correct engine cannot fail on a drawing mistake."""

from __future__ import annotations

import pytest

from conformance.adapter import Capabilities
from conformance.model import Chain, Node, Scenario
from conformance.stats import draw_scenarios
from conformance.strategies import COMPOSED_SHAPE, Dice, Registrations, _insert_binding


def _picks_name_assigned_keys(scenario: Scenario) -> list[str]:
    """Each pick right after an assign whose keys are not among the assign's (its children's
    labels): a pick of a missing key returns None, and a stream of it yields nothing."""
    chain = scenario.chain
    wrong = []
    for node in chain.nodes:
        if node.kind != "sequence":
            continue
        for before, after in zip(node.children, node.children[1:]):
            assign, pick = chain[before], chain[after]
            if assign.kind == "assign" and pick.kind == "pick" \
                    and not set(pick.keys) <= set(assign.children):
                wrong.append(f"{pick.label} picks {list(pick.keys)} of {assign.label}, which "
                             f"assigns {list(assign.children)}")
    return wrong


def test_a_binding_around_an_assigned_child_renames_the_picked_key() -> None:
    """Regression (the default profile failed the reference on it): a binding inserted around
    an assign's child renamed the key the assign makes but not the pick that follows it."""
    chain = Chain((Node("fn1", "lambda"), Node("assign2", "assign", ("fn1",)),
                   Node("pick3", "pick", keys=("fn1",)),
                   Node("seq4", "sequence", ("assign2", "pick3"))), "seq4")
    bound = _insert_binding(Dice(lambda _: b"\0" * 4), chain, "fn1")
    assert bound["assign2"].children == ("bind_fn1",)
    assert bound["pick3"].keys == ("bind_fn1",)
    twice = _insert_binding(Dice(lambda _: b"\0" * 4), bound, "bind_fn1")
    assert twice["pick3"].keys == twice["assign2"].children == ("bind_bind_fn1",)


@pytest.mark.parametrize("registrations", [
    Registrations(require_bound=True, nested_bound=True),
    Registrations(failures=True),
], ids=["nested-bound", "bound-maybe"])
def test_drawn_picks_name_keys_their_assign_makes(registrations: Registrations) -> None:
    drawn = draw_scenarios(300, Capabilities(), registrations, shape=COMPOSED_SHAPE, seed=2)
    assert sum(any(n.kind == "pick" for n in s.chain.nodes) for s in drawn) >= 10
    wrong = [w for s in drawn for w in _picks_name_assigned_keys(s)]
    assert not wrong, wrong[:5]
