"""``astream_events`` (version v2) against the callbacks of the same invocation (SPEC.md §8).

``astream_events`` is an ``astream`` with one more runtime handler, inheritable, that turns the
invocation's callback events into stream events. So every run the callbacks saw start is in the
stream (R1: the stream is a runtime handler), with the same run id, name and run type and, as
``parent_ids``, the ids of its ancestors as the callbacks' parent links give them, root first
(R6; where those links are wrong, R6's own checks say so); its stream
start comes after its parent's (R7); a run the callbacks saw end normally gives an end event,
a run that failed none (R7, R8). Runs no handler saw are not judged (their ids are unknown).
A prompt's or parser's run, a chain run whose start says ``run_type="prompt"`` / ``"parser"``,
may be reported by that type (``on_prompt_start``, ``on_parser_start``) or as a chain run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .events import TERMINAL
from .matching import ObservedRun
from .observed import Observation, StreamEvent
from .oracle import Expectation
from .violations import Violation

__all__ = ["check_stream_events"]

Key = tuple[int, ...]

#: Node kinds whose chain runs' starts carry their own ``run_type`` keyword.
_OWN_RUN_TYPE: Final = frozenset({"prompt", "parser"})


def _ancestors(run_id: str, observed: Mapping[str, ObservedRun]) -> tuple[str, ...] | None:
    """The ids of ``run_id``'s ancestors, root first, as the callbacks' ``parent_run_id``
    links give them; None where they do not tell (handlers disagree on a parent, or a run
    above was seen by no handler)."""
    out: list[str] = []
    current = run_id
    while True:
        run = observed.get(current)
        if run is None or len(run.parents) != 1:
            return None
        parent = next(iter(run.parents))
        if parent is None:
            return tuple(reversed(out))
        current = str(parent)
        if current in out or current == run_id:
            return None  # a cycle: R6's own checks report it
        out.append(current)


def check_stream_events(expectation: Expectation, observation: Observation,
                        observed: Mapping[str, ObservedRun],
                        matched: Mapping[Key, str],
                        node_kinds: Mapping[str, str] | None = None) -> list[Violation]:
    """The disagreements between the stream events of an ``astream_events`` call and the
    callback events of the same call (``node_kinds``: each node label's kind)."""
    stream = observation.outcomes[0].stream_events if observation.outcomes else None
    if stream is None:
        return [Violation(None, "astream_events: the adapter reported no stream events",
                          kind="no-stream-events")]
    starts: dict[str, tuple[int, StreamEvent]] = {}
    ends: set[str] = set()
    for i, ev in enumerate(stream):
        if ev.event.endswith("_start"):
            starts.setdefault(ev.run_id, (i, ev))
        elif ev.event.endswith("_end"):
            ends.add(ev.run_id)
    terminal: dict[str, set[str]] = {}
    for e in observation.events:
        if e.kind in TERMINAL:
            terminal.setdefault(e.run_id, set()).add(e.kind)
    out: list[Violation] = []
    runs = expectation.runs
    for key, run_id in matched.items():
        run, seen = runs[key], observed[run_id]
        if not seen.names:
            continue  # no handler saw it start
        where = f"run {run_id[-8:]}"
        if run_id not in starts:
            out.append(Violation("R1", "astream_events: the event stream has no start event of "
                                       f"this run, which the callbacks saw start ({where})",
                                 run=run.label, kind="stream-missing-run"))
            continue
        at, ev = starts[run_id]
        if ev.name not in seen.names:
            out.append(Violation("R6", f"astream_events names the run {ev.name!r}, the "
                                       f"callbacks {sorted(seen.names)[0]!r}", run=run.label,
                                 kind="stream-wrong-name"))
        types = sorted(seen.run_types)
        kind = (node_kinds or {}).get(run.label)
        if types and ev.event != f"on_{types[0]}_start" and not (
                types == ["chain"] and kind in _OWN_RUN_TYPE and ev.event == f"on_{kind}_start"):
            out.append(Violation("R6", f"astream_events starts the run with {ev.event!r}, the "
                                       f"callbacks report a {types[0]} run", run=run.label,
                                 kind="stream-wrong-type"))
        want = _ancestors(run_id, observed)
        if want is not None and ev.parent_ids != want:
            out.append(Violation("R6", f"astream_events gives parent_ids "
                                       f"{[p[-8:] for p in ev.parent_ids]}, the callbacks' "
                                       f"ancestors (root first) are {[p[-8:] for p in want]}",
                                 run=run.label, kind="stream-wrong-parent-ids"))
        parent = want[-1] if want else None
        if parent is not None and parent in starts and starts[parent][0] > at:
            out.append(Violation("R7", "astream_events: the run starts before its parent "
                                       f"{starts[parent][1].name!r}", run=run.label,
                                 kind="stream-start-before-parent"))
        kinds = terminal.get(run_id, set())
        if kinds == {"end"} and run_id not in ends:
            out.append(Violation("R7", "astream_events: no end event for a run the callbacks "
                                       "saw end", run=run.label, kind="stream-missing-end"))
        elif kinds == {"error"} and run_id in ends:
            out.append(Violation("R8", "astream_events: an end event for a run the callbacks "
                                       "saw fail", run=run.label, kind="stream-end-of-failed-run"))
    return out
