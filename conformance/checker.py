"""The checker: compares what handlers observed with what the oracle predicts, rule by rule.

Every discrepancy becomes a :class:`Violation` tagged with the SPEC.md rule it breaks, so a rule's
test can fail on its own rule only, and a report can say which rule and what to fix.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from .events import TERMINAL, Event
from .interface import check_changed, check_interface
from .matching import ObservedRun, RunMatch, match, observed_runs
from .model import STREAM_MODES, Scenario
from .observed import InjectedFailure, Observation
from .oracle import Expectation, ExpectedRun, streamed_models
from .signatures import annotate, missing_from, run_facts, with_run_facts
from .stream_events import check_stream_events
from .violations import Violation

__all__ = ["Violation", "check", "match_runs", "user_tags_of"]

Key = tuple[int, ...]


def match_runs(expectation: Expectation, events: Iterable[Event],
               streaming: bool = False) -> dict[str, Key]:
    """Observed run id -> expected position, for the runs that could be matched."""
    last = _last_match
    if last is not None and last[0] is expectation and last[1] is events \
            and last[2] == streaming:
        return last[3].observed()
    return match(expectation, tuple(events), streaming=streaming).observed()


#: The matching :func:`check` worked out last, with what it was of: (expectation, events,
#: streaming, placement). The differential properties ask :func:`match_runs` for the matching
#: of the observation they just checked (R10's fault-free run, R11's invoke), which would
#: otherwise be solved again; only the very same objects (``is``) are taken for it.
_last_match: tuple[Expectation, tuple[Event, ...], bool, RunMatch] | None = None


def _rule_for_missing(exp: ExpectedRun, handler: str) -> str:
    kinds = {r.kind for r in (exp.handlers.get(handler) or exp.ignoring[handler])}
    if "runtime" in kinds:
        return "R1"
    return "R2" if "bound" in kinds else "R3"


def _rule_for_extra(scenario: Scenario, handler: str) -> str:
    chain = scenario.chain
    inv = scenario.invocation
    if any(handler in hs for hs in inv.item_callbacks):
        return "R1"  # one batch item's runtime handler saw another item's runs
    if handler in inv.local and handler in inv.callbacks and inv.callbacks_as_manager:
        return "R1"  # a local runtime handler reached past the root run
    if any(handler in n.callbacks for n in chain.nodes if n.kind != "binding"):
        return "R3"
    if any(handler in n.callbacks for n in chain.nodes if n.kind == "binding"):
        return "R2"
    return "R12"


def check(
    scenario: Scenario, expectation: Expectation, observation: Observation
) -> list[Violation]:
    """All violations of the spec in ``observation``; empty when it conforms."""
    out: list[Violation] = []
    global _last_match
    events = observation.events
    observed = observed_runs(events)
    streaming = scenario.invocation.mode in STREAM_MODES
    placement = match(expectation, observed=observed, streaming=streaming)
    _last_match = (expectation, events, streaming, placement)
    id_of = placement.of_key  # with the ids of runs only their children mention
    key_of = placement.observed()
    matched = {key: run_id for run_id, key in key_of.items()}
    runs = expectation.runs

    failed = any(expectation.failures)
    labels = {n.label for n in scenario.chain.nodes}
    layers = placement.layers
    # R6: ids are UUIDs, one run per id, one parent per run.
    for run in observed.values():
        if not _is_uuid(run.run_id):
            out.append(Violation("R6", f"run_id {run.run_id!r} is not a UUID", kind="id-not-uuid"))
        if len(run.names) > 1:
            out.append(Violation("R6", f"run_id {run.run_id} is shared by runs named "
                                       f"{sorted(run.names)}", kind="id-shared"))
        if len(run.parents) > 1:
            out.append(Violation("R6", f"events of run {sorted(run.names)} disagree on "
                                       f"parent_run_id: {sorted(map(str, run.parents))}",
                                 kind="parent-disagreement"))
        if run.run_id not in key_of:
            label = ", ".join(sorted(run.names)) or "(no start event)"
            if failed and run.names & labels and run.run_id not in layers:
                out.append(Violation("R8", f"{label} ran although an earlier step or callee "
                                           "had failed (it must never start)",
                                     run=min(run.names & labels), kind="ran-after-failure"))
            else:
                # (a run without a start that one handler saw: named after it, so its facts
                # tell, e.g., a terminal its ignore_* flags should have silenced)
                alone = next(iter(run.handlers)) if not run.names and len(run.handlers) == 1 \
                    else None
                # (a run named like a node of the chain: named after it, so its facts tell
                # where that node sits, e.g. under a function that does not forward its config;
                # else a run named like none, over placed runs that all hang under one expected
                # run: named after that run, whose place it takes or wraps)
                out.append(Violation("R6", f"a run no runnable should produce was observed: "
                                           f"{label} (type {sorted(run.run_types)}), seen by "
                                           f"{sorted(run.handlers)}", alone,
                                     min(run.names & labels, default=None)
                                     or _place_of_layer(run.run_id, observed, key_of,
                                                        expectation),
                                     kind="unexpected-run"))

    # One id for several runs of the same name (a reused object): a handler gets several starts
    # for it while runs of that name go unmatched. Not a duplicate delivery (R5).
    starts = Counter((ev.handler, ev.run_id) for ev in events if ev.kind == "start")
    unmatched = {(runs[k].name, h) for k in runs if k not in matched and not runs[k].optional
                 for h in runs[k].handlers}
    reused = {rid for (h, rid), n in starts.items() if n > 1 and rid in observed
              and any((name, h) in unmatched for name in observed[rid].names)
              and _reuse_evident(events, h, rid, starts)}
    for rid in sorted(reused):
        names = sorted(observed[rid].names)
        out.append(Violation("R6", f"run_id {rid} was given to several runs of {names[0]!r}",
                             run=names[0], kind="id-reused"))
    # R5 for runs the tree has no place for (matched runs are checked per handler below): a
    # known deviation that unplaces a run must not hide a doubled delivery of it.
    terminals = Counter((ev.handler, ev.run_id) for ev in events if ev.kind in TERMINAL)
    for handler, rid in sorted(set(starts) | set(terminals)):
        if rid not in key_of and rid not in reused:
            out.extend(_duplicates(handler, min(observed[rid].names, default=None),
                                   starts[handler, rid], terminals[handler, rid]))

    # Parent links, names and types of matched runs. Each violation carries the facts of its own
    # run (an object used twice has two runs, under different parents).
    for key, run_id in matched.items():
        exp, obs = runs[key], observed[run_id]
        first = len(out)
        parent = next(iter(obs.parents)) if len(obs.parents) == 1 else "?"
        if exp.parent is None:
            if parent is not None:
                out.append(Violation("R6", f"root run has parent_run_id {parent}, expected None",
                                     run=exp.label, kind="root-has-parent"))
        elif exp.parent in id_of and parent is not None:
            if parent != id_of[exp.parent]:
                seen = "" if exp.parent in matched else ", as its siblings say"
                out.append(Violation("R6", f"parent_run_id is {parent}, expected the id of "
                                           f"{runs[exp.parent].label!r} ({id_of[exp.parent]}"
                                           f"{seen})", run=exp.label, kind="wrong-parent"))
        elif parent is None:  # (one kind whether or not the parent's id was seen)
            out.append(Violation("R6", f"parent_run_id is None, expected the run of "
                                       f"{runs[exp.parent].label!r}", run=exp.label,
                                 kind="missing-parent"))
        if obs.type_differs(exp.run_type):
            told = f"run type {sorted(obs.start_types)}" if obs.start_types else \
                f"no start; its events came through {sorted(obs.methods)}"
            out.append(Violation("R6", f"{told}, expected {exp.run_type!r}", run=exp.label,
                                 kind="wrong-run-type"))
        if len(out) > first:
            out[first:] = [with_run_facts(v, scenario, expectation, exp) for v in out[first:]]

    # Runs that had to happen but nobody saw.
    for key, exp in runs.items():
        if key not in matched and not exp.optional:
            out += [_missing_run(scenario, expectation, exp, h) for h in sorted(exp.handlers)]

    by_handler: dict[str, list[Event]] = defaultdict(list)
    for ev in events:
        by_handler[ev.handler].append(ev)
    streamed = streamed_models(scenario, expectation)
    user_tags = user_tags_of(scenario)
    user_keys = _user_metadata_keys(scenario)
    # Handlers that got end/error events for runs nobody saw start: the ids changed mid-run.
    # (A start seen is a start type recorded: a nameless start, such as LangChain.js's chat
    # models and maps give, was seen all the same.)
    orphaned = {ev.handler for ev in events
                if ev.kind in TERMINAL and not observed[ev.run_id].start_types}
    judged = _Judged(scenario, expectation, key_of, matched, user_tags, user_keys, reused,
                     streamed, expectation.config_names())
    # Every declared handler, including one that received nothing at all.
    for handler in sorted({h.id for h in scenario.handlers} | set(by_handler)):
        out.extend(_check_handler(judged, handler, by_handler[handler], handler in orphaned))
    if observation.returned is not None:
        # The late run by its node's label where it was matched (an end event has no name),
        # so the violation's facts are that run's.
        late: dict[tuple[str, str], Key | None] = {}
        for ev in events[observation.returned:]:
            at = key_of.get(ev.run_id)
            name = runs[at].label if at is not None else ev.name or "?"
            late.setdefault((ev.handler, name), at)
        for (handler, name), at in sorted(late.items(), key=str):
            facts = run_facts(scenario, expectation, runs[at]) if at is not None else {}
            out.append(Violation("R7", "received events after the invocation had returned "
                                       "(a run outlived the call: did a parallel runnable stop "
                                       "waiting for its branches?)", handler, name,
                                 kind="late-event", facts=tuple(sorted(facts.items()))))
    out.extend(_check_root_config(scenario, expectation, events, key_of))
    out.extend(check_changed(observation.changed, key_of, runs))
    if scenario.invocation.mode == "astream_events":
        kinds = {n.label: n.kind for n in scenario.chain.nodes}
        out.extend(check_stream_events(expectation, observation, observed, matched, kinds))
    out.extend(_check_outcomes(expectation, observation))
    return annotate(scenario, expectation, out)


#: A UUID as engines write run ids (``str(uuid4())``): one ``uuid.UUID`` accepts.
_UUID_TEXT: Final = re.compile("-".join(f"[0-9a-fA-F]{{{n}}}" for n in (8, 4, 4, 4, 12)))


def _duplicates(handler: str, run: str | None, starts: int, ends: int) -> list[Violation]:
    """R5: one run's start or terminal delivered to ``handler`` more than once."""
    if starts <= 1 and ends <= 1:
        return []
    return [Violation("R5", f"received the start event {starts} times and a terminal event "
                            f"{ends} times", handler, run,
                      kind="duplicate-delivery" if starts > 1 and ends > 1
                      else "duplicate-start" if starts > 1 else "duplicate-terminal")]


