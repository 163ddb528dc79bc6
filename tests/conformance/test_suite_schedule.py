"""The order the suite's tests start in (longest first) and the slow lambdas' pause: what makes
the suite quicker must not change which scenarios overlap where they can."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from conformance import harness, traceability
from conformance.model import Chain, Invocation, Node, Scenario
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
