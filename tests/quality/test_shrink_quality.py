"""Shrink quality, in the style of Hypothesis's own ``tests/quality/``: for every broken engine
of the self-test catalogue, the counterexample the suite reports is small and carries nothing
the break does not need.

For each engine and each rule it breaks, the rule's suite tests are searched in turn (their own
registrations, shapes and modes, derandomised, 100 examples), the one ``FOUND_BY`` names
(``tests/selftest/caught_by.py``) first, and the first counterexample found is shrunk as a
failing rule test would shrink it. The shrunk case must have at most a few runs per input,
use the plain mode (``invoke``, or the first mode the test allows) and none of the incidental
features (slow lambdas, async handlers, failures, faults, reuse, manager form,
concurrency, unforwarded config, sync-only functions, running loops, duplicates, batches, tags,
root config) unless the break or the test needs it; ``NEEDS`` says which, and why.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from conformance.model import ASYNC_MODES, Scenario
from conformance.strategies import _MODE_ORDER
from tests.selftest.broken.catalogue import CATALOGUE, BrokenAdapter
from tests.selftest.caught_by import FOUND_BY
from tests.selftest.find_caught_by import COMMAND

from ._search import SuiteTest, runs_per_input, shrunk_case, suite_tests

#: Incidental features: each is absent from the plain scenario.
FEATURES: dict[str, Callable[[Scenario], bool]] = {
    "slow": lambda s: any(n.slow for n in s.chain.walk()),
    "async handler": lambda s: any(h.asynchronous for h in s.handlers),
    "failure": lambda s: any(n.fail for n in s.chain.walk()),
    "flaky": lambda s: any(n.flaky for n in s.chain.walk()),
    "fault": lambda s: any(h.fault != "none" for h in s.handlers),
    "reuse": lambda s: len({c for n in s.chain.walk() for c in n.children})
    < sum(len(n.children) for n in s.chain.walk()),
    "manager form": lambda s: s.invocation.callbacks_as_manager
    or any(n.callbacks_as_manager for n in s.chain.nodes),
    "concurrent": lambda s: any(n.concurrent for n in s.chain.walk()),
    "unforwarded config": lambda s: any(n.children and not n.forward_config
                                        for n in s.chain.walk()),
    "sync only": lambda s: any(n.sync_only for n in s.chain.walk()),
    "inside loop": lambda s: s.invocation.inside_loop,
    "duplicate": lambda s: any(len(set(hs)) != len(hs) for hs in (
        s.invocation.callbacks, *s.invocation.item_callbacks,
        *(n.callbacks for n in s.chain.nodes))),
    "several inputs": lambda s: len(s.invocation.inputs) > 1,
    "per-item configs": lambda s: bool(s.invocation.item_callbacks),
    "tags": lambda s: bool(s.invocation.tags or s.invocation.metadata)
    or any(n.tags or n.metadata for n in s.chain.nodes),
    "root config": lambda s: s.invocation.run_name is not None or s.invocation.run_id is not None,
    "bound run name": lambda s: any(n.run_name is not None for n in s.chain.nodes),
    "ignore flags": lambda s: any(h.ignore for h in s.handlers),
    "run inline": lambda s: any(h.run_inline for h in s.handlers),
    "local handler": lambda s: bool(s.invocation.local) or any(n.local for n in s.chain.nodes),
    "max concurrency": lambda s: s.invocation.max_concurrency is not None,
}


#: What a break needs beyond the plain case: features, "async mode"/"stream mode"/"batch mode"
#: (the plain mode is then the first such mode the test allows), and a larger run bound.
NEEDS: dict[str, frozenset[str]] = {
    "ParallelTasksLoseHandlers": frozenset({"async mode"}),  # tasks exist only in async modes
    "BatchUsesFirstConfig": frozenset({"batch mode", "several inputs", "per-item configs"}),
    "NoImplicitContext": frozenset({"unforwarded config"}),
    "ImplicitChildrenParentless": frozenset({"unforwarded config"}),
    "NoDedup": frozenset({"duplicate"}),
    "ConstructorTagsInherited": frozenset({"tags"}),  # the break is about tags
    "ParallelAbandonsSiblings": frozenset({"failure"}),
    "ErrorReportedAsEnd": frozenset({"failure"}),
    "AncestorsNotTold": frozenset({"failure"}),
    "CallerGetsCopy": frozenset({"failure"}),
    "ErrorSwallowedWhenTraced": frozenset({"failure"}),
    "ErrorIsACopy": frozenset({"failure"}),
    "AbatchDropsHandlers": frozenset({"async mode", "batch mode"}),
    "AstreamDropsHandlers": frozenset({"async mode", "stream mode"}),
    "TokensTwice": frozenset({"stream mode"}),
    # Two invocations must overlap in time to share the process-wide stack.
    "GlobalRunStack": frozenset({"slow", "async mode", "stream mode", "batch mode",
                                 "function with callees", "unforwarded config"}),
    # Fallbacks run only after a failure.
    "FallbackAttemptsLoseRuntimeHandlers": frozenset({"failure"}),
    "FallbacksRaiseLastError": frozenset({"failure"}),
    # A branch needs a branch and a default: the simplest has one object as both.
    "BranchConditionsParentless": frozenset({"reuse"}),
    # A retry reuses its id only when it retries: after a failure.
    "RetryReusesRunId": frozenset({"failure", "flaky"}),
    # SPEC.md §1 and §8's handler options and modes: each break is about one of them.
    "IgnoreChainSilencesTools": frozenset({"ignore flags"}),
    "ChatModelRunHalfIgnored": frozenset({"ignore flags"}),
    "ManagerHandlersAllInherited": frozenset({"manager form", "local handler"}),
    "AsCompletedDropsLateItemsHandlers": frozenset({"batch mode", "several inputs"}),
    "LimitedBatchSharesFirstConfig": frozenset({"batch mode", "several inputs",
                                                "per-item configs", "max concurrency"}),
    # parent_ids differ in order only below two ancestors: three runs at least
    "StreamEventsParentIdsNearestFirst": frozenset(),
    # The red-team engines (tests/selftest/broken/redteam.py): each break is about its feature.
    "StreamingLlmDropsFirstToken": frozenset({"stream mode"}),  # tokens come in streams only
    "StreamStartsWithEmptyInput": frozenset({"stream mode"}),
    # a coroutine handler's tokens, late only where no executor hop lets them through first
    "AsyncTokensFlushedAfterEnd": frozenset({"async mode", "stream mode", "async handler"}),
    "ExecutorRaiseErrorLost": frozenset({"async mode"}),  # the executor serves async modes only
    # the first handler of a set decides for all: it ignores, another is listed after it (the
    # shrinker keeps a bound list with the ignoring handler twice)
    "FirstHandlersFlagsForAll": frozenset({"ignore flags", "duplicate"}),
    # tags lost below the first level, where the engine hands a child config on as it is (a
    # forwarded config's tags are read again)
    "TagsInheritedOneLevel": frozenset({"tags", "unforwarded config"}),
    "ConstructorTagsWrittenIntoShared": frozenset({"tags"}),
    "NestedBindingMetadataReplaced": frozenset({"tags"}),
    "RetryAttemptsForgetTags": frozenset({"tags", "flaky"}),  # a retried attempt's tags
    "ImplicitChildrenGetRunsOwnHandlers": frozenset({"unforwarded config"}),  # the implicit path
    "AstreamStepsGetSequencesConfig": frozenset({"async mode", "stream mode"}),
    "RunNameOnFirstBatchItemOnly": frozenset({"batch mode", "several inputs"}),
    "SyncInsideLoopDropsCoroutineHandlers": frozenset({"inside loop", "async handler"}),
    "FaultyHandlerLosesTheRestOfTheStream": frozenset({"stream mode"}),  # tokens: streams only
    "ChatModelStreamsWhole": frozenset({"stream mode"}),  # the model is called whole in streams
    # a bound run name below the root, handed to the bound run's children
    "BoundRunNameNamesTheSubtree": frozenset({"bound run name"}),
}
#: Breaks that show only when invocations overlap in time: how far shrinking gets depends on
#: the machine's load, so their shrunk cases are not judged (nor pinned: test_pinned).
TIMING_DEPENDENT = frozenset(e.__name__ for e in CATALOGUE if e.TIMING_DEPENDENT)
#: Runs per input the shrunk case may have (default 4).
MAX_RUNS: dict[str, int] = {
    # all attempts fail under a branch whose condition does not hold: condition, default,
    # the fallbacks run and its attempts
    "FallbacksRaiseLastError": 6,
    # an assign needs a dict: a parallel before it (sequence, parallel, its branch, the
    # assign, its branch)
    "AssignSkipsItsParallel": 5,
    # the same for an assign that changes its input dict in place
    "AssignUpdatesItsInputInPlace": 5,
    # a lone generator shows the break (1 run), but the shrinker stops at a generator under an
    # assign (5 runs)
    "GeneratorEndReportsLastChunk": 5,
    # the break needs a tool run and a handler ignoring chains; a tool shrinks toward the
    # kinds before it in the kind order (lambda, sequence, parallel), so the shrinker stops at
    # a tool among lambdas under a parallel (8 runs, every one a plain lambda but the two)
    "IgnoreChainSilencesTools": 8,
    # one handler ignoring chains and one that does not, in one runtime list: a lone dynamic
    # function shows it (2 runs), but the shrinker stops at one calling two lambdas and a
    # parallel over a three-step sequence (8 runs)
    "FirstHandlersFlagsForAll": 8,
    # a parallel over a two-step sequence shows it (4 runs); the shrinker stops at a function
    # calling a three-step sequence, a lambda and a bound model (7 runs)
    "TagsInheritedOneLevel": 7,
    # a function with constructor handlers calling one lambda shows it (2 runs); the shrinker
    # stops at one calling a two-step sequence and two lambdas (6 runs)
    "ImplicitChildrenGetRunsOwnHandlers": 6,
    # a bound composite below the root, with a child, shows it (3 runs); the binding is put on
    # a node drawn from the chain, so the shrinker stops at a function calling a lambda and a
    # bound two-step sequence (5 runs)
    "BoundRunNameNamesTheSubtree": 5,
}


def _needs_of_test(test: SuiteTest) -> set[str]:
    reg = test.registrations
    needs = set()
    if reg.faults:
        needs.add("fault")
    if reg.root_config:
        needs.add("root config")
    if reg.per_item_configs:
        needs |= {"several inputs", "per-item configs"}
    if reg.tags and reg.tag_every_route:
        needs.add("tags")
    if test.shape is not None and test.shape.implicit_only:
        needs.add("unforwarded config")
    if reg.manager_percent >= 100:
        needs.add("manager form")
    if reg.local_percent >= 100:
        needs.add("local handler")
    return needs


def _mode_ok(scenario: Scenario, test: SuiteTest, needs: frozenset[str]) -> bool:
    allowed = [m for m in _MODE_ORDER if test.modes is None or m in test.modes]
    mode = scenario.invocation.mode
    if mode == allowed[0]:
        return True
    if "async mode" in needs or "stream mode" in needs or "batch mode" in needs:
        kinds = {"async mode": mode in ASYNC_MODES, "stream mode": "stream" in mode,
                 "batch mode": "batch" in mode}
        return any(ok for name, ok in kinds.items() if name in needs)
    return False


_CASES = [(engine, rule) for engine in CATALOGUE for rule in engine.BREAKS
          if engine.__name__ not in TIMING_DEPENDENT]


@functools.cache
def _suite_tests() -> tuple[SuiteTest, ...]:
    return tuple(suite_tests())


def _in_search_order(engine: type[BrokenAdapter], rule: str) -> list[SuiteTest]:
    """The rule's tests, the one ``caught_by.FOUND_BY`` names first, then the rest in module
    order."""
    hinted = FOUND_BY.get(engine.__name__, {}).get(rule)
    tests = [t for t in _suite_tests() if t.rule == rule]
    return sorted(tests, key=lambda t: t.name != hinted)


def _judge(engine: type[BrokenAdapter], test: SuiteTest, scenario: Scenario) -> None:
    needs = NEEDS.get(engine.__name__, frozenset())
    allowed = needs | _needs_of_test(test)
    where = f"{engine.__name__} via {test.name}: {scenario.dumps()}"
    runs = runs_per_input(scenario)
    assert runs <= MAX_RUNS.get(engine.__name__, 4), f"{runs} runs: {where}"
    incidental = sorted(f for f, has in FEATURES.items() if has(scenario) and f not in allowed)
    assert not incidental, f"incidental {incidental}: {where}"
    assert _mode_ok(scenario, test, needs), f"mode {scenario.invocation.mode}: {where}"


@pytest.mark.parametrize("engine, rule", _CASES,
                         ids=[f"{e.__name__}-{r}" for e, r in _CASES])
def test_shrunk_case_is_small_and_plain(engine: type[BrokenAdapter], rule: str) -> None:
    """The hinted test is searched first: the others cannot catch the engine, and searching
    them (100 examples each) cost most of this test's time. A hint that finds nothing is stale:
    the test still judges the case another test finds, then fails saying so."""
    adapter = engine()
    hinted = FOUND_BY.get(engine.__name__, {}).get(rule)
    for test in _in_search_order(engine, rule):
        scenario = shrunk_case(adapter, test, max_examples=100)
        if scenario is None:
            continue  # this test's space does not show the break; the next one may
        _judge(engine, test, scenario)
        if test.name != hinted:
            pytest.fail(f"stale hint in tests/selftest/caught_by.py: {engine.__name__} {rule} "
                        f"is caught by {test.name}, not {hinted}; run {COMMAND} --engine "
                        f"{engine.__name__}")
        return
    pytest.fail(f"no test of {rule} found a counterexample for {engine.__name__} in 100 "
                "examples")
