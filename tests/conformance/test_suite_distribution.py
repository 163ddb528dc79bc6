"""The generator's distribution stays within bounds (issue 11, item 7).

Drawn as a rule test draws (Hypothesis's generate phase, fixed seed): few single-run chains,
and the shapes and routes users write (the seeds' prompt-then-model sequence, one handler bound
and given at run time, nested bindings, every mode) frequent enough that the default profile
(100 examples per test) exercises each many times. ``python -m conformance stats`` prints the
same numbers.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from conformance.adapter import Capabilities
from conformance.model import COMPOSED_KINDS, EXTRA_MODES, MODES, Mode, Scenario
from conformance.stats import Distribution, draw_scenarios, measure
from conformance.strategies import ChainShape, Registrations

N = 600


@cache
def _general() -> Distribution:
    return measure(draw_scenarios(N, Capabilities(), Registrations(), seed=1))


def test_at_most_a_fifth_of_chains_are_a_single_run() -> None:
    assert _general().share("single run per input") <= 0.22, _general().render()


@pytest.mark.parametrize("feature, at_least", [
    ("seed shape (prompt then chat model)", 0.05),
    ("one handler, bound and runtime", 0.10),
    ("nested bindings", 0.05),
    ("reused object", 0.05),
    ("function with callees", 0.15),
    ("callees without forwarded config", 0.05),
    ("concurrent callees", 0.04),
    ("sync-only function under an async mode", 0.02),
    ("sync mode inside a running loop", 0.02),
    ("several inputs", 0.08),
    ("per-item configs", 0.02),
    ("async handler", 0.10),
    ("manager form", 0.20),
    ("handler twice in one list", 0.20),
])
def test_feature_is_drawn_often_enough(feature: str, at_least: float) -> None:
    assert _general().share(feature) >= at_least, _general().render()


@pytest.mark.parametrize("mode", sorted(set(MODES) - EXTRA_MODES))
def test_every_mode_is_drawn_often(mode: str) -> None:
    share = _general().mode_share(mode)
    assert 0.08 <= share <= 0.35, _general().render()


def test_plain_values_are_not_the_usual_ones() -> None:
    """Plain values are where shrinking ends, not what generation mostly draws."""
    dist = _general()
    assert dist.share("slow lambda") <= 0.25
    assert dist.share("async handler") <= 0.6
    assert dist.mode_share("invoke") <= 0.35


def test_failures_and_root_config_when_asked_for() -> None:
    dist = measure(draw_scenarios(300, Capabilities(),
                                  Registrations(failures=True, root_config=True), seed=2))
    assert 0.2 <= dist.share("failing node") <= 0.8, dist.render()
    assert dist.share("run_name") >= 0.3, dist.render()
    assert dist.share("run_id") >= 0.2, dist.render()
    batched_names = measure(draw_scenarios(150, Capabilities(), Registrations(root_config=True),
                                           modes=("batch", "abatch"), seed=3))
    assert batched_names.share("run_name") >= 0.3, batched_names.render()
    assert batched_names.share("run_id") > 0, "a batch of one input may name its root's id"


@cache
def _composed() -> Distribution:
    """What the composed runnables' rule tests draw (``stats --composed --failures``)."""
    from conformance.strategies import COMPOSED_SHAPE

    return measure(draw_scenarios(N, Capabilities(), Registrations(failures=True),
                                  shape=COMPOSED_SHAPE, seed=1), composed=True)


@pytest.mark.parametrize("kind, at_least", [
    ("llm", 0.18), ("branch", 0.15), ("fallbacks", 0.08), ("retry", 0.18), ("map", 0.18),
    ("assign", 0.09), ("pick", 0.05), ("generator", 0.20), ("streaming_llm", 0.10),
])
def test_composed_tests_draw_each_construct_often(kind: str, at_least: float) -> None:
    assert _composed().kinds[kind] >= at_least * N, _composed().render()


def test_the_classic_tests_never_draw_composed_constructs() -> None:
    assert not any(_general().kinds[k] for k in COMPOSED_KINDS), _general().render()


@pytest.mark.parametrize("feature, at_least", [
    ("false branch condition", 0.08),
    ("failing branch condition", 0.04),
    ("fallback tried", 0.06),
    ("every fallback attempt fails", 0.015),
    ("failing llm", 0.05),
    ("retry succeeds on attempt 2", 0.07),
    ("every retry attempt fails", 0.04),
    ("map over several items", 0.12),
    ("pick after assign", 0.05),
    ("failing generator", 0.06),
    ("streaming llm in a stream mode", 0.03),
])
def test_composed_feature_is_drawn_often_enough(feature: str, at_least: float) -> None:
    assert _composed().share(feature) >= at_least, _composed().render()


