"""One property per rule: run a scenario through an adapter and return that rule's violations.

Most rules are read straight off the checker. A few are differential, because the rule is about
what changes between two runs: additivity (R4: each registration alone vs all together), handler
faults (R10: with and without the faulty handler failing), mode parity (R11: each mode vs
``invoke``), isolation (R12: alone vs concurrently), transparency (R9: with vs without handlers).

Known deviations (:class:`~conformance.deviations.KnownDeviations`) are masked inside each
property: a violation that matches an entry is counted as known, everything else still fails,
and a differential property compares its runs on what is left.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Final

from .adapter import Adapter
from .checker import Violation, check, match_runs, user_tags_of
from .deviations import KnownDeviations
from .events import TERMINAL
from .faultlog import silenced_loggers
from .harness import run_concurrently, run_scenario, strip_handlers
from .model import BATCH_MODES, FAULT_KINDS, STREAM_MODES, Chain, Scenario
from .observed import HandlerFault, Observation, Outcome
from .oracle import Expectation, expect
from .run_ids import reused_across_calls
from .signatures import annotate, run_facts, twins

__all__ = ["PROPERTIES", "Finding", "evaluate"]

SCOPE_RULES: Final[frozenset[str | None]] = frozenset({"R1", "R2", "R3", "R12"})


class Finding:
    """The violations one property found, with what is needed to report them."""

    def __init__(self, rule: str, scenario: Scenario, violations: list[Violation],
                 observation: Observation | None, expectation: Expectation | None,
                 notes: Iterable[str] = (), vacuous: str | None = None,
                 known: Counter[str] | None = None) -> None:
        self.rule = rule
        self.scenario = scenario
        self.violations = violations
        self.observation = observation
        self.expectation = expectation
        self.notes = list(notes)
        #: Why the example could not be checked (a differential rule whose base run already
        #: breaks another rule has nothing to compare against). Such an example is rejected,
        #: never counted as passed.
        self.vacuous = vacuous
        #: How often each known deviation (by entry id) was seen and masked.
        self.known: Counter[str] = known if known is not None else Counter()
        #: Violations of other rules the property's runs showed on the way (first per rule and
        #: kind, with the scenario that showed it): the runner reports them under their rule.
        self.incidental: list[tuple[Scenario, Violation]] = []

    def __bool__(self) -> bool:
        return bool(self.violations)


_NONE: Final = KnownDeviations()
#: While a property runs: every (scenario, violation) the checker reported on the scenarios it
#: ran, whatever the rule, so :func:`evaluate` can hand on the other rules' violations.
_SEEN: ContextVar[list[tuple[Scenario, Violation]] | None] = ContextVar("_SEEN", default=None)
Property = Callable[[Adapter, Scenario, KnownDeviations], Finding]


def _observe(adapter: Adapter, scenario: Scenario, known: KnownDeviations = _NONE
             ) -> tuple[Expectation, Observation, list[Violation], Counter[str]]:
    """Run ``scenario``; its violations that no known deviation matches, and the known ones."""
    expectation = expect(scenario)
    observation = run_scenario(adapter, scenario)
    unknown, seen = known.split(check(scenario, expectation, observation))
    seen_here = _SEEN.get()
    if seen_here is not None and not seen:
        # Only from runs that show no known deviation: in a run that does, other rules'
        # violations may be its consequences (a run id given to two runs hides one of them).
        seen_here += [(scenario, v) for v in unknown if v.rule is not None]
    return expectation, observation, unknown, seen


def _plain(rule: str) -> Property:
    """A rule judged by the checker alone (crashes count against every rule)."""

    def prop(adapter: Adapter, scenario: Scenario, known: KnownDeviations = _NONE) -> Finding:
        expectation, observation, found, seen = _observe(adapter, scenario, known)
        mine = [v for v in found if v.rule in (rule, None)]
        return Finding(rule, scenario, mine, observation, expectation,
                       known=known.of_rule(rule, seen))

    prop.__name__ = f"property_{rule}"
    return prop


def property_r6(adapter: Adapter, scenario: Scenario,
                known: KnownDeviations = _NONE) -> Finding:
    """R6 as the checker judges one call, then across calls: the same scenario run again must
    give no run an id the first call gave (an engine numbering ids afresh per call is
    consistent within each call)."""
    expectation, observation, found, seen = _observe(adapter, scenario, known)
    mine = [v for v in found if v.rule in ("R6", None)]
    if mine:
        return Finding("R6", scenario, mine, observation, expectation,
                       known=known.of_rule("R6", seen))
    again = run_scenario(adapter, scenario)
    return _finish("R6", scenario, reused_across_calls(scenario, observation, again),
                   observation, expectation, known, seen)


def _registration_points(scenario: Scenario, handler: str) -> list[str | None]:
    """Where ``handler`` is registered: ``None`` for the runtime config, else node labels."""
    runtime = scenario.invocation.all_runtime_handlers()
    points: list[str | None] = [None] if handler in runtime else []
    points += [n.label for n in scenario.chain.nodes if handler in n.callbacks]
    return points


def _only(scenario: Scenario, handler: str, point: str | None) -> Scenario:
    """The scenario with ``handler`` registered at ``point`` only, and no other handler."""
    nodes = tuple(
        replace(n, callbacks=(handler,) if n.label == point else ()) for n in scenario.chain.nodes
    )
    inv = scenario.invocation.keeping(lambda h: h == handler and point is None)
    spec = next(h for h in scenario.handlers if h.id == handler)
    return Scenario(Chain(nodes, scenario.chain.root), (spec,), inv)


def property_r4(adapter: Adapter, scenario: Scenario,
                known: KnownDeviations = _NONE) -> Finding:
    """Scope violations that appear only when registrations are combined break additivity."""
    expectation, observation, found, seen = _observe(adapter, scenario, known)
    crashes = [v for v in found if v.rule is None]
    if crashes:
        return Finding("R4", scenario, crashes, observation, expectation)
    suspects = sorted({v.handler for v in found if v.rule in SCOPE_RULES and v.handler})
    violations: list[Violation] = []
    for handler in suspects:
        alone_ok = True
        for point in _registration_points(scenario, handler):
            single = _only(scenario, handler, point)
            _, _, single_found, _ = _observe(adapter, single, known)
            if any(v.rule in SCOPE_RULES or v.rule is None for v in single_found):
                alone_ok = False
                break
        if alone_ok:
            for v in found:
                if v.handler == handler and v.rule in SCOPE_RULES:
                    violations.append(Violation(
                        "R4", f"{v.message}; registered alone at each of its places it "
                              "receives what it should, so another registration took it away",
                        handler, v.run, kind=f"registration-dropped:{v.kind}",
                        facts=v.facts))
    return _finish("R4", scenario, violations, observation, expectation, known, seen)


def _finish(rule: str, scenario: Scenario, violations: list[Violation],
            observation: Observation | None, expectation: Expectation | None,
            known: KnownDeviations, seen: Counter[str] | None = None) -> Finding:
    """The finding of a differential property: its own violations, with facts, known ones
    masked."""
    unknown, more = known.split(annotate(scenario, expectation, violations))
    return Finding(rule, scenario, unknown, observation, expectation,
                   known=known.of_rule(rule, (seen or Counter()) + more))


def _interleaved(scenario: Scenario) -> bool:
    """Can stream chunks interleave differently from one run to the next (parallel branches,
    callees started at once)?"""
    return any(n.kind == "parallel" or n.concurrent for n in scenario.chain.nodes)


def _same_outcomes(a: Outcome, b: Outcome, scenario: Scenario) -> bool:
    """Equal results; streamed chunks in order, or as multisets where parallel branches may
    interleave their chunks differently from one run to the next."""
    if (a.error is None) != (b.error is None):
        return False
    if a.error is not None and b.error is not None:
        return type(a.error) is type(b.error) and getattr(a.error, "label", None) == getattr(
            b.error, "label", None)
    if (scenario.invocation.mode in STREAM_MODES and _interleaved(scenario)
            and isinstance(a.value, list) and isinstance(b.value, list)):
        return sorted(map(repr, a.value)) == sorted(map(repr, b.value))
    return bool(a.value == b.value)


def _describe(o: Outcome) -> str:
    return f"raised {type(o.error).__name__}: {o.error}" if o.error else f"returned {o.value!r}"


def _meeting_point(chain: Chain, a: Outcome, b: Outcome) -> str | None:
    """When the two calls raised two nodes' failures: the label of the lowest node both failing
    nodes are in (themselves included), where the two failures met (a parallel whose branches
    both fail, say); else None."""
    first, second = (getattr(o.error, "label", None) for o in (a, b))
    if not isinstance(first, str) or not isinstance(second, str) or first == second:
        return None
    below: dict[str, frozenset[str]] = {}

    def reach(label: str) -> frozenset[str]:
        if label not in below:
            below[label] = frozenset({label}).union(*(reach(c) for c in chain[label].children))
        return below[label]

    holding = [n.label for n in chain.walk() if {first, second} <= reach(n.label)]
    lowest = [x for x in holding if not any(y != x and y in reach(x) for y in holding)]
    return lowest[0] if lowest else None


def property_r9(adapter: Adapter, scenario: Scenario,
                known: KnownDeviations = _NONE) -> Finding:
    """The same chain without any handler returns and raises exactly the same. When the two
    calls raised different nodes' failures, the violation names the run where they met, so its
    facts (node, parent) say where it happens."""
    expectation, observation, _, _ = _observe(adapter, scenario, known)
    bare = run_scenario(adapter, strip_handlers(scenario))
    violations = [
        Violation("R9", f"input {i}: with handlers the call {_describe(a)}; without handlers it "
                        f"{_describe(b)}", run=_meeting_point(scenario.chain, a, b),
                  kind="output-changed")
        for i, (a, b) in enumerate(zip(observation.outcomes, bare.outcomes))
        if not _same_outcomes(a, b, scenario)
    ]
    return _finish("R9", scenario, violations, observation, expectation, known)


def _half_finished(scenario: Scenario, observation: Observation) -> list[Violation]:
    """Runs a handler saw start and never end; ``fault_run`` says whether a raise_error
    handler raised on an event of that very run (an engine may fail to end the run whose event
    raised, a narrower deviation than leaving its ancestors open too)."""
    raising = {h.id: FAULT_KINDS[h.fault_on] for h in scenario.handlers
               if h.fault == "raise_error"}
    faulted = {ev.run_id for ev in observation.events
               if ev.kind in raising.get(ev.handler, ())}
    out = []
    per: Counter[tuple[str, str]] = Counter()
    names: dict[str, str] = {}
    for ev in observation.events:
        if ev.kind == "start":
            per[(ev.handler, ev.run_id)] += 1
            names[ev.run_id] = ev.name or ev.run_id
        elif ev.kind in TERMINAL:
            per[(ev.handler, ev.run_id)] -= 1
    for (handler, run_id), balance in sorted(per.items()):
        if balance > 0:
            out.append(Violation("R10", "run started but never received an end or error event "
                                        "after a handler raised", handler, names.get(run_id),
                                 kind="run-left-open",
                                 facts=(("fault_run", "yes" if run_id in faulted else "no"),)))
    return out


def property_r10(adapter: Adapter, scenario: Scenario,
                 known: KnownDeviations = _NONE) -> Finding:
    """A faulty handler changes nothing (raise_error=False) or surfaces cleanly (True)."""
    faulty = [h for h in scenario.handlers if h.fault != "none"]
    clean = replace(scenario, handlers=tuple(replace(h, fault="none") for h in scenario.handlers))
    expectation, clean_obs, clean_found, seen = _observe(adapter, clean, known)
    if clean_found:  # the other rules' business; nothing to compare against
        return Finding("R10", scenario, [], clean_obs, expectation,
                       vacuous="the fault-free run already breaks other rules")
    observation = run_scenario(adapter, scenario)
    violations: list[Violation] = []
    if any(h.fault == "raise_error" for h in faulty):
        # The inputs whose tree a faulty handler hears (with one config per input, not all do).
        faulty_ids = {h.id for h in faulty}
        key_of = match_runs(expectation, clean_obs.events,
                            scenario.invocation.mode in STREAM_MODES)
        reached = {key_of[e.run_id][0] for e in clean_obs.events
                   if e.handler in faulty_ids and e.run_id in key_of}
        for i, got in enumerate(observation.outcomes):
            if i in reached and not isinstance(got.error, HandlerFault):
                violations.append(Violation(
                    "R10", f"input {i}: a raise_error=True handler raised, but the call "
                           f"{_describe(got)} instead of raising the handler's exception",
                    handler=faulty[0].id, kind="raise-error-swallowed"))
        violations += _half_finished(scenario, observation)
    else:
        found, more = known.split(check(scenario, expectation, observation))
        seen += more
        violations += [replace(v, rule="R10", message=f"with a handler that raises: {v.message}",
                               kind=f"fault-changes-run:{v.kind}") for v in found]
        for handler, method in sorted(set(observation.faults)):
            mark = f"handler {handler} fails on purpose"
            if not any(mark in report for report in observation.fault_reports):
                silenced = silenced_loggers()
                hint = (f" (the suite reads warnings on the root logger, and logging is set up "
                        f"so that these do not reach it: {', '.join(silenced)}: if the engine "
                        "logs through one of them, the adapter or a module it imports silenced "
                        "it)") if silenced else ""
                violations.append(Violation(
                    "R10", f"its {method} raised and the engine went on, but logged no warning "
                           f"about it (a contained fault must be reported){hint}", handler,
                    kind="fault-not-reported", facts=(("method", method),)))
        for i, (a, b) in enumerate(zip(observation.outcomes, clean_obs.outcomes)):
            if not _same_outcomes(a, b, scenario):
                violations.append(Violation(
                    "R10", f"input {i}: with a raising handler the call {_describe(a)}; "
                           f"without, it {_describe(b)}", kind="fault-changes-output"))
    return _finish("R10", scenario, violations, observation, expectation, known, seen)


Shape = Counter[tuple[object, ...]]


def _shapes(scenario: Scenario, expectation: Expectation,
            observation: Observation) -> dict[str, Shape]:
    """Per handler, the multiset of runs it saw, with run ids replaced by tree positions and
    batch items folded together. Runs of one object the events cannot tell apart (``twins``)
    count at the first of their positions: which of them the matcher placed an observed run
    at is arbitrary, and may differ between two modes' runs of one engine."""
    key_of = match_runs(expectation, observation.events, scenario.invocation.mode in STREAM_MODES)
    canonical: dict[tuple[int, ...], tuple[int, ...]] = {}

    def position(key: tuple[int, ...]) -> tuple[int, ...]:
        where = canonical.get(key)
        if where is None:
            exp = expectation.runs[key]
            where = canonical[key] = min([key, *(t.key for t in twins(expectation, exp))])
        return where
    user_tags = user_tags_of(scenario)
    user_keys = {k for r in expectation.runs.values() for k, _ in r.metadata}
    out: dict[str, Shape] = {}
    for ev in observation.events:
        if ev.kind == "token":
            continue
        key = key_of.get(ev.run_id)
        where = position(key)[1:] if key else ("unmatched", ev.name)
        tags = tuple(sorted(set(ev.tags) & user_tags)) if ev.kind == "start" else ()
        meta = tuple(m for m in ev.metadata if m[0] in user_keys) if ev.kind == "start" else ()
        out.setdefault(ev.handler, Counter())[(where, ev.kind, ev.name, ev.run_type, tags,
                                               meta)] += 1
    return out


