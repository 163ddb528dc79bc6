"""The order the suite's tests start in (longest first) and the slow lambdas' pause: what makes
the suite quicker must not change which scenarios overlap where they can."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from conformance import harness, traceability
from conformance.model import Chain, HandlerSpec, Invocation, Node, Scenario
from conformance.observed import Probe
from conformance.schedule import COSTS, longest_first


@dataclass(frozen=True)
class Item:
    name: str


def test_every_costed_test_is_a_suite_test() -> None:
    """A renamed test would silently lose its place; the table names only existing tests."""
    names = {t.split("::")[1] for tests in traceability.tests_by_rule().values() for t in tests}
    assert set(COSTS) <= names, sorted(set(COSTS) - names)


def test_longest_first_puts_costed_tests_first_and_keeps_the_rest_in_order() -> None:
    cheap, long, longer = sorted(COSTS, key=COSTS.__getitem__)[:1] + sorted(
        COSTS, key=COSTS.__getitem__)[-2:]
    items = [Item("test_R99_a"), Item(cheap), Item("test_R99_b[x]"), Item(long),
             Item("test_R99_c"), Item(longer)]
    assert [i.name for i in longest_first(items)] == [
        longer, long, cheap, "test_R99_a", "test_R99_b[x]", "test_R99_c"]


def _paused_together(probe: Probe, n: int) -> float:
    started = threading.Barrier(n)

    def slow() -> None:
        started.wait()
        probe.pause()

    threads = [threading.Thread(target=slow) for _ in range(n)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - began


def test_pause_ends_when_a_partner_pauses_too() -> None:
    probe = Probe()
    probe.delay = 5.0  # a partner must end the wait long before this
    assert _paused_together(probe, 2) < 2.0


def test_pause_alone_waits_the_delay() -> None:
    probe = Probe()
    probe.delay = 0.05
    began = time.monotonic()
    probe.pause()
    assert time.monotonic() - began >= 0.045


def _pause_beside(probe: Probe, heard_after: float) -> float:
    """Seconds a pause took while another thread recorded an event ``heard_after`` in."""

    def other_run() -> None:
        time.sleep(heard_after)
        probe.heard()

    other = threading.Thread(target=other_run)
    began = time.monotonic()
    other.start()
    probe.pause()
    took = time.monotonic() - began
    other.join()
    return took


def test_an_event_of_another_run_ends_the_pause_where_nothing_can_fail() -> None:
    """The event shows the other run overlapped the paused one: no need to wait on."""
    probe = Probe(released_by_events=True)
    probe.delay = 5.0
    assert _pause_beside(probe, 0.02) < 2.0


def test_where_something_can_fail_the_pause_waits_its_delay_whatever_it_hears() -> None:
    """A branch kept running while a sibling fails is what R7.6 checks."""
    probe = Probe()
    probe.delay = 0.2
    assert _pause_beside(probe, 0.01) >= 0.19


def test_the_harness_releases_pauses_by_events_only_where_nothing_can_fail() -> None:
    a, b = Node("a", "lambda", slow=True), Node("b", "lambda")
    calm = _scenario(Node("p", "parallel", ("a", "b")), a, b)
    assert not harness._can_fail(calm)
    assert harness._can_fail(_scenario(Node("p", "parallel", ("a", "b")), a,
                                       replace(b, fail=True)))
    faulty = replace(calm, handlers=(HandlerSpec("h1", fault="raise"),))
    assert harness._can_fail(faulty)


def _scenario(*nodes: Node, inputs: tuple[str, ...] = ("input",), mode: str = "invoke"
              ) -> Scenario:
    return Scenario(Chain(nodes, nodes[0].label), (),
                    Invocation(mode=mode, inputs=inputs))  # type: ignore[arg-type]


def test_slow_lambdas_stay_slow_only_where_something_can_overlap_them() -> None:
    a, b = Node("a", "lambda", slow=True), Node("b", "lambda")
    seq = _scenario(Node("s", "sequence", ("a", "b")), a, b)
    assert not any(n.slow for n in harness._as_run(seq).nodes)
    assert seq.chain.nodes[1].slow  # the scenario itself (reports, reproductions) keeps it
    for overlapping in (
        _scenario(Node("p", "parallel", ("a", "b")), a, b),
        _scenario(Node("s", "sequence", ("a", "b")), a, b, inputs=("i0", "i1"), mode="batch"),
        _scenario(Node("d", "dynamic", ("a", "b"), concurrent=True), a, b),
    ):
        assert harness._as_run(overlapping) is overlapping.chain
    lone_caller = _scenario(Node("d", "dynamic", ("a",), concurrent=True), a)
    assert not any(n.slow for n in harness._as_run(lone_caller).nodes)
    assert replace(a, slow=False) in harness._as_run(lone_caller).nodes
    # per lambda: the one after the parallel has nothing beside it, the branch has
    c = Node("c", "lambda", slow=True)
    after = _scenario(Node("s", "sequence", ("p", "c")), Node("p", "parallel", ("a", "b")),
                      a, b, c)
    run = harness._as_run(after)
    assert run["a"].slow and not run["c"].slow
    lone_assign = _scenario(Node("s", "assign", ("a",)), a)
    assert not harness._as_run(lone_assign)["a"].slow