@cache  # several tests measure the same draws (Registrations and ChainShape are frozen)
def _options(registrations: Registrations, shape: ChainShape | None = None,
             modes: tuple[Mode, ...] | None = None) -> Distribution:
    return measure(_drawn(registrations, shape, modes))


@cache
def _drawn(registrations: Registrations, shape: ChainShape | None = None,
           modes: tuple[Mode, ...] | None = None) -> list[Scenario]:
    return draw_scenarios(300, Capabilities(), registrations, shape=shape, modes=modes, seed=1)


def test_the_other_tests_draw_no_handler_option_and_no_added_mode() -> None:
    """SPEC.md §8's options and modes are drawn by their own tests only, so the draws (and the
    derandomised quick profile's examples) of every other test stay as they were."""
    for feature in ("ignore flag silencing a drawn run", "local manager handler"):
        assert not _general().features[feature], _general().render()
    assert not any(_general().modes[m] for m in EXTRA_MODES), _general().render()


def test_the_other_tests_make_some_sync_handlers_inline_without_a_die_of_their_own() -> None:
    """``run_inline`` sync handlers come from the die that makes handlers async
    (``Registrations.sync_inline_percent``): every test has both kinds of sync handler, and no
    other draw moved (the handlers are the same, inline or not)."""
    general = _general()
    assert general.share("run_inline handler") >= 0.2, general.render()
    plain = draw_scenarios(300, Capabilities(), replace(Registrations(), sync_inline_percent=0),
                           seed=1)
    drawn = draw_scenarios(300, Capabilities(), Registrations(), seed=1)
    for a, b in zip(plain, drawn):
        assert a.chain == b.chain and a.invocation == b.invocation
        assert [replace(h, run_inline=False) for h in a.handlers] == \
            [replace(h, run_inline=False) for h in b.handlers]
        assert not any(h.run_inline and h.asynchronous for h in b.handlers)


@pytest.mark.parametrize("test, feature, at_least", [
    ("ignoring", "ignore flag silencing a drawn run", 0.3),
    ("ignoring", "run_inline handler", 0.2),
    ("local at run time", "local manager handler", 0.9),
    ("local at run time", "run_inline handler", 0.2),
    ("bound managers", "local manager handler", 0.5),
    ("bound, ignoring", "ignore flag silencing a drawn run", 0.3),
    ("constructors", "ignore flag silencing a drawn run", 0.2),
    ("constructors", "local manager handler", 0.2),
])
def test_handler_option_tests_draw_their_option_often(test: str, feature: str,
                                                      at_least: float) -> None:
    """The tests of SPEC.md §8's handler options (test_r01/r02/r03_handler_options): with 100
    examples each in the default profile, each option is drawn tens of times per run."""
    from conformance.suite import test_r01_handler_options as r1
    from conformance.suite import test_r02_handler_options as r2
    from conformance.suite import test_r03_handler_options as r3

    registrations, shape = {
        "ignoring": (r1.IGNORING, r1.EVERY_RUN_TYPE),
        "local at run time": (r1.LOCAL_AT_RUN_TIME, None),
        "bound managers": (r2.BOUND_MANAGERS, None),
        "bound, ignoring": (r2.BOUND_IGNORING, None),
        "constructors": (r3.CONSTRUCTOR_OPTIONS, None),
    }[test]
    dist = _options(registrations, shape)
    assert dist.share(feature) >= at_least, dist.render()


def test_max_concurrency_test_draws_limits_on_batches_of_several() -> None:
    from conformance.suite.test_r01_handler_options import BATCH_MODES_DRAWN, LIMITED

    dist = _options(LIMITED, modes=BATCH_MODES_DRAWN)
    limited = [s.invocation.max_concurrency for s in _drawn(LIMITED, modes=BATCH_MODES_DRAWN)]
    assert limited.count(2) >= 90 and limited.count(1) >= 45, limited
    assert dist.share("per-item configs") >= 0.2, dist.render()
    assert all(m is None for m in (s.invocation.max_concurrency for s in draw_scenarios(
        100, Capabilities(), Registrations(), seed=1))), "other tests draw no limit"


def test_as_completed_tests_draw_both_modes_with_several_inputs() -> None:
    from conformance.suite.test_r01_handler_options import AS_COMPLETED

    dist = _options(Registrations(bound=False, constructor=False, tags=False, failures=True,
                                  item_config_percent=50), modes=AS_COMPLETED)
    for mode in AS_COMPLETED:
        assert dist.mode_share(mode) >= 0.35, dist.render()
    assert dist.share("several inputs") >= 0.5, dist.render()
    assert dist.share("per-item configs") >= 0.2, dist.render()