def _reuse_evident(events: Sequence[Event], handler: str, run_id: str,
                   starts: Counter[tuple[str, str]]) -> bool:
    """Do ``handler``'s several starts of ``run_id`` show several runs, not one run delivered
    to it several times (R5's duplicate delivery)? They do when a start follows a terminal of
    that id, or the starts differ (parent, inputs), or no other handler got the id exactly once
    (an id an engine reuses reaches every handler of both runs; a doubled handler alone gets a
    doubled delivery)."""
    mine = [ev for ev in events if ev.handler == handler and ev.run_id == run_id]
    ended = False
    for ev in mine:
        if ev.kind in TERMINAL:
            ended = True
        elif ev.kind == "start" and ended:
            return True
    if len({(ev.parent_run_id, repr(ev.payload)) for ev in mine if ev.kind == "start"}) > 1:
        return True
    return not any(n == 1 for (h, rid), n in starts.items() if rid == run_id and h != handler)


def _is_uuid(text: str) -> bool:
    """Whether ``uuid.UUID`` reads ``text`` (the usual form is matched, not parsed)."""
    if _UUID_TEXT.fullmatch(text):
        return True
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _place_of_layer(run_id: str, observed: Mapping[str, ObservedRun],
                    key_of: Mapping[str, Key], expectation: Expectation) -> str | None:
    """The label of the one object under whose expected runs every placed child of observed
    run ``run_id`` hangs, or of the highest of the runs they hang under when those lie on one
    line of descent (None if it has no placed child, or they hang apart, or under a root). The
    children may hang under several runs of one object: the matcher may place the children of
    one unplaced layer under the runs of several batch items."""
    places = {expectation.runs[key_of[rid]].parent for rid, run in observed.items()
              if run_id in run.parents and rid in key_of}
    if not places or None in places:
        return None
    labels = {expectation.runs[place].label for place in places if place is not None}
    if len(labels) == 1:
        return labels.pop()
    # (children on one line of descent: the layer wraps the highest place; the children that
    # hang deeper came with a parent link their engine got wrong, reported on their own)
    line = sorted((p for p in places if p is not None), key=len)
    if all(deeper[:len(line[0])] == line[0] for deeper in line):
        return expectation.runs[line[0]].label
    return None


