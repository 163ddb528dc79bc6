"""R15 handler-interface, on the seed pages themselves: the seeds' ``LoggingHandler`` on
``prompt | chat_model``, registered as each page registers it, prints the lines the page shows
(see :mod:`conformance.seeds`)."""

from __future__ import annotations

import pytest

from ..adapter import Adapter
from ..explain import explain
from ..harness import reproduction, run_scenario
from ..model import MODES, Mode
from ..oracle import expect
from ..properties import Finding
from ..pytest_plugin import NOT_APPLICABLE, known_deviations
from ..seeds import SEEDS, Seed, seed_scenario, seed_violations
from ._support import RuleViolation, rule_checked


def _needs(seed: Seed, mode: Mode) -> dict[str, object]:
    kinds = {"prompt", "chat_model", "sequence"} | ({"binding"} if seed.route == "bound" else set())
    needs: dict[str, object] = {"node_kinds": frozenset(kinds), "modes": frozenset({mode})}
    if seed.route == "constructor":
        needs["constructor_callbacks"] = frozenset({"chat_model"})
    return needs


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("seed", SEEDS, ids=[s.id for s in SEEDS])
def test_R15_seed_pages_print_what_they_show(
    adapter: Adapter, request: pytest.FixtureRequest, seed: Seed, mode: Mode
) -> None:
    """The seed's handler prints the page's lines, in every mode (one input in batch modes)."""
    capabilities = adapter.capabilities
    missing = capabilities.missing(_needs(seed, mode))
    if missing:
        pytest.skip(NOT_APPLICABLE + "; ".join(
            f"{m} ({capabilities.notes[m.split()[0]]})" if m.split()[0] in capabilities.notes
            else m for m in missing))
    scenario = seed_scenario(seed, mode)
    node = request.node
    node.conformance_examples = 1
    observation = run_scenario(adapter, scenario)
    unknown, seen = known_deviations(request.config).split(
        seed_violations(seed, mode, observation.events))
    node.conformance_checked = 1
    if seen:
        node.conformance_known = seen
    if unknown:
        finding = Finding(rule_checked(request), scenario, unknown, observation,
                          expect(scenario))
        impl = request.config.getoption("impl", None) or "reference"
        text = explain(finding, reproduction(adapter, scenario), impl=impl)
        raise RuleViolation("\n" + text)
