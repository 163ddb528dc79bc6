"""Workers pinned to CPUs (conformance.affinity): which worker gets which CPU, when nothing is
pinned, and that the runner passes the choice on."""

from __future__ import annotations

import os
import threading
from typing import Any

import pytest

from conformance import affinity
from conformance.cli import default_workers, parse, run_argv

needs_affinity = pytest.mark.skipif(not hasattr(os, "sched_setaffinity"),
                                    reason="no sched_setaffinity on this platform")


def _in_thread(call: Any) -> Any:
    """``call()`` on a thread of its own: pinning applies to the calling thread only, so the
    test's own thread keeps its CPUs."""
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append((call(), os.sched_getaffinity(0))))
    thread.start()
    thread.join()
    return out[0]


@needs_affinity
def test_workers_get_cpus_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    # The machine's CPUs, not this thread's: under pytest-xdist this test's worker is pinned.
    cpus = list(range(os.cpu_count() or 1))
    if len(cpus) < 2:
        pytest.skip("one CPU: nothing to spread the workers over")
    mine = os.sched_getaffinity(0)
    monkeypatch.setattr(affinity, "usable_cpus", lambda: cpus)
    for number in range(2 * len(cpus)):
        pinned, allowed = _in_thread(lambda n=number: affinity.pin_worker(f"gw{n}", len(cpus)))
        if pinned is None:
            pytest.skip(f"this process may not run on CPU {cpus[number % len(cpus)]}")
        assert pinned == cpus[number % len(cpus)]
        assert allowed == {pinned}
    assert os.sched_getaffinity(0) == mine  # this thread was left alone


@needs_affinity
@pytest.mark.parametrize("worker_id, workers", [("gw0", 3), ("gw1", 1), ("main", 2),
                                                ("gw", 2), ("gw0", 0)])
def test_nothing_pinned_when_workers_do_not_share_the_cpus_evenly(
        monkeypatch: pytest.MonkeyPatch, worker_id: str, workers: int) -> None:
    monkeypatch.setattr(affinity, "usable_cpus", lambda: [0, 1])
    calls: list[object] = []
    monkeypatch.setattr(os, "sched_setaffinity", lambda *a: calls.append(a))
    assert affinity.pin_worker(worker_id, workers) is None
    assert calls == []


def test_one_cpu_or_a_refusal_pins_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(affinity, "usable_cpus", lambda: [3])
    assert affinity.pin_worker("gw0", 1) is None

    def refuse(*args: object) -> None:
        raise PermissionError("not here")

    monkeypatch.setattr(affinity, "usable_cpus", lambda: [0, 1])
    monkeypatch.setattr(os, "sched_setaffinity", refuse, raising=False)
    assert affinity.pin_worker("gw1", 2) is None


def test_an_xdist_workerinput_names_the_worker_and_the_count(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int]] = []
    monkeypatch.setattr(affinity, "pin_worker", lambda w, n: seen.append((w, n)))
    affinity.pin_xdist_worker({"workerid": "gw3", "workercount": 4})
    affinity.pin_xdist_worker({})
    assert seen == [("gw3", 4), ("", 0)]


def test_the_runner_starts_a_worker_per_usable_cpu_and_passes_no_pin() -> None:
    assert default_workers() == len(affinity.usable_cpus())
    args, extra = parse(["run"])
    argv = run_argv(args, extra)
    assert "--conformance-no-pin" not in argv
    args, extra = parse(["run", "--no-pin"])
    assert "--conformance-no-pin" in run_argv(args, extra)