def _check_root_config(scenario: Scenario, expectation: Expectation, events: Sequence[Event],
                       key_of: Mapping[str, Key]) -> list[Violation]:
    """R14: the invocation's ``run_name`` and ``run_id`` name the root run, and no other."""
    out: list[Violation] = []
    inv = scenario.invocation
    root = expectation.runs[expectation.roots[0]]
    if inv.run_name is not None:
        misnamed = sorted({(ev.handler, ev.run_id, str(ev.name)) for ev in events
                           if ev.kind == "start" and len(key_of.get(ev.run_id, ())) == 1
                           and ev.name != inv.run_name})
        for handler, _, name in misnamed:
            out.append(Violation("R14", f"start event names the run {name!r}, expected "
                                        f"{inv.run_name!r}", handler, root.label,
                                 kind="run-name-not-applied"))
        named = {ev.run_id for ev in events if ev.kind == "start" and ev.name == inv.run_name}
        if len(named) > len(expectation.roots):  # (run: the root, whose config leaked)
            out.append(Violation("R14", f"run_name {inv.run_name!r} was given to {len(named)} "
                                        "runs, not only the root", run=root.label,
                                 kind="run-name-on-children"))
    if expectation.bound_names:
        out.extend(_check_bound_names(scenario, expectation, events, key_of))
    wanted = inv.run_id
    if wanted is not None:
        root_ids = {rid for rid, key in key_of.items() if len(key) == 1}
        if root_ids and wanted not in root_ids:
            out.append(Violation("R14", f"the root run's id is {sorted(root_ids)[0]}, not the "
                                        f"run_id given in the config ({wanted})",
                                 run=root.label, kind="run-id-not-applied"))
        others = {ev.name for ev in events
                  if ev.run_id == wanted and ev.kind == "start" and ev.name != root.name}
        if others:
            out.append(Violation("R14", f"the given run_id was also used by "
                                        f"{sorted(map(str, others))}", run=root.label,
                                 kind="run-id-on-children"))
    return out