def property_r11(adapter: Adapter, scenario: Scenario,
                 known: KnownDeviations = _NONE) -> Finding:
    """The scenario's mode gives each handler the same runs as ``invoke`` (per batch item); a
    scenario drawn with ``invoke`` itself is compared in every mode
    (``Capabilities.parity_modes``).

    One mode per example: the suite's tests draw the mode, so each example costs two runs
    where comparing every mode cost nine, and shrinking keeps the mode that differs.
    """
    if scenario.invocation.item_callbacks:  # one config across modes: the first item's
        scenario = scenario.with_invocation(callbacks=scenario.invocation.item_callbacks[0],
                                            item_callbacks=())
    caps = adapter.capabilities
    drawn = scenario.invocation.mode
    if drawn == "invoke" or caps.runs_as(drawn) == caps.runs_as("invoke"):
        modes = caps.parity_modes
    else:
        modes = (drawn,)
    base = scenario.with_invocation(mode="invoke", inputs=scenario.invocation.inputs[:1])
    flaky = any(n.flaky for n in scenario.chain.walk())
    base_exp, base_obs, base_found, _ = _observe(adapter, base, known)
    if base_found:
        return Finding("R11", scenario, [], base_obs, base_exp,
                       vacuous="invoke already breaks other rules")
    want = _shapes(base, base_exp, base_obs)
    violations: list[Violation] = []
    observation: Observation | None = None
    for mode in modes:
        # Two items of one input, except with a flaky lambda: the items would share its toggle
        # (one per input value), and even one item after the other an engine may run a step for
        # every item before the next (a sequence's batch does), so the second item's first
        # attempt comes between the first item's attempts and succeeds.
        per_item = 2 if mode in BATCH_MODES and not flaky else 1
        inputs = scenario.invocation.inputs[:1] * per_item
        other = scenario.with_invocation(mode=mode, inputs=inputs)
        exp, obs = expect(other), run_scenario(adapter, other)
        observation = obs
        got = _shapes(other, exp, obs)
        for handler in sorted(set(want) | set(got)):
            expected = Counter({k: v * per_item for k, v in want.get(handler, Counter()).items()})
            seen = got.get(handler, Counter())
            if seen != expected:
                missing = expected - seen
                extra = seen - expected
                violations.append(Violation(
                    "R11", f"in {mode} the handler's events differ from invoke's: "
                           f"missing {_fmt(missing)}; extra {_fmt(extra)}", handler,
                    kind="mode-differs",
                    facts=(("compared", mode), ("differs", _how_differs(missing, extra)),
                           *_where_differs(base, base_exp, missing + extra))))
    return _finish("R11", scenario, violations, observation, base_exp, known)


