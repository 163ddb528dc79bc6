"""Run ids across calls (SPEC R6: ids are unique across all the runs the suite observes).

The checker judges one call at a time, where an engine that numbers its ids afresh for each
call (ids "made reproducible" by a generator seeded per request, or derived from the run's place
in its tree) looks right: every call is consistent on its own, and a tracer receiving two of
them merges them into one trace. Two calls of one scenario show it: no run of the second may
carry an id a run of the first carried, but for an id the call itself gives (``run_id``, R14).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from functools import lru_cache

from .events import Event
from .model import Scenario
from .observed import Observation
from .violations import Violation

__all__ = ["reused_across_calls"]


@lru_cache(maxsize=4096)  # (each id comes once per event: a run's several times a call)
def _norm(run_id: str) -> str:
    """``run_id`` as ``str(uuid.UUID(...))`` writes it, or as it is if it is no UUID."""
    try:
        return str(uuid.UUID(run_id))
    except ValueError:
        return run_id  # not a UUID at all: the checker reports that (id-not-uuid)


def _given(scenario: Scenario) -> frozenset[str]:
    """The ids the invocation gives its root: the same in every call, as they must be."""
    given = scenario.invocation.run_id
    return frozenset() if given is None else frozenset({_norm(given)})


def _names(events: Iterable[Event]) -> dict[str, str]:
    """Run id -> the name its first start gave (for the message)."""
    out: dict[str, str] = {}
    for ev in events:
        if ev.kind == "start" and ev.name is not None:
            out.setdefault(_norm(ev.run_id), ev.name)
    return out


def reused_across_calls(scenario: Scenario, first: Observation,
                        second: Observation) -> list[Violation]:
    """One R6 violation if the ``second`` call of ``scenario`` gave a run an id that a run of
    the ``first`` call had (the run named is the second call's first such run)."""
    earlier = {_norm(ev.run_id) for ev in first.events} - _given(scenario)
    if not earlier:
        return []
    names = _names(second.events)
    shared = [rid for rid in dict.fromkeys(_norm(ev.run_id) for ev in second.events)
              if rid in earlier]
    if not shared:
        return []
    first_names = _names(first.events)
    rid = shared[0]
    return [Violation(
        "R6", f"a second call of the same case gave {len(shared)} run(s) an id the first call "
              f"had already given: {rid} names {names.get(rid, '(no start)')!r} now and named "
              f"{first_names.get(rid, '(no start)')!r} before (run ids must be unique across "
              "calls, not only within one)",
        run=names.get(rid), kind="id-reused-across-calls")]