def _check_bound_names(scenario: Scenario, expectation: Expectation, events: Sequence[Event],
                       key_of: Mapping[str, Key]) -> list[Violation]:
    """R14: a run name bound with ``with_config(run_name=...)`` names the bound object's run
    unless a run name given closer to the caller does (the invocation's, an outer binding's),
    and no other run. A root the invocation's run_name names, and a run that carries that
    run_name, are :func:`_check_root_config`'s."""
    out: list[Violation] = []
    runs = expectation.runs
    runtime = expectation.run_name
    bound = expectation.bound_names
    chain = scenario.chain
    bound_on = {n.run_name: chain.target(n.label).label for n in chain.nodes
                if n.run_name is not None}
    reported: set[tuple[str, str]] = set()
    judged: set[str] = set()  # the names a placed run was reported for
    for ev in events:
        if ev.kind != "start" or ev.name == runtime or (ev.handler, ev.run_id) in reported:
            continue
        reported.add((ev.handler, ev.run_id))
        key = key_of.get(ev.run_id)
        if key is None:
            continue
        exp = runs[key]
        if exp.parent is None and runtime is not None:  # (run-name-not-applied's)
            judged.add(str(ev.name))
            continue
        # (with this very run's facts: an object used twice has two runs, under different
        # parents, and a bare label would give its first one's)
        if exp.unnamed is not None and ev.name != exp.name:
            out.append(with_run_facts(Violation(
                "R14", f"start event names the run {ev.name!r}, expected {exp.name!r}: the "
                       "run name bound nearest the caller", ev.handler, exp.label,
                kind="bound-run-name-not-applied"), scenario, expectation, exp, ev.handler))
        elif ev.name in bound and ev.name != exp.name:
            out.append(with_run_facts(Violation(
                "R14", f"start event names the run {ev.name!r}, a run name bound for the run "
                       f"of {bound_on.get(ev.name)!r} only", ev.handler, exp.label,
                kind="bound-run-name-leaked"), scenario, expectation, exp, ev.handler))
        else:
            continue
        judged.add(str(ev.name))
    # (runs the matcher could not place: more runs carry a bound name than it names)
    for name in sorted(bound - judged):
        named = {ev.run_id for ev in events if ev.kind == "start" and ev.name == name}
        if len(named) > sum(1 for r in runs.values() if r.name == name):
            out.append(Violation("R14", f"run name {name!r} was given to {len(named)} runs, "
                                        "more than it names", run=bound_on.get(name),
                                 kind="bound-run-name-leaked"))
    return out


