"""Search and shrink a rule's counterexample in-process, the way the rule's own tests draw.

Each suite test (``conformance/suite/test_r*.py``) draws its scenarios with one
:class:`~conformance.strategies.Registrations`, an optional shape and modes, and asserts its rule
through ``holds``. :func:`suite_tests` reads those parameters off the tests themselves (calling
each test's body with ``holds`` replaced by a recorder), so the quality tests search exactly the
space the suite searches, and :func:`shrunk_case` runs Hypothesis over it with shrinking on.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyFailure

import conformance.suite
from conformance.adapter import Adapter
from conformance.model import Mode, Scenario
from conformance.properties import evaluate
from conformance.rules import rule_of_test
from conformance.strategies import ChainShape, Registrations, scenarios

__all__ = ["SuiteTest", "runs_per_input", "shrunk_case", "suite_tests"]


@dataclass(frozen=True)
class SuiteTest:
    """One rule test and the space it draws from."""

    name: str
    rule: str
    registrations: Registrations
    shape: ChainShape | None
    modes: Sequence[Mode] | None


class _Drawn(Exception):
    def __init__(self, registrations: Registrations, shape: ChainShape | None,
                 modes: Sequence[Mode] | None) -> None:
        super().__init__("drawn")
        self.args_ = (registrations, shape, modes)


def _record(request: Any, adapter: Any, data: Any, registrations: Registrations,
            shape: ChainShape | None = None, modes: Sequence[Mode] | None = None) -> None:
    raise _Drawn(registrations, shape, modes)


def suite_tests() -> Iterator[SuiteTest]:
    """Every rule test of the suite, with its generation parameters, in module order."""
    for info in sorted(pkgutil.iter_modules(conformance.suite.__path__), key=lambda m: m.name):
        if not info.name.startswith("test_r"):
            continue
        module = importlib.import_module(f"conformance.suite.{info.name}")
        for name, fn in vars(module).items():
            inner = getattr(getattr(fn, "hypothesis", None), "inner_test", None)
            if not name.startswith("test_R") or inner is None:
                continue
            saved = module.holds
            module.holds = _record
            try:
                inner(adapter=None, request=None, data=None)
            except _Drawn as drawn:
                registrations, shape, modes = drawn.args_
                rule = rule_of_test(name)
                assert rule is not None, name
                yield SuiteTest(name, rule, registrations, shape, modes)
            finally:
                module.holds = saved


class _Found(Exception):
    def __init__(self, scenario: Scenario) -> None:
        super().__init__(scenario.dumps())
        self.scenario = scenario


def shrunk_case(adapter: Adapter, test: SuiteTest, max_examples: int = 100) -> Scenario | None:
    """The minimal scenario of ``test``'s space that violates its rule on ``adapter`` (None if
    ``max_examples`` draws find none). Derandomised: the same answer on every run."""

    @settings(max_examples=max_examples, database=None, derandomize=True, deadline=None,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False, print_blob=False)
    @given(scenarios(adapter.capabilities, test.registrations, test.shape, test.modes))
    def search(scenario: Scenario) -> None:
        if evaluate(test.rule, adapter, scenario):
            raise _Found(scenario)

    try:
        search()
    except _Found as found:
        return found.scenario
    except FlakyFailure as flaky:  # a timing-dependent break: its last counterexample
        found = [e for e in flaky.exceptions if isinstance(e, _Found)]
        if found:
            return found[-1].scenario
        raise
    return None


def runs_per_input(scenario: Scenario) -> int:
    """Runs one input produces (bindings create none; a reused object runs each time)."""
    chain = scenario.chain

    def count(label: str) -> int:
        node = chain[label]
        return (node.kind != "binding") + sum(count(c) for c in node.children)

    return count(chain.root)