def _where_differs(scenario: Scenario, expectation: Expectation,
                   differing: Shape) -> tuple[tuple[str, str], ...]:
    """The ``node`` kind, ``parent`` kind and ``grandparent`` kind of the first run (in tree
    order) whose events differ between the modes, and whether it is ``in_map`` and
    ``after_flaky`` (see :func:`~conformance.signatures.run_facts`), as facts (none when no
    differing event is at a known run)."""
    chain = expectation.runs
    positions = {k[0] for k in differing if isinstance(k[0], tuple)
                 and all(isinstance(i, int) for i in k[0])}
    for where in sorted(positions, key=lambda w: (len(w), w)):
        run = chain.get((0, *where))
        if run is None:
            continue
        facts = run_facts(scenario, expectation, run)
        return (("node", scenario.chain[run.label].kind),
                *((name, facts[name]) for name in ("parent", "grandparent", "in_map",
                                                   "after_flaky")))
    return ()


def _how_differs(missing: Shape, extra: Shape) -> str:
    """Which kinds of events the mode lacks and adds, as a fact (``extra-error+missing-end``: a
    run invoke ends normally errors instead), so that an entry for runs that end otherwise in
    one mode does not also cover runs that start, or are named or tagged, otherwise there."""
    kinds = {f"missing-{k[1]}" for k in missing} | {f"extra-{k[1]}" for k in extra}
    return "+".join(sorted(kinds)) or "none"