def _missing_run(scenario: Scenario, expectation: Expectation, exp: ExpectedRun,
                 handler: str) -> Violation:
    """``handler`` never received the run ``exp``, with that very run's facts (an object used
    in several places is in scope differently at each)."""
    return with_run_facts(Violation(_rule_for_missing(exp, handler), "never received this "
                                    f"run (in scope through {_routes(exp, handler)})", handler,
                                    exp.label, kind="missing-run"),
                          scenario, expectation, exp, handler)


def _flags(scenario: Scenario, handler: str) -> tuple[str, ...]:
    return next((h.ignore for h in scenario.handlers if h.id == handler), ())


def _routes(exp: ExpectedRun, handler: str) -> str:
    return ", ".join(sorted(str(r) for r in exp.handlers[handler]))


def user_tags_of(scenario: Scenario) -> frozenset[str]:
    """The tags the suite attached (implementations may add their own, which are not judged)."""
    return frozenset(scenario.invocation.tags) | {t for n in scenario.chain.nodes for t in n.tags}


def _user_metadata_keys(scenario: Scenario) -> frozenset[str]:
    keys = {k for k, _ in scenario.invocation.metadata}
    return frozenset(keys | {k for n in scenario.chain.nodes for k, _ in n.metadata})


@dataclass(frozen=True, slots=True)
class _Judged:
    """What every handler's events are judged against: worked out once per observation."""

    scenario: Scenario
    expectation: Expectation
    key_of: Mapping[str, Key]  # observed run id -> expected position
    id_of: Mapping[Key, str]  # the other way round
    user_tags: frozenset[str]
    user_keys: frozenset[str]
    reused: set[str]  # run ids given to several runs of one object
    streamed: frozenset[Key]  # models the stream carries
    config_names: frozenset[str]


