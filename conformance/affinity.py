"""One CPU per pytest-xdist worker, where the platform allows it (Linux).

A worker's scenarios hand work from thread to thread all the time: in async modes every sync
handler call and every sync function runs on an executor thread while the event loop waits, and
sync fan-out runs on pool threads. With the worker's threads on one CPU a hand-off is a switch on
that CPU; spread over several, each hand-off wakes another CPU, which costs more CPU time than
the switch (on this project's 2-vCPU machine a loop-to-executor round trip took about 95 us of
CPU unpinned and 40 us pinned). So the runner starts one worker per CPU it may use and pins each
worker, with the threads it starts, to a CPU of its own. The workers' CPUs are told apart by
worker number, so the pinning is only done when the workers divide evenly over the CPUs; an
uneven share would leave one CPU idle while two workers queue on another.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["pin_worker", "pin_xdist_worker", "usable_cpus"]


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (all of ``os.cpu_count()`` where that cannot be asked)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def pin_worker(worker_id: str, workers: int) -> int | None:
    """Pin the calling thread, and so every thread and process it starts from now on, to one of
    :func:`usable_cpus`: the worker numbered ``N`` in ``gwN`` gets CPU ``N`` modulo their count.
    The CPU pinned to, or None when nothing was done (no such call on this platform, one CPU, a
    worker id without a number, or ``workers`` not a multiple of the CPUs)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = usable_cpus()
    number = worker_id.removeprefix("gw")
    if len(cpus) < 2 or workers <= 0 or workers % len(cpus) or not number.isdigit():
        return None
    cpu = cpus[int(number) % len(cpus)]
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:  # a CPU taken away meanwhile, or a sandbox that refuses: run unpinned
        return None
    return cpu


def pin_xdist_worker(workerinput: Mapping[str, object]) -> int | None:
    """:func:`pin_worker` for the pytest-xdist worker whose ``config.workerinput`` this is (its
    ``workerid`` and ``workercount``)."""
    count = workerinput.get("workercount", 0)
    return pin_worker(str(workerinput.get("workerid", "")),
                      count if isinstance(count, int) else 0)