def _fmt(c: Shape) -> str:
    if not c:
        return "none"
    return ", ".join(f"{k[1]} of {k[2]!r} at {k[0]}" + (f" x{n}" if n > 1 else "")
                     for k, n in sorted(c.items(), key=str)[:6])


def property_r12(adapter: Adapter, scenario: Scenario,
                 known: KnownDeviations = _NONE) -> Finding:
    """Two concurrent invocations with their own runtime handlers behave as if alone."""
    if scenario.chain.handler_ids():
        return Finding("R12", scenario, [], None, None,
                       vacuous="R12 runs one chain twice at once with runtime handlers only; "
                               "this scenario also has bound or constructor handlers")
    if any(n.flaky for n in scenario.chain.walk()):
        return Finding("R12", scenario, [], None, None,
                       vacuous="R12 runs one chain twice at once; a flaky lambda's outcome "
                               "would depend on which invocation calls it first")
    first = scenario
    ids = [h.id for h in scenario.handlers]
    renamed = {h: f"{h}b" for h in ids}
    second = Scenario(
        scenario.chain,
        tuple(replace(h, id=renamed[h.id]) for h in scenario.handlers),
        replace(scenario.invocation.renamed(renamed),
                tags=tuple(f"{t}b" for t in scenario.invocation.tags)),
    )
    expectation, alone, alone_found, _ = _observe(adapter, first, known)
    if alone_found:
        return Finding("R12", scenario, [], alone, expectation,
                       vacuous="a single invocation already breaks other rules")
    observations = run_concurrently(adapter, [first, second])
    violations: list[Violation] = []
    for which, (sc, obs) in enumerate(zip((first, second), observations)):
        found, _ = known.split(check(sc, expect(sc), obs))
        for v in found:
            violations.append(replace(v, rule="R12", message=(
                f"invocation {which + 1} of 2 running concurrently: {v.message}"),
                kind=f"concurrent:{v.kind}"))
    return _finish("R12", scenario, violations, observations[0], expectation, known)