def _check_handler(judged: _Judged, handler: str, evs: Sequence[Event],
                   orphaned: bool = False) -> list[Violation]:
    out: list[Violation] = []
    scenario, expectation = judged.scenario, judged.expectation
    runs = expectation.runs
    streaming = scenario.invocation.mode in STREAM_MODES
    per_run: dict[Key, list[Event]] = defaultdict(list)
    for ev in evs:
        key = judged.key_of.get(ev.run_id)
        if key is not None:
            per_run[key].append(ev)
    # Scope: every run in scope received, nothing out of scope received.
    for key, exp in runs.items():
        got = per_run.get(key, [])
        # (each violation below carries the facts of this very run: an object used twice has
        # two runs, under different parents, and a bare label would give its first one's)
        out += [with_run_facts(v, scenario, expectation, exp)
                for v in _check_run(judged, handler, key, exp, got, streaming, orphaned)]
    out.extend(_check_order(expectation, handler, per_run))
    return out


def _check_run(judged: _Judged, handler: str, key: Key, exp: ExpectedRun, got: Sequence[Event],
               streaming: bool, orphaned: bool) -> list[Violation]:
    """What ``handler``'s events ``got`` of expected run ``exp`` break."""
    scenario, expectation = judged.scenario, judged.expectation
    out: list[Violation] = []
    if handler not in exp.handlers:
        if got and handler in exp.ignoring:  # in scope, but its ignore_* flags silence it
            flags = ", ".join(f"ignore_{f}" for f in sorted(_flags(scenario, handler)))
            out.append(Violation(_rule_for_missing(exp, handler),
                                 f"received {len(got)} event(s) "
                                 f"({', '.join(sorted({e.kind for e in got}))}) of a "
                                 f"{exp.run_type} run its {flags} silences (SPEC.md §8)",
                                 handler, exp.label, kind="ignored-run-received"))
        elif got:
            out.append(Violation(_rule_for_extra(scenario, handler),
                                 f"received {len(got)} event(s) of a run outside its scope",
                                 handler, exp.label, kind="outside-scope"))
        return out
    if key not in judged.id_of:
        return out  # reported above as never received
    starts = [e for e in got if e.kind == "start"]
    if not starts:
        return [_missing_run(scenario, expectation, exp, handler)]
    ends = [e for e in got if e.kind in TERMINAL]
    out.extend(_check_delivery(judged, exp, handler, starts, ends, orphaned))
    out.extend(check_interface(exp, handler, got, streaming, judged.config_names,
                               streamed=key in judged.streamed, starts=starts, ends=ends))
    return out


def _check_delivery(judged: _Judged, exp: ExpectedRun, handler: str, starts: Sequence[Event],
                    ends: Sequence[Event], orphaned: bool) -> list[Violation]:
    """What one handler's start and terminal events of run ``exp`` break: R5 (delivered
    once), R6 (the end's id, the name), R7/R8 (how it ended), R13 (tags and metadata)."""
    out: list[Violation] = []
    if judged.id_of[exp.key] not in judged.reused:
        out.extend(_duplicates(handler, exp.label, len(starts), len(ends)))
    if not ends and orphaned:
        out.append(Violation("R6", "run started but its end/error event came with another "
                                   "run_id", handler, exp.label, kind="terminal-with-other-id"))
    elif not ends:
        rule = "R8" if exp.ending == "error" else "R7"
        out.append(Violation(rule, "run started but never received an end or error event",
                             handler, exp.label, kind="missing-terminal"))
    elif exp.ending != "any" and ends[0].kind != exp.ending:
        out.append(Violation("R8", f"received {ends[0].kind}, expected {exp.ending}",
                             handler, exp.label, kind=f"{ends[0].kind}-instead-of-"
                                                      f"{exp.ending}"))
    start = starts[0]
    # (a run a config's run_name names, and a run one leaked onto, are R14's:
    # _check_root_config)
    if start.name != exp.name and exp.unnamed is None and start.name not in judged.config_names:
        out.append(Violation("R6", f"start event names the run {start.name!r}, expected "
                                   f"{exp.name!r}", handler, exp.label, kind="wrong-name"))
    tagged = _check_tags(judged, exp, handler, start, ends)
    if tagged:
        # (R13's violations are about this run of the object: they carry its facts, not those
        # of the object's first use, which annotate would fall back to)
        out += [with_run_facts(v, judged.scenario, judged.expectation, exp) for v in tagged]
    return out


