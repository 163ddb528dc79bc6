"""What every rule test does: draw a scenario the adapter supports, run the rule's property,
and fail with a report naming the rule, the shrunk chain and expected vs observed events."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

import pytest
from hypothesis import reject
from hypothesis import strategies as st

from ..adapter import Adapter, AdapterError, Capabilities
from ..deviations import entry_for
from ..explain import explain
from ..harness import reproduction
from ..incidental import note as note_incidental
from ..model import Mode, Scenario
from ..properties import evaluate
from ..pytest_plugin import known_deviations
from ..rules import rule_of_test
from ..strategies import ChainShape, Registrations, scenarios

__all__ = ["RuleViolation", "holds", "rule_checked"]


#: id(adapter) -> (the adapter error, the scenario that raised it), once an adapter has failed;
#: (id(adapter), test id) for an adapter that recovers after an error (``recovers_after_error``:
#: a harness process is started afresh), so that only the rest of that test is errored.
_BROKEN_ADAPTERS: dict[int | tuple[int, str], tuple[str, str]] = {}


def _broken_key(adapter: Adapter, test: str) -> int | tuple[int, str]:
    if getattr(adapter, "recovers_after_error", False) is True:
        return (id(adapter), test)
    return id(adapter)


class RuleViolation(AssertionError):
    """A rule does not hold; the message is the short report, ``full_report`` the long one
    (every violation and handler: the JSON report and ``--full-report`` show it)."""

    def __init__(self, message: str, full_report: str | None = None) -> None:
        super().__init__(message)
        self.full_report = message if full_report is None else full_report


#: (id(capabilities), registrations, shape, modes) -> (capabilities, their strategy).
_STRATEGIES: dict[tuple[object, ...], tuple[Capabilities, st.SearchStrategy[Scenario]]] = {}


def _scenarios(capabilities: Capabilities, registrations: Registrations,
               shape: ChainShape | None, modes: Sequence[Mode] | None
               ) -> st.SearchStrategy[Scenario]:
    """:func:`~conformance.strategies.scenarios`, one strategy object per test's arguments:
    a new one per example cost Hypothesis its validation and label again, every example (the
    draws are the same). Capabilities hold dicts, so they are keyed by identity (and kept)."""
    key = (id(capabilities), registrations, shape, None if modes is None else tuple(modes))
    cached = _STRATEGIES.get(key)
    if cached is None or cached[0] is not capabilities:
        cached = _STRATEGIES[key] = (capabilities,
                                     scenarios(capabilities, registrations, shape, modes))
    return cached[1]


def rule_checked(request: pytest.FixtureRequest) -> str:
    """The rule the requesting test checks: the id its name carries (``test_R4_...``), the one
    place a suite test writes it."""
    rule = rule_of_test(request.node.name)
    if rule is None:
        raise ValueError(f"{request.node.name}: a rule test's name starts with test_R<n>_")
    return rule


def holds(
    request: pytest.FixtureRequest,
    adapter: Adapter,
    data: st.DataObject,
    registrations: Registrations,
    shape: ChainShape | None = None,
    modes: Sequence[Mode] | None = None,
) -> Scenario:
    """Draw one scenario and assert the test's rule (:func:`rule_checked`) holds for it.

    Counts on the test item, for the runner's report: ``conformance_examples`` (scenarios drawn,
    shrink attempts included), ``conformance_checked`` (examples the rule was checked on: it held
    or was violated), ``conformance_rejected`` (examples with nothing to check); after an adapter
    error, ``conformance_error_scenario`` is the scenario (JSON) that raised it.
    """
    node = request.node
    rule = rule_checked(request)
    node.conformance_examples = getattr(node, "conformance_examples", 0) + 1
    scenario = data.draw(_scenarios(adapter.capabilities, registrations, shape, modes),
                         label="scenario")
    broken = _BROKEN_ADAPTERS.get(_broken_key(adapter, node.nodeid))
    if broken is not None:
        # Once the adapter itself has failed, fail every further example at once (of this test
        # only, for an adapter that recovers): shrinking an adapter bug as if it were a rule
        # failure only wastes time.
        if not hasattr(node, "conformance_error_scenario"):
            node.conformance_error_scenario = broken[1]
        raise AdapterError(broken[0])
    try:
        finding = evaluate(rule, adapter, scenario, known_deviations(request.config))
    except AdapterError as exc:
        _BROKEN_ADAPTERS[_broken_key(adapter, node.nodeid)] = (str(exc), scenario.dumps())
        node.conformance_error_scenario = scenario.dumps()
        raise
    except Exception:  # the harness itself crashed: errored, with the (last, shrunk) scenario
        node.conformance_error_scenario = scenario.dumps()
        raise
    note_incidental(node, rule, finding.incidental,
                    request.config.getoption("impl", None) or "reference")
    if finding.vacuous and not finding:
        node.conformance_rejected = getattr(node, "conformance_rejected", 0) + 1
        reject()  # nothing could be checked: not a pass (see Finding.vacuous)
    node.conformance_checked = getattr(node, "conformance_checked", 0) + 1
    if finding.known:
        seen: Counter[str] = getattr(node, "conformance_known", None) or Counter()
        seen.update(finding.known)
        node.conformance_known = seen
    if finding:
        code = reproduction(adapter, finding.scenario)
        impl = request.config.getoption("impl", None) or "reference"
        entry = json.dumps(entry_for(finding.violations[0]))
        paste = ("\nIf this is a deviation you keep, add it to your expectation file's "
                 f"\"deviations\" (with its reason):\n  {entry}")
        known = request.config.getoption("expectations", None) or None
        raise RuleViolation("\n" + explain(finding, code, impl=impl, expectations=known) + paste,
                            full_report=explain(finding, code, impl=impl, full=True,
                                                expectations=known) + paste)
    return scenario