PROPERTIES: Final[Mapping[str, Property]] = {
    "R1": _plain("R1"),
    "R2": _plain("R2"),
    "R3": _plain("R3"),
    "R4": property_r4,
    "R5": _plain("R5"),
    "R6": property_r6,
    "R7": _plain("R7"),
    "R8": _plain("R8"),
    "R9": property_r9,
    "R10": property_r10,
    "R11": property_r11,
    "R12": property_r12,
    "R13": _plain("R13"),
    "R14": _plain("R14"),
    "R15": _plain("R15"),
}


def evaluate(rule: str, adapter: Adapter, scenario: Scenario,
             known: KnownDeviations = _NONE) -> Finding:
    """Run ``rule``'s property on ``scenario``, masking the ``known`` deviations.

    Violations of other rules seen on the way (a differential property's base run that already
    breaks R6, say, which leaves nothing to compare) are not dropped: they are the finding's
    ``incidental`` violations.
    """
    token = _SEEN.set([])
    try:
        finding = PROPERTIES[rule](adapter, scenario, known)
        seen = _SEEN.get() or []
    finally:
        _SEEN.reset(token)
    first: dict[tuple[str | None, str], tuple[Scenario, Violation]] = {}
    for where, v in seen:
        if v.rule != rule:
            first.setdefault((v.rule, v.kind), (where, v))
    finding.incidental = list(first.values())
    return finding