def _check_tags(judged: _Judged, exp: ExpectedRun, handler: str, start: Event,
                ends: Sequence[Event]) -> list[Violation]:
    """R13: the tags and metadata of the user's a start event carries, and its end's tags."""
    out: list[Violation] = []
    scenario = judged.scenario
    tags = judged.user_tags.intersection(start.tags)
    if tags != exp.tags:
        out.append(Violation("R13", f"tags {sorted(tags)}, expected {sorted(exp.tags)}",
                             handler, exp.label, kind=_difference("tags", tags, exp.tags),
                             facts=(("missing_from",
                                     missing_from(scenario, tags=exp.tags - tags)),)))
    meta = frozenset((k, v) for k, v in start.metadata if k in judged.user_keys) \
        if start.metadata else frozenset()
    if meta != exp.metadata:
        lost = {k for k, _ in exp.metadata - meta}
        out.append(Violation("R13", f"metadata {dict(sorted(meta))}, expected "
                                    f"{dict(sorted(exp.metadata))}", handler, exp.label,
                             kind=_difference("metadata", meta, exp.metadata),
                             facts=(("missing_from", missing_from(scenario, keys=lost)),)))
    if len(ends) == 1 and tags == exp.tags:
        end_tags = judged.user_tags.intersection(ends[0].tags)
        if end_tags != exp.tags:
            out.append(Violation("R13", f"its {ends[0].kind} event carries tags "
                                        f"{sorted(end_tags)}, expected {sorted(exp.tags)} "
                                        "(as its start did)", handler, exp.label,
                                 kind="terminal-tags"))
    return out


def _check_order(
    expectation: Expectation, handler: str, per_run: Mapping[Key, list[Event]]
) -> list[Violation]:
    """R7 for one handler: nesting, token placement, sequence and callee order."""
    out: list[Violation] = []
    runs = expectation.runs
    start: dict[Key, int] = {}
    end: dict[Key, int] = {}
    last: dict[Key, int] = {}
    for key, got in per_run.items():
        label = runs[key].label
        s = [e.seq for e in got if e.kind == "start"]
        t = [e.seq for e in got if e.kind in TERMINAL]
        if len(s) > 1 or len(t) > 1:
            continue  # duplicate deliveries are R5's to report, not an ordering question
        if s:
            start[key] = s[0]
        if t:
            end[key] = t[0]
        seqs = [e.seq for e in got]  # (min and max of a list: no generator run twice)
        first = min(seqs)
        last[key] = max(seqs)
        if s and first < s[0]:
            out.append(Violation("R7", "received an event of the run before its start",
                                 handler, label, kind="event-before-start"))
        if t and last[key] > t[0]:
            out.append(Violation("R7", "received an event of the run after its end/error",
                                 handler, label, kind="event-after-terminal"))
    for key in start:
        anc = runs[key].parent
        while anc is not None:  # (its ancestors, nearest first)
            if anc in start and start[anc] > start[key]:
                out.append(Violation("R7", f"started before its ancestor {runs[anc].label!r}",
                                     handler, runs[key].label, kind="started-before-ancestor"))
            if anc in end and end[anc] < last[key]:
                out.append(Violation("R7", f"received an event after its ancestor "
                                           f"{runs[anc].label!r} ended", handler, runs[key].label,
                                     kind="event-after-ancestor-ended"))
            anc = runs[anc].parent
    for exp in runs.values():
        if exp.child_order == "unordered" or len(exp.children) < 2:
            continue
        for a, b in zip(exp.children, exp.children[1:]):
            if b not in start:
                continue
            if exp.child_order == "sequential" and a in end and end[a] > start[b]:
                out.append(Violation("R7", f"{runs[b].label!r} started before the previous step "
                                           f"{runs[a].label!r} ended", handler, exp.label,
                                     kind="step-overlap"))
            if a in start and start[a] > start[b]:
                out.append(Violation("R7", f"{runs[b].label!r} started before the previous step "
                                           f"{runs[a].label!r} started", handler, exp.label,
                                     kind="step-out-of-order"))
        if exp.child_order == "pipelined":
            # A pipelined step may start before an earlier one fails, never after (R8).
            failed_at: int | None = None
            for c in exp.children:
                if failed_at is not None and c in start and start[c] > failed_at:
                    out.append(Violation("R8", f"started after an earlier step of "
                                               f"{exp.label!r} had failed (a later step must "
                                               "never start after the failure)", handler,
                                         runs[c].label, kind="ran-after-failure"))
                if failed_at is None and runs[c].ending == "error" and c in end:
                    failed_at = end[c]
    return out


def _difference(what: str, got: frozenset[object], want: frozenset[object]) -> str:
    """``missing-tags``, ``extra-tags`` or ``wrong-tags`` (both)."""
    missing, extra = bool(want - got), bool(got - want)
    return f"{'wrong' if missing and extra else 'missing' if missing else 'extra'}-{what}"


def _check_outcomes(expectation: Expectation, observation: Observation) -> list[Violation]:
    out: list[Violation] = []
    outcomes = observation.outcomes
    if len(outcomes) != len(expectation.failures):
        return [Violation(None, f"the adapter returned {len(outcomes)} outcome(s) for "
                                f"{len(expectation.failures)} input(s)", kind="outcome-count")]
    delivered: dict[int, int] = {}
    for item, (want, got) in enumerate(zip(expectation.failures, outcomes)):
        err = got.error
        if want is None:
            if isinstance(err, InjectedFailure):
                out.append(Violation("R8", f"input {item}: the caller got the failure of "
                                           f"{err.label!r}, but nothing on the path should fail",
                                     run=err.label, kind="failure-from-elsewhere"))
            elif err is not None:
                out.append(Violation(None, f"input {item}: the implementation raised "
                                           f"{type(err).__name__}: {err}", kind="engine-raised"))
            continue
        if err is None:
            out.append(Violation("R8", f"input {item}: expected the caller to get the failure of "
                                       f"{want!r}, but the call returned normally", run=want,
                                 kind="no-exception"))
        elif not isinstance(err, InjectedFailure):
            out.append(Violation("R8", f"input {item}: expected the failure of {want!r}, got "
                                       f"{type(err).__name__}: {err}", run=want,
                                 kind="wrong-exception"))
        elif err.label != want or not observation.probe.was_raised(err):
            what = "a copy of" if err.label == want else f"the failure of {err.label!r}, not"
            out.append(Violation("R8", f"input {item}: the caller got {what} the original "
                                       f"exception of {want!r}", run=want,
                                 kind="copied-exception" if err.label == want
                                 else "wrong-exception"))
        elif id(err) in delivered:
            out.append(Violation("R8", f"input {item}: the caller got the very exception object "
                                       f"input {delivered[id(err)]} got (each input's failure is "
                                       "its own)", run=want, kind="exception-of-another-input"))
        else:
            delivered[id(err)] = item
    return out
