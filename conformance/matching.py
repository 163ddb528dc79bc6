"""Run matching: which observed run is which expected run.

Run ids say nothing about a run's place in the tree, and each handler sees only part of it, so
the checker must work out which observed run id is which expected run before it can judge
anything. A wrong guess reports violations against a correct engine, so the assignment is solved
exactly, as an embedding of the observed run forest into the expected run tree:

- every ``parent_run_id`` is a constraint: if run *r* is placed at expected run *k*, then *r*'s
  parent (observed, or a *hidden* id that only appears as somebody's parent) is placed at *k*'s
  parent — so the children of one observed or hidden run land on children of one expected run;
- among the embeddings that satisfy the constraints, the one that disagrees least with what the
  events say (names, run types, which handlers saw the run, tags, metadata, outcome, sequence
  order, expected runs nobody saw, extra layers that wrap a run) wins. A conforming engine's
  events fit their true places with no disagreement at all, so the best embedding of a
  conforming engine is a perfect one; where the observations leave several places open, all of
  them are perfect, and any will do.

The solution is a dynamic programme over (observed run, expected run) pairs — each pair's cost
is its own disagreement plus the best assignment of its children (order-preserving for sequence
steps, any one-to-one for branches) — followed by a small branch-and-bound search that places the
pieces whose parents nobody saw (batch items, subtrees under unobserved runs) without overlap.
Runs whose parent link fits under no child of their parent's place are placed in later rounds
(below the place their parent link names, where they can: an engine that skips a level), and a
run no round placed may take the place of a run of its object that can move to an empty one.
Time order is judged per handler, as R7 is: handlers called asynchronously receive events late,
so a run may have ended for one handler while another still waits for its end, and a child can
fit inside its parent for the handler that saw both and not by the order of all deliveries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from .events import NOT_REPORTED, TERMINAL, Event
from .interface import method_fits, start_payload
from .oracle import Expectation, ExpectedRun

__all__ = ["ObservedRun", "RunMatch", "extra_layers", "match", "observed_runs"]

Key = tuple[int, ...]
#: A placement of an observed subtree: its cost and its (observed run, expected run) pairs.
_Fit = tuple[int, tuple[tuple[str, Key], ...]]

#: An observed run with several parent ids, or whose parent was an extra layer of no known place.
_UNKNOWN: Final = "\0unknown-parent"

#: Costs of disagreements (see the module docstring). A run that cannot be placed at all costs
#: more than any single disagreement, so a run is left out only when nowhere fits it.
_UNPLACED: Final = 4
_WRONG_PARENT: Final = 2
_MISSED: Final = 1
#: A child of an extra layer placed right under the layer's parent's place: the layer wraps it
#: there (the checker reports its parent link), where under an expected run nobody saw, the layer
#: may be that run. As small as the least other disagreement (an expected run nobody saw): it
#: decides between otherwise equal placements, and costs nothing where no extra layer is seen.
_WRAPPED: Final = 1
#: How many partial placements the search may try before it settles for the best found. A
#: count, not a time, so that a verdict does not depend on the machine. 4000 ran out on twelve
#: alike pieces (langchain-core 1.8.3, random seed 83: a batch of three tools whose callees all
#: lost their parent link; 10000 places them all, in 0.24 s); a conforming engine's pieces fit
#: at once, and the search never comes near it.
_SEARCH_BUDGET: Final = 12000


class _Candidate(NamedTuple):
    """A place for a piece: its cost, the expected position of its root, every pair."""

    cost: int
    key: Key
    pairs: tuple[tuple[str, Key], ...]


class _Place(NamedTuple):
    """A place for a piece, its cost not yet computed: a lower bound on it (the cost of the
    piece's root there, with its parent link: the root's children add nothing negative), what
    the parent link adds, the expected position of its root, and its rank among the piece's
    places (:meth:`_Matcher._places` order, which breaks ties between equal candidates)."""

    bound: int
    extra: int
    key: Key
    rank: int


class _Branch(NamedTuple):
    """One way to go on in the search: what it adds (cost, order hints) and the pairs."""

    cost: int
    hint: int
    pairs: tuple[tuple[str, Key], ...]


def _ties(branches: Sequence[_Branch]) -> int:
    """How many branches are as good as the first (the cheapest)."""
    return sum(1 for b in branches if (b.cost, b.hint) == (branches[0].cost, branches[0].hint))


@dataclass(slots=True)
class ObservedRun:
    """What all handlers' events together say about one run id."""

    run_id: str
    first_seq: int
    last_seq: int
    names: set[str] = field(default_factory=set)
    run_types: set[str] = field(default_factory=set)
    #: The run types its start events gave, and the methods its other events came through
    #: (where reported): an adapter gives those events the type of the start the same handler
    #: saw, and only guesses when it saw none (Event requires a run type on starts only).
    start_types: set[str] = field(default_factory=set)
    methods: set[str] = field(default_factory=set)
    parents: set[str | None] = field(default_factory=set)
    handlers: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    metadata: set[tuple[str, str]] = field(default_factory=set)
    terminals: set[str] = field(default_factory=set)
    #: The inputs its start events and the outputs its end events carried, where reported
    #: (see :meth:`inputs` and :meth:`outputs`).
    start_payloads: list[object] = field(default_factory=list)
    end_payloads: list[object] = field(default_factory=list)
    #: Per handler: the seq of its first event, of its last, and of its first terminal event.
    first_of: dict[str, int] = field(default_factory=dict)
    last_of: dict[str, int] = field(default_factory=dict)
    ended: dict[str, int] = field(default_factory=dict)
    _texts: tuple[frozenset[str], frozenset[str]] | None = None

    def type_differs(self, run_type: str) -> bool:
        """Whether the run is not of ``run_type`` as far as the events tell: by the types its
        starts gave; without a start, by the methods its other events came through (a chat
        model and an LLM end alike), never by the type a handler that saw no start guessed."""
        if self.start_types:
            return len(self.start_types) != 1 or run_type not in self.start_types
        return not all(method_fits(run_type, m) for m in self.methods)

    def inputs(self) -> frozenset[str]:
        """The inputs its start events carried, as canonical JSON text."""
        return self._payload_texts()[0]

    def outputs(self) -> frozenset[str]:
        """The outputs its end events carried, as canonical JSON text."""
        return self._payload_texts()[1]

    def _payload_texts(self) -> tuple[frozenset[str], frozenset[str]]:
        # (encoded when first asked for, once: streamed modes never compare inputs, and most
        # runs are compared with several expected runs)
        if self._texts is None:
            self._texts = (frozenset(map(_text, self.start_payloads)),
                           frozenset(map(_text, self.end_payloads)))
        return self._texts


#: Canonical JSON text of a payload, keys sorted (one encoder for all: ``json.dumps`` with
#: ``sort_keys`` builds a new one per call).
_text: Final = json.JSONEncoder(sort_keys=True).encode


def _all_are(texts: frozenset[str], text: str) -> bool:
    """Whether ``texts == {text}``, without building the set (asked of most pairs placed)."""
    return len(texts) == 1 and text in texts


def observed_runs(events: Iterable[Event]) -> dict[str, ObservedRun]:
    """Run id -> what the events say about that run, in order of first appearance."""
    runs: dict[str, ObservedRun] = {}
    for ev in events:
        seq, handler, kind = ev.seq, ev.handler, ev.kind
        run = runs.get(ev.run_id)
        if run is None:
            run = runs[ev.run_id] = ObservedRun(ev.run_id, seq, seq)
        run.last_seq = seq
        if handler not in run.first_of:  # (a handler's first event of the run)
            run.first_of[handler] = seq
            run.handlers.add(handler)
        run.last_of[handler] = seq
        if kind == "start":
            if ev.name is not None:
                run.names.add(ev.name)
            run.tags.update(ev.tags)
            run.metadata.update(ev.metadata)
            if ev.payload is not NOT_REPORTED:
                run.start_payloads.append(ev.payload)
            run.start_types.add(ev.run_type)
        elif kind in TERMINAL:
            run.terminals.add(kind)
            if handler not in run.ended:
                run.ended[handler] = seq
            if kind == "end" and ev.payload is not NOT_REPORTED:
                run.end_payloads.append(ev.payload)
        if kind != "start" and isinstance(ev.method, str):
            run.methods.add(ev.method)
        run.run_types.add(ev.run_type)
        run.parents.add(ev.parent_run_id)
    return runs


def extra_layers(expectation: Expectation, observed: Mapping[str, ObservedRun]) -> set[str]:
    """Observed runs that can be no expected run: names no runnable has, and runs with a child of
    their own name (a chain is acyclic, so such a run is an extra layer — a binding that made a
    run of its own, say — never the real one)."""
    runs = expectation.runs
    leaked = leaked_names(expectation)  # (a run name that won where another should have)
    names = {r.name for r in runs.values()} | {r.unnamed for r in runs.values() if r.unnamed} \
        | leaked
    out = {r.run_id for r in observed.values() if r.names and not r.names & names}
    doubled = [(pid, observed[pid].names & r.names) for r in observed.values()
               for pid in r.parents if pid is not None and pid in observed
               and not observed[pid].names.isdisjoint(r.names)]
    if doubled:
        # ... unless the expected tree has such a pair itself (a retry and its attempts)
        nested = leaked | {n for r in runs.values() for n in (r.name, r.unnamed)
                           if any(runs[c].name == n for c in r.children)}
        out |= {pid for pid, shared in doubled if shared - nested}
    return out


def leaked_names(expectation: Expectation) -> frozenset[str]:
    """The invocation's ``run_name`` (a root named other than its object) and the run names
    bindings bind (the bound object's run named other than its object): an engine that lets
    them reach other runs, or lets the wrong one win, breaks R14, which says so; such a name
    then tells nothing of identity. (A bound name that is some node's label is that node's.)"""
    runs = expectation.runs
    name = expectation.run_name
    if name is None and not expectation.bound_names:
        return frozenset()
    out = expectation.bound_names - {r.label for r in runs.values()}
    if name is None:
        return out
    return out | (frozenset({name}) - {runs[k].label for k in expectation.roots})


@dataclass(frozen=True)
class RunMatch:
    """The assignment: expected position -> observed run id.

    ``hidden`` holds the positions of runs nobody observed but whose id some child gave as its
    parent; ``of_key`` maps them to that id too, so parent links can be checked through them.
    ``layers`` are the observed runs that can be no expected run (:func:`extra_layers`).
    """

    of_key: Mapping[Key, str]
    hidden: frozenset[Key]
    layers: frozenset[str] = frozenset()

    def observed(self) -> dict[str, Key]:
        """Observed run id -> expected position, for runs some handler saw."""
        return {rid: key for key, rid in self.of_key.items() if key not in self.hidden}


def match(expectation: Expectation, events: Sequence[Event] | None = None,
          observed: Mapping[str, ObservedRun] | None = None,
          streaming: bool = False) -> RunMatch:
    """Place the observed runs at expected positions (see the module docstring). Outside
    ``streaming`` modes the inputs a start carried tell batch items apart."""
    if observed is None:
        observed = observed_runs(events or ())
    return _Matcher(expectation, observed, streaming).solve()


class _Matcher:
    def __init__(self, expectation: Expectation, observed: Mapping[str, ObservedRun],
                 streaming: bool = False) -> None:
        self.exp = expectation
        self.streaming = streaming
        self.runs = expectation.runs
        self.obs = observed
        self.user_tags = frozenset(t for r in self.runs.values() for t in r.tags)
        self.user_keys = frozenset(k for r in self.runs.values() for k, _ in r.metadata)
        skipped = self.layers = frozenset(extra_layers(expectation, observed))
        self.parent: dict[str, str | None] = {}
        for rid, run in observed.items():
            if rid not in skipped:
                self.parent[rid] = self._effective_parent(run, skipped)
        # (runs whose own parent is an extra layer, placed as children of the layer's parent)
        self.wrapped = frozenset(rid for rid, pid in self.parent.items() if pid != _UNKNOWN
                                 and not self.obs[rid].parents.isdisjoint(skipped))
        self.children: dict[str, list[str]] = {}
        for rid, pid in self.parent.items():
            if pid is not None and pid != _UNKNOWN:
                self.children.setdefault(pid, []).append(rid)
        self.first: dict[str, int] = {}
        for rid in self.children:
            self._first_seq(rid)
        # (children in order of their first event, as placements take them)
        self.kids = {rid: sorted(kids, key=self.first.__getitem__)
                     for rid, kids in self.children.items()}
        # What leaving expected run ``key`` without an observed run costs: in a conforming
        # engine every child some handler sees names its parent, so it is among the children.
        self.miss = {key: 0 if exp.optional else len(exp.handlers) * _MISSED
                     for key, exp in self.runs.items()}
        self.by_name: dict[str, list[Key]] = {}
        for key, exp in self.runs.items():
            self.by_name.setdefault(exp.name, []).append(key)
            if exp.unnamed is not None and exp.unnamed != exp.name:
                self.by_name.setdefault(exp.unnamed, []).append(key)
        #: name -> the run types of the expected runs of that name
        self.types_by_name: dict[str, frozenset[str]] = {}
        for exp in self.runs.values():
            self.types_by_name[exp.name] = self.types_by_name.get(exp.name, frozenset()) | {
                exp.run_type}
        self.leaked = leaked_names(expectation)
        for name in self.leaked:  # a leaked run_name may sit on any run (R14 reports it)
            self.by_name[name] = list(self.runs)
        self.best: dict[tuple[str, Key], tuple[int, tuple[tuple[str, Key], ...]] | None] = {}
        # (the expected runs a named run may be: of its names, or any, for a leaked name)
        self.named_keys = {rid: frozenset(k for name in run.names
                                          for k in self.by_name.get(name, ()))
                           for rid, run in observed.items() if run.names}
        self.marks: dict[str, tuple[frozenset[str], frozenset[tuple[str, str]]]] = {}
        self.input_texts: dict[Key, str | None] = {}
        self.output_texts: dict[Key, str] = {}
        self.sizes: dict[str, int] = {}
        self.locals: dict[tuple[str, Key], int | None] = {}
        self.left_out: dict[tuple[str, int, int], int] = {}

    # -- the observed forest --------------------------------------------------------------

    def _effective_parent(self, run: ObservedRun, skipped: frozenset[str]) -> str | None:
        """The run's parent id, with extra layers spliced out; _UNKNOWN when it has several."""
        seen: set[str] = set()
        while True:
            if len(run.parents) != 1:
                return _UNKNOWN
            pid = next(iter(run.parents))
            if pid is None or pid not in skipped:
                return pid
            if pid in seen:
                return _UNKNOWN
            seen.add(pid)
            run = self.obs[pid]

    def _rival_fits(self, rid: str, exp: ExpectedRun) -> bool:
        """Whether another observed run with the name of ``exp`` and the parents of ``rid``
        started with ``exp``'s run type (LangChain.js runs a tool's callees as runs named after
        the tool beside it: of those, the tool run is the one whose type is the tool's)."""
        run = self.obs[rid]
        return any(other.run_id != rid and exp.name in other.names
                   and other.parents == run.parents and other.start_types
                   and not other.type_differs(exp.run_type) for other in self.obs.values())

    def _namesake_fits(self, run: ObservedRun, exp: ExpectedRun) -> bool:
        """Whether another expected run named as ``exp`` is of the one type ``run`` started
        with (a run of one type is not the run of another type it shares its name with)."""
        types = self.types_by_name.get(exp.name, frozenset())
        return len(run.start_types) == 1 and not run.start_types.isdisjoint(types - {
            exp.run_type})

    def _first_seq(self, rid: str) -> int:
        """The seq of the first event of ``rid``'s observed subtree (0 if none)."""
        first = self.first.get(rid)
        if first is None:
            seqs = [self._first_seq(c) for c in self.children.get(rid, ())]
            run = self.obs.get(rid)
            if run is not None:
                seqs.append(run.first_seq)
            first = self.first[rid] = min(seqs, default=0)
        return first

    # -- costs ----------------------------------------------------------------------------

    def _local(self, rid: str, key: Key) -> int | None:
        """How much observed run ``rid`` disagrees with expected run ``key``; None if never
        (computed once per pair: a piece's root is costed to bound its places, then placed)."""
        pair = (rid, key)
        if pair in self.locals:
            return self.locals[pair]
        local = self.locals[pair] = self._disagreement(rid, key)
        return local

    def _disagreement(self, rid: str, key: Key) -> int | None:
        """:meth:`_local`, computed."""
        exp = self.runs[key]
        run = self.obs.get(rid)
        if run is None:  # a hidden run: nobody saw it, so every handler in scope missed it
            if not (self.children.get(rid) and exp.children) or self._names_itself(rid, key):
                return None
            return len(exp.handlers) * _MISSED
        names = run.names
        cost = 0 if names else 1
        if names and exp.name not in names:
            if not names <= self.leaked and names != {exp.unnamed}:
                return None
            # named by a leaked run_name, or a run a run_name did not rename: R14's
            # violations, not another run
            cost += 1
        differs = run.type_differs(exp.run_type)
        # Without a start, its methods are all that tells its type; a nameless run, its type is
        # all that tells what it is; else, another run of that name and parent may fit the
        # place: then it is that run. And where another expected run has the name and the
        # type the run started with (a retry's run is named after the runnable it retries),
        # the run is that one, not this. A run named only by a run_name that may leak is
        # as good as nameless here: its type is what tells what it is.
        if differs and (not run.start_types or not names or names <= self.leaked
                        or self._rival_fits(rid, exp) or self._namesake_fits(run, exp)):
            return None
        # Handlers that saw the run where none is expected weigh two each; expected handlers
        # that missed it weigh one, however many: engines drop handlers (nested bindings that
        # replace instead of add, say), and the dropped ones must not outweigh the handler that
        # did see the run and place it where that handler is out of scope. A handler in scope
        # whose ignore_* flags silence the run (``exp.ignoring``) is no stranger there: seeing
        # it is the checker's ignored-run-received, not a reason to place the run elsewhere.
        cost += not run.handlers.issuperset(exp.handlers)
        for handler in run.handlers:
            if handler not in exp.handlers and handler not in exp.ignoring:
                cost += 2
        cost += differs
        # One disagreement each, however many tags or keys differ: nested bindings each add
        # theirs, so an engine that drops them (R13 reports which) would otherwise make a
        # perfectly named and placed run cost more than leaving it out. Named or not: of
        # nameless runs of one type (LangChain.js's chat models), the tags tell which is which.
        tags, meta = self._marks(rid)
        cost += (tags != exp.tags) + (meta != exp.metadata)
        if run.terminals and exp.ending != "any" and run.terminals != {exp.ending}:
            cost += 1
        if run.start_payloads and not self.streaming:
            want = self._input_text(key)
            if want is not None and not _all_are(run.inputs(), want):
                cost += 1
        if run.end_payloads and exp.ending == "end" and exp.output is not None \
                and not _all_are(run.outputs(), self._output_text(key)):
            cost += 1
        return cost

    def _names_itself(self, hidden: str, key: Key) -> bool:
        """Whether a child of ``hidden`` carries the name of ``key``'s run and of none of its
        children: then ``hidden`` is not that run (a run is not its own child) but, likely, its
        parent, whose other children name it where the engine gave them their grandparent's
        id (langchain-core's fallbacks under a binding: the attempts and the fallbacks run
        all name the sequence's run, which the bound handler does not see)."""
        below = set(self.runs[key].children)
        for child in self.children[hidden]:
            named = self.named_keys.get(child)
            if named is not None and key in named and not below & named:
                return True
        return False

    def _marks(self, rid: str) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
        """The user's tags and metadata among those observed run ``rid`` carried (computed
        once: the run is compared with several expected runs)."""
        marks = self.marks.get(rid)
        if marks is None:
            run = self.obs[rid]
            marks = self.marks[rid] = (
                frozenset(run.tags & self.user_tags),
                frozenset(m for m in run.metadata if m[0] in self.user_keys))
        return marks

    def _input_text(self, key: Key) -> str | None:
        """Expected run ``key``'s start payload as canonical JSON text, None where the model
        does not fix it (computed once: every observed run of its name is compared with it)."""
        if key not in self.input_texts:
            want = start_payload(self.runs[key].run_type, self.runs[key].input)
            self.input_texts[key] = None if want is None else _text(want)
        return self.input_texts[key]

    def _output_text(self, key: Key) -> str:
        """Expected run ``key``'s output as canonical JSON text (computed once, likewise)."""
        text = self.output_texts.get(key)
        if text is None:
            text = self.output_texts[key] = _text(self.runs[key].output)
        return text

    def _best(self, rid: str, key: Key) -> tuple[int, tuple[tuple[str, Key], ...]] | None:
        """The cheapest placement of ``rid``'s observed subtree with ``rid`` at ``key``:
        (cost, pairs). Children that fit under no child of ``key`` are left for later."""
        local = self._local(rid, key)
        if local is None:
            return None
        kids = self.kids.get(rid)
        exp = self.runs[key]
        if not kids:
            return local, ((rid, key),)
        if exp.child_order == "unordered":
            cost, pairs = self._assign(kids, exp.children)
        else:
            cost, pairs = self._align(kids, exp.children)
        return local + cost, ((rid, key), *pairs)

    def _pair(self, rid: str, key: Key) -> tuple[int, tuple[tuple[str, Key], ...]] | None:
        """:meth:`_best`, computed once per pair; a run named like no run that may sit at
        ``key`` (:attr:`by_name`) fits nowhere under it, which the names tell cheaply."""
        named = self.named_keys.get(rid)
        if named is not None and key not in named:
            return None
        pair = (rid, key)
        if pair not in self.best:
            self.best[pair] = self._best(rid, key)
        return self.best[pair]

    def _child(self, kid: str, key: Key) -> tuple[int, tuple[tuple[str, Key], ...]] | None:
        """:meth:`_pair` of a child of the run being placed, a child of an extra layer costing
        :data:`_WRAPPED` more: of two runs of one object under one parent, the one under the
        layer is the one beneath the place left unseen (langchain-core's ``RunnableEach``
        rewrapped by ``with_config``), which streams, whose start inputs are not compared,
        tell by nothing else."""
        fit = self._pair(kid, key)
        if fit is None or kid not in self.wrapped:
            return fit
        return fit[0] + _WRAPPED, fit[1]

    def _leaving_out(self, kid: str, keys: Sequence[Key]) -> int:
        """:meth:`_left_out` for a child aligned with ``keys``; its piece's unplaced cost where
        there are no places (no level to look deeper from) or it fits one of them exactly (a
        conforming engine's: nothing cheaper to find)."""
        if not keys or any(fit is not None and fit[0] == 0
                           for key in keys for fit in [self._child(kid, key)]):
            return _UNPLACED * self._size(kid)
        return self._left_out(kid, keys[0])

    def _left_out(self, rid: str, level: Key) -> int:
        """What leaving child ``rid`` out of an alignment with places like ``level`` costs.

        Its subtree goes with it (a later round places the piece whole), so leaving it out
        costs one unplaced run per run in it; or less, where a later round may place it deeper
        in the same input's tree, its parent link then wrong (a tool's callee that names the
        tool's parent fits the tool's child, not a run of its object beside the tool): its
        subtree's fit at the cheapest such place of its name, plus the wrong link. (Only deeper
        places: one beside ``level``, or in another input's tree, is another run's.) Priced by
        the piece, not by its root alone: otherwise a nameless run whose subtree fits the
        place and a nameless sibling with nothing below that fits would cost the same to
        leave out, and the place could go to the sibling (LangChain.js's nameless sequences
        in batch). A run of a conforming engine fits its place exactly, so leaving it out
        always costs more."""
        memo = (rid, level[0], len(level))
        cost = self.left_out.get(memo)
        if cost is None:
            fits = [fit[0] for key in self.named_keys.get(rid, ())
                    if key[0] == level[0] and len(key) > len(level)
                    for fit in [self._pair(rid, key)] if fit is not None]
            cost = _UNPLACED * self._size(rid)
            if fits:
                cost = min(cost, min(fits) + _WRONG_PARENT)
            self.left_out[memo] = cost
        return cost

    def _align(self, kids: Sequence[str], keys: Sequence[Key]
               ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        """Order-preserving assignment of observed children (by first event) to steps."""
        m, n = len(kids), len(keys)
        if m == n:
            # As many children as steps, each fitting its step perfectly: the only perfect
            # alignment (leaving any child out costs), so the one the table would find.
            steps = [self._child(kid, key) for kid, key in zip(kids, keys)]
            if all(fit is not None and fit[0] == 0 for fit in steps):
                return 0, tuple(pair for fit in steps if fit is not None for pair in fit[1])
        return self._align_by_table(kids, keys)

    def _align_by_table(self, kids: Sequence[str], keys: Sequence[Key]) -> _Fit:
        """:meth:`_align` by a dynamic programme over (children left, steps left)."""
        m, n = len(kids), len(keys)
        miss = [self.miss[k] for k in keys]
        out = [self._leaving_out(kid, keys) for kid in kids]
        # table[i][j]: best for kids[i:] against keys[j:]; of equal costs, leaving key j
        # without a run, then leaving kid i out, then pairing them
        table: list[list[tuple[int, tuple[tuple[str, Key], ...]]]] = [
            [(0, ())] * (n + 1) for _ in range(m + 1)]
        for j in range(n - 1, -1, -1):
            table[m][j] = (table[m][j + 1][0] + miss[j], ())
        for i in range(m - 1, -1, -1):
            row, below = table[i], table[i + 1]
            row[n] = (below[n][0] + out[i], below[n][1])
            for j in range(n - 1, -1, -1):
                best = row[j + 1][0] + miss[j], row[j + 1][1]
                if below[j][0] + out[i] < best[0]:
                    best = below[j][0] + out[i], below[j][1]
                fit = self._child(kids[i], keys[j])
                if fit is not None and fit[0] + below[j + 1][0] < best[0]:
                    best = fit[0] + below[j + 1][0], fit[1] + below[j + 1][1]
                row[j] = best
        return table[0][0]

    def _assign(self, kids: Sequence[str], keys: Sequence[Key]
                ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        """One-to-one assignment of observed children to unordered children (exact, by a
        dynamic programme over the subsets of expected children taken so far)."""
        n = len(keys)
        if n > 12:  # never generated; stay polynomial by placing children one at a time
            return self._assign_greedy(kids, keys)
        options = [[(j, fit) for j in range(n) for fit in [self._child(kid, keys[j])]
                    if fit is not None] for kid in kids]
        out = [self._leaving_out(kid, keys) for kid in kids]
        alone = [fits[0][0] for fits in options if len(fits) == 1]
        if all(len(fits) <= 1 for fits in options) and len(set(alone)) == len(alone):
            return self._assign_apart(options, keys, out)
        return self._assign_by_subsets(options, keys, out)

    def _assign_by_subsets(self, options: Sequence[Sequence[tuple[int, _Fit]]],
                           keys: Sequence[Key], out: Sequence[int] | None = None) -> _Fit:
        """:meth:`_assign` by a dynamic programme over the subsets of places taken so far
        (``options``: per child, the places it fits and how)."""
        n = len(keys)
        # Of equally good assignments, the one that leaves later kids out (kids come in order
        # of their first event): when more kids name this parent than it has places for (an
        # engine that gives a run's children their grandparent's id), a run starts before its
        # own children, so the earlier ones are the parent's.
        states: dict[int, tuple[int, tuple[bool, ...], tuple[tuple[str, Key], ...]]] = {
            0: (0, (), ())}
        for i, fits in enumerate(options):
            nxt: dict[int, tuple[int, tuple[bool, ...], tuple[tuple[str, Key], ...]]] = {}
            leave = _UNPLACED if out is None else out[i]
            for used, (cost, left, pairs) in states.items():
                # (the first of equally good ways to reach a state is kept)
                kept = nxt.get(used)
                if kept is None or (cost + leave, (*left, True)) < kept[:2]:
                    nxt[used] = (cost + leave, (*left, True), pairs)
                for j, fit in fits:
                    if not used >> j & 1:
                        state = used | 1 << j
                        kept = nxt.get(state)
                        if kept is None or (cost + fit[0], (*left, False)) < kept[:2]:
                            nxt[state] = (cost + fit[0], (*left, False), pairs + fit[1])
            states = nxt
        miss = [self.miss[k] for k in keys]
        # Of equally good assignments, the one whose children fit their places best, leaving
        # expected runs unseen instead: another piece (a run whose parent link the engine lost)
        # may be the run left unseen, where a child placed there with disagreements is more
        # likely the run of another place (a bound and an unbound run of one object).
        best = min(((cost + sum(miss[j] for j in range(n) if not used >> j & 1), cost, left,
                     pairs) for used, (cost, left, pairs) in states.items()),
                   key=lambda v: v[:3])
        return best[0], best[3]

    def _assign_apart(self, options: Sequence[Sequence[tuple[int, _Fit]]], keys: Sequence[Key],
                      out: Sequence[int] | None = None) -> _Fit:
        """:meth:`_assign` where no two children fit one place and none fits two (``options``:
        per child, its one place and fit, if any): each child's choice is its own, to take
        its place or be left out, whichever costs less, with the subset programme's order of
        equally good choices: then the one whose child disagrees less (leaving the place
        unseen), then the fewer children left out."""
        cost = 0
        pairs: tuple[tuple[str, Key], ...] = ()
        taken = set()
        for i, fits in enumerate(options):
            leave = _UNPLACED if out is None else out[i]
            if fits:
                j, fit = fits[0]
                # (what taking it and leaving it out add: in all, and in disagreement)
                if (fit[0], fit[0]) <= (leave + self.miss[keys[j]], leave):
                    cost, pairs = cost + fit[0], pairs + fit[1]
                    taken.add(j)
                    continue
            cost += leave
        return cost + sum(self.miss[k] for j, k in enumerate(keys) if j not in taken), pairs

    def _assign_greedy(self, kids: Sequence[str], keys: Sequence[Key]
                       ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        cost, used = 0, set()
        pairs: tuple[tuple[str, Key], ...] = ()
        for kid in kids:
            fits = [(f[0], j, f[1]) for j in range(len(keys)) if j not in used
                    for f in [self._child(kid, keys[j])] if f is not None]
            if not fits:
                cost += self._leaving_out(kid, keys)
                continue
            c, j, p = min(fits, key=lambda f: (f[0], f[1]))
            used.add(j)
            cost, pairs = cost + c, pairs + p
        return cost, pairs

    # -- placing the pieces -----------------------------------------------------------------

    def _places(self, rid: str, parent: str | None, anchor: Key | None = None) -> list[_Place]:
        """Where the piece rooted at ``rid`` may go, each with a lower bound on its cost (the
        root's own cost there, without its subtree's): cheap, where :meth:`_exact` is not.

        ``anchor`` is where the run's own parent was placed, when its parent's alignment left
        it out (a later round of :meth:`solve`): a place right below the anchor agrees with
        its parent link (the alignment left it out as no cheaper than placed: a branch
        cancelled part way, its runs each ending otherwise than expected, say); a place further
        below (a link that skipped a level, as to a tool's caller) agrees with it more than a
        place elsewhere, by one."""
        run = self.obs.get(rid)
        if run is not None and run.names:
            keys = [k for name in sorted(run.names) for k in self.by_name.get(name, ())]
        elif run is not None:
            keys = list(self.runs)
        else:  # a hidden run: any run with a child named like one of its children
            kid_names = {n for c in self.children[rid] for n in self.obs[c].names} \
                if all(c in self.obs for c in self.children[rid]) else None
            keys = [k for k, r in self.runs.items() if r.children and (
                kid_names is None or any(self.runs[c].name in kid_names for c in r.children))]
        named = self.named_keys.get(rid)
        out = []
        for rank, key in enumerate(keys):
            local = None if named is not None and key not in named else self._local(rid, key)
            if local is None:  # (as :meth:`_pair` finds: it fits nowhere there)
                continue
            extra = 0
            if run is not None and parent is None and self.runs[key].parent is not None:
                extra = _WRONG_PARENT  # says it is a root, but is not one
            elif run is not None and parent == _UNKNOWN:
                extra = _WRONG_PARENT
                if anchor is not None and key[:-1] == anchor:
                    extra = 0  # right below its parent after all: its link is right
                elif anchor is not None and not (len(key) > len(anchor)
                                                 and key[:len(anchor)] == anchor):
                    extra += 1
            out.append(_Place(local + extra, extra, key, rank))
        return out

    def _exact(self, rid: str, place: _Place) -> _Candidate:
        """The candidate at ``place``: its cost and pairs, its subtree placed."""
        fit = self._pair(rid, place.key)
        assert fit is not None  # (:meth:`_places` kept only places the root fits)
        return _Candidate(fit[0] + place.extra, place.key, fit[1])

    def _size(self, rid: str) -> int:
        """How many observed runs the piece rooted at ``rid`` holds."""
        size = self.sizes.get(rid)
        if size is None:
            size = self.sizes[rid] = (rid in self.obs) + sum(
                self._size(c) for c in self.children.get(rid, ()))
        return size

    def _place(self, pieces: Sequence[str], taken: Mapping[Key, str],
               parent_of: Mapping[str, str | None],
               anchors: Mapping[str, Key] | None = None) -> dict[Key, str]:
        """Place ``pieces`` (roots of observed subtrees) at positions not yet ``taken``,
        minimising disagreement, order faults and the expected runs left unseen (each weighed
        by the handlers that should have seen it, as an alignment weighs it; see
        :meth:`_order_faults`: cross-handler order hints only break ties)."""
        anchor_of = anchors or {}
        places = [self._places(p, parent_of.get(p), anchor_of.get(p)) for p in pieces]
        unplaced_cost = [_UNPLACED * self._size(p) for p in pieces]
        watched = {k for k, r in self.runs.items() if r.handlers and not r.optional}
        if len(pieces) == 1 and not taken:
            options = [self._exact(pieces[0], place) for place in places[0]]
            options.sort(key=lambda c: (c.cost, c.key))
            return self._place_alone(options, unplaced_cost[0], watched, self.miss)
        # A piece's places are costed (subtree and all) only when the search may try them:
        # of a batch's items, each fits its own place and costs more at every other one.
        exact: list[dict[int, _Candidate]] = [{} for _ in pieces]

        def candidate(idx: int, place: _Place) -> _Candidate:
            known = exact[idx].get(place.rank)
            if known is None:
                known = exact[idx][place.rank] = self._exact(pieces[idx], place)
            return known

        def options_of(idx: int) -> list[_Candidate]:
            """All of piece ``idx``'s candidates, cheapest first (of equal costs, by key, then
            in :meth:`_places` order)."""
            return sorted((candidate(idx, place) for place in places[idx]),
                          key=lambda c: (c.cost, c.key))

        def least_of(idx: int) -> int:
            """The least piece ``idx`` can add: its cheapest candidate's cost, or leaving it
            out. (A place whose bound is no less than the least found costs no less.)"""
            least = unplaced_cost[idx]
            for place in sorted(places[idx], key=lambda p: p.bound):
                if place.bound >= least:
                    break
                least = min(least, candidate(idx, place).cost)
            return least

        # the least each piece can add (a bound that prunes the search)
        least = [least_of(i) for i in range(len(pieces))]
        # Shallow pieces first, so that the runs a piece may go under are placed before it and
        # its order faults show; then the most constrained; then the ones that fit somewhere
        # best, so that runs which fit a place exactly take it before a run that fits it with
        # a disagreement does (among many alike pieces, langchain-core's tool callees that
        # lost their parent link, the budget may run out before the search undoes that); then
        # the largest.
        order = sorted(range(len(pieces)), key=lambda i: (
            min((len(p.key) for p in places[i]), default=99), len(places[i]) or 99,
            least[i], -self._size(pieces[i])))
        best_key: list[tuple[int, int]] = []
        best: dict[Key, str] = {}
        budget = [_SEARCH_BUDGET]
        seen = [(k, rid) for k, rid in taken.items() if rid in self.obs]

        def branch(option: _Candidate) -> _Branch | None:
            """Taking ``option`` beside what is placed (order faults included); None if one
            of its places is taken."""
            if any(k in assignment or k in taken for _, k in option.pairs):
                return None
            faults, hints = self._order_faults(option.pairs, seen)
            return _Branch(option.cost + faults, hints, option.pairs)

        assignment: dict[Key, str] = {}

        def branches_of(idx: int) -> list[_Branch]:
            """Piece ``idx``'s free places (and leaving it out), cheapest first, order faults
            beside what is placed included; ties keep the candidates' order."""
            out = [b for option in options_of(idx) for b in [branch(option)] if b is not None]
            out.append(_Branch(unplaced_cost[idx], 0, ()))
            out.sort(key=lambda b: (b.cost, b.hint))
            return out

        def branches_lazily(idx: int, cost: int, hint: int, floor: int) -> Iterator[_Branch]:
            """:func:`branches_of`, in its order, but leaving out the branches the search
            would prune on entry, and costing a place only when it may come next.

            Why this is the same search: a branch's cost is at least its place's bound (order
            faults and a subtree's cost are never negative), and its hint at least 0. A place
            whose bound is above the next branch's cost comes after that branch in the order
            (equal costs may come before: their places are costed). The search, entered with
            ``cost`` + a branch's cost and ``floor`` (the rest's least), returns at once when
            ``(cost + floor, hint)`` is no better than the best found, which only improves:
            once that holds for a bound, it holds for the place's branch when its turn comes,
            and for every place of a greater bound. Pruned entries take no budget and change
            nothing, so the search tries the same branches in the same order."""
            waiting = sorted(places[idx], key=lambda p: p.bound)
            # (order key, branch): cost, hint, leaving out after places of equal cost and
            # hint, then the candidates' order (cost, key, rank)
            ready: list[tuple[tuple[int, int, int, int, Key, int], _Branch]] = [
                ((unplaced_cost[idx], 0, 1, 0, (), 0), _Branch(unplaced_cost[idx], 0, ()))]
            w = 0
            while True:
                while w < len(waiting) and (
                        not ready or waiting[w].bound <= min(r[0] for r in ready)[0]):
                    place = waiting[w]
                    w += 1
                    if best_key and (cost + place.bound + floor, hint) >= best_key[0]:
                        w = len(waiting)  # pruned, and so is every place after it
                        break
                    option = candidate(idx, place)
                    new = branch(option)
                    if new is not None:
                        ready.append(((new.cost, new.hint, 0, option.cost, option.key,
                                       place.rank), new))
                if not ready:
                    return
                first = min(ready, key=lambda r: r[0])
                ready.remove(first)
                yield first[1]

        def search(todo: list[int], cost: int, hint: int, floor: int) -> None:
            if best_key and (cost + floor, hint) >= best_key[0]:
                return
            if not todo:
                total = (cost + sum(self.miss[k] for k in watched - assignment.keys()
                                    - taken.keys()), hint)
                if not best_key or total < best_key[0]:
                    best_key[:] = [total]
                    best.clear()
                    best.update(assignment)
                return
            budget[0] -= 1
            branches: Iterable[_Branch]
            if budget[0] >= 0:
                idx = todo[0]
                branches = branches_lazily(idx, cost, hint, floor - least[idx])
            else:  # out of budget: finish greedily, the piece with the fewest best places first
                idx, every = min(((j, branches_of(j)) for j in todo),
                                 key=lambda jb: _ties(jb[1]))
                branches = every[:1]
            rest = [j for j in todo if j != idx]
            for chosen in branches:
                mark = len(seen)
                for rid, k in chosen.pairs:
                    assignment[k] = rid
                    if rid in self.obs:
                        seen.append((k, rid))
                search(rest, cost + chosen.cost, hint + chosen.hint, floor - least[idx])
                del seen[mark:]
                for _, k in chosen.pairs:
                    del assignment[k]

        search(order, 0, 0, sum(least))
        return best

    @staticmethod
    def _place_alone(options: Sequence[_Candidate], unplaced_cost: int, watched: set[Key],
                     miss: Mapping[Key, int]) -> dict[Key, str]:
        """:meth:`_place` of one piece where nothing is placed yet (an invocation's root and
        what hangs under it): nothing to break order with, so the search comes down to the
        cheapest of its places and leaving it out, with the watched runs it leaves unseen;
        the first found of equal cost, as the search goes (cheapest first, candidates in
        their order before leaving it out)."""
        branches = sorted([(c.cost, c.pairs) for c in options] + [(unplaced_cost, ())],
                          key=lambda branch: branch[0])
        best_total: int | None = None
        best: dict[Key, str] = {}
        for cost, pairs in branches:
            if best_total is not None and cost >= best_total:
                break  # (the search's bound: the rest cost at least as much)
            total = cost + sum(miss[k] for k in watched - {key for _, key in pairs})
            if best_total is None or total < best_total:
                best_total, best = total, {key: rid for rid, key in pairs}
        return best

    def _order_faults(self, pairs: Sequence[tuple[str, Key]], seen: Sequence[tuple[Key, str]]
                      ) -> tuple[int, int]:
        """The order constraints of R7 that placing ``pairs`` beside the ``seen`` placements
        breaks (pairs within ``pairs`` are not compared): (faults, hints).

        A fault is what the checker would report: for a handler that saw both runs, a run's
        events outside its ancestor's, or a sequence step's before an earlier step's end
        (pipelined steps: start). One per constraint however many handlers show it, so that a
        fault weighs like any other disagreement. Hints are the same constraints judged by
        global delivery order, for pairs no handler saw both of: they tell apart places that
        ids alone leave open (a reused object under two unobserved parents), but count only
        between placements of equal cost, since handlers called asynchronously may lag.
        """
        faults = hints = 0
        for rid, key in pairs:
            run = self.obs.get(rid)
            if run is None:
                continue
            for other_key, other in seen:
                if other_key[0] != key[0]:
                    continue  # runs of two inputs: R7 does not order them (nor _relation)
                relation = self._relation(key, other_key)
                if relation is None:
                    continue
                kind, new_first = relation
                a, b = (run, self.obs[other]) if new_first else (self.obs[other], run)
                f, h = _faults(kind, a, b)
                faults, hints = faults + f, hints + h
        return faults, hints

    def _relation(self, a: Key, b: Key) -> tuple[str, bool] | None:
        """How R7 orders expected runs ``a`` and ``b`` (positions: a run's key extends its
        parent's): ("nested", a encloses b), ("sequential", a's subtree precedes b's) or
        ("pipelined", a starts first); None when it does not."""
        n = 0
        for x, y in zip(a, b):
            if x != y:
                break
            n += 1
        if n == len(a) or n == len(b):
            return "nested", n == len(a)
        if not n:
            return None  # batch items, or roots of a run and a leaked one
        exp = self.runs[a[:n]]
        if exp.child_order == "unordered":
            return None
        step_a, step_b = a[:n + 1], b[:n + 1]
        a_first = exp.children.index(step_a) < exp.children.index(step_b)
        if exp.child_order == "sequential":
            return "sequential", a_first
        if step_a == a and step_b == b:
            return "pipelined", a_first
        return None

    def solve(self) -> RunMatch:
        pieces = [rid for rid, pid in self.parent.items() if pid is None or pid == _UNKNOWN]
        pieces += [rid for rid in self.children if rid not in self.obs]  # hidden runs
        of_key: dict[Key, str] = self._place(pieces, {}, self.parent)
        # Runs that fitted under no child of their parent's place: put them where they fit best
        # (their parent link is then reported as wrong), until nothing more can be placed. A
        # round places a run left out, not its subtree (the runs under it wait for the next):
        # as many rounds as it takes, down to the deepest (a run per round at most).
        first_round = set(pieces)
        for _ in range(len(self.parent)):
            placed = set(of_key.values())
            left = [rid for rid, pid in self.parent.items() if rid not in placed
                    and rid not in first_round and not (pid in self.obs and pid not in placed)]
            if not left:
                break
            at = {rid: key for key, rid in of_key.items()}
            anchors = {rid: at[pid] for rid in left
                       if (pid := self.parent[rid]) is not None and pid in at}
            more = self._place(left, of_key, dict.fromkeys(left, _UNKNOWN), anchors)
            if not more:
                break
            of_key.update(more)
            first_round.update(left)
        self._settle(of_key, self._room_made_for_left_out, len(self.obs))
        self._settle(of_key, self._moved_to_an_empty_place, len(of_key))
        self._settle(of_key, self._runs_of_one_object_swapped, len(of_key))
        hidden = frozenset(k for k, rid in of_key.items() if rid not in self.obs)
        return RunMatch(of_key, hidden, self.layers)

    # -- improving the placement ----------------------------------------------------------

    @staticmethod
    def _settle(of_key: dict[Key, str],
                better_than: Callable[[dict[Key, str]], dict[Key, str] | None],
                rounds: int) -> None:
        """Replace ``of_key`` by the better placement ``better_than`` finds, until it finds
        none (at most ``rounds`` times: each step strictly disagrees less, so this only bounds
        a loop that ends anyway)."""
        for _ in range(rounds):
            better = better_than(of_key)
            if better is None:
                return
            of_key.clear()
            of_key.update(better)

    def _runs_of_one_object_swapped(self, of_key: dict[Key, str]) -> dict[Key, str] | None:
        """``of_key`` with the runs placed at two runs of one object (with their subtrees)
        swapped, where that disagrees less with the events; else None.

        The placement of children that fit under no child of their observed parent (runs whose
        parent link is wrong) is settled after their siblings, whose places are chosen without
        looking at them: of two runs of one object that both name the same parent, the one the
        first round kept there may be the one whose events only fit the other place (it started
        before the run the other place lies under, say).
        """
        by_name: dict[str, list[Key]] = {}
        for key, rid in of_key.items():
            if rid in self.obs and not self.obs[rid].names <= self.leaked:
                by_name.setdefault(self.runs[key].name, []).append(key)
        # (only where a run is placed against its parent link: elsewhere nothing calls for it)
        astray = {key for keys in by_name.values() if len(keys) > 1 for key in keys
                  if self._link_wrong(of_key[key], key, of_key)}
        if not astray:
            return None
        swaps = ((a, b) for keys in by_name.values() for i, a in enumerate(sorted(keys))
                 for b in sorted(keys)[i + 1:]
                 if b[:len(a)] != a and (a in astray or b in astray))
        return next((swapped for a, b in swaps
                     for swapped in [self._swapped(of_key, a, b)] if swapped), None)

    def _moved_to_an_empty_place(self, of_key: dict[Key, str]) -> dict[Key, str] | None:
        """``of_key`` with a run that disagrees with its place moved (with its subtree) to an
        empty place of its object, where that disagrees less with the events; else None.

        An alignment weighs leaving a child out by its best place deeper in its input, not by
        the expected run left unseen there: a tool's callee that names the tool's parent and
        fits a branch of that parent of its name (its handlers strangers there) cost the same
        as its place under the tool (its parent link wrong), and took the branch, leaving its
        place under the tool unseen by the handlers that did see it (langchain-core 1.8.3,
        random seed 56: a false R2)."""
        empty: dict[str, list[Key]] = {}
        for key, run in self.runs.items():
            if key not in of_key:
                empty.setdefault(run.label, []).append(key)
        if not empty:
            return None
        moves = ((a, b) for a, rid in sorted(of_key.items()) if rid in self.obs
                 and self.runs[a].label in empty and self._astray(rid, a, of_key)
                 for b in empty[self.runs[a].label]
                 if b[:len(a)] != a and a[:len(b)] != b)
        return next((after for a, b in moves for after in [self._moved(of_key, a, b)]
                     if after is not None
                     and self._cost(after, a, b) < self._cost(of_key, a, b)), None)

    def _astray(self, rid: str, key: Key, of_key: Mapping[Key, str]) -> bool:
        """Whether observed run ``rid`` at ``key`` disagrees with it or with its parent link
        (a conforming engine's runs never do: nothing to look for then)."""
        return bool(self._local(rid, key)) or self._link_wrong(rid, key, of_key)

    def _link_wrong(self, rid: str, key: Key, of_key: Mapping[Key, str]) -> bool:
        """Whether run ``rid`` placed at ``key`` names another parent than the run placed at
        ``key``'s parent."""
        return self.parent.get(rid) != of_key.get(key[:-1])

    def _room_made_for_left_out(self, of_key: dict[Key, str]) -> dict[Key, str] | None:
        """``of_key`` with an observed run no round placed put where a run of the same object
        stands, that one moved to a place of its object left empty, where that costs less;
        else None.

        A piece's subtree is aligned with its expected children on its own: of two runs of one
        object under a function, the one run the function's run shows may take the place the
        other run (reported as a root: a binding that replaced the context) fits, leaving its
        own empty, and the other then finds no place at all (its handlers "missed" both)."""
        placed = set(of_key.values())
        left = [rid for rid in self.parent if rid in self.obs and rid not in placed]
        return next((moved for rid in left for moved in [self._room_for(of_key, rid)]
                     if moved is not None), None)

    def _room_for(self, of_key: Mapping[Key, str], rid: str) -> dict[Key, str] | None:
        """``of_key`` with ``rid``'s subtree at a place of its name whose run moved to an empty
        place of the same object, if that costs less than leaving ``rid`` out; else None."""
        for at in sorted(self.named_keys.get(rid, ())):
            if at not in of_key:
                continue
            for to in sorted(self.by_name.get(self.runs[at].name, ())):
                if to in of_key or to[:len(at)] == at or at[:len(to)] == to \
                        or self.runs[to].label != self.runs[at].label:
                    continue
                moved = self._moved(of_key, at, to)
                fit = self._pair(rid, at)
                if moved is None or fit is None or any(k in moved for _, k in fit[1]):
                    continue
                after = {**moved, **{k: r for r, k in fit[1]}}
                if self._cost(after, at, to) < self._cost(of_key, at, to) \
                        + _UNPLACED * self._size(rid):
                    return after
        return None

    def _moved(self, of_key: Mapping[Key, str], a: Key, b: Key) -> dict[Key, str] | None:
        """``of_key`` with the subtree placed at ``a`` moved to the empty place ``b`` of the
        same object; None if a run of it fits nowhere there or a place there is taken."""
        after: dict[Key, str] = {}
        for key, rid in of_key.items():
            if key[:len(a)] != a:
                after[key] = rid
                continue
            to = b + key[len(a):]
            if to not in self.runs or to in of_key or self._local(rid, to) is None:
                return None
            after[to] = rid
        return after

    def _swapped(self, of_key: Mapping[Key, str], a: Key, b: Key) -> dict[Key, str] | None:
        """``of_key`` with the subtrees placed at ``a`` and ``b`` swapped, if that costs less
        (disagreements, wrong parent links, order faults, expected runs unseen); else None."""
        def moved(key: Key) -> Key | None:
            for x, y in ((a, b), (b, a)):
                if key[:len(x)] == x:
                    return y + key[len(x):]
            return None

        after: dict[Key, str] = {}
        for key, rid in of_key.items():
            to = moved(key)
            if to is not None and (to not in self.runs or self._local(rid, to) is None):
                return None  # the two runs' subtrees differ: no swap
            after[key if to is None else to] = rid
        if self._cost(after, a, b) < self._cost(of_key, a, b):
            return after
        return None

    def _cost(self, of_key: Mapping[Key, str], a: Key, b: Key) -> int:
        """What ``of_key`` costs that a swap of the subtrees at ``a`` and ``b`` can change."""
        def inside(key: Key) -> bool:
            return key[:len(a)] == a or key[:len(b)] == b

        changed = [(rid, key) for key, rid in of_key.items() if inside(key)]
        cost = 0
        for rid, key in changed:
            local = self._local(rid, key)
            cost += local if local is not None else _UNPLACED
            if rid in self.obs:  # its parent link
                parent = self.parent.get(rid)
                cost += _WRONG_PARENT if parent != of_key.get(key[:-1]) \
                    else _WRAPPED * (rid in self.wrapped and parent is not None)
        cost += sum(_MISSED for key, run in self.runs.items() if inside(key) and run.handlers
                    and not run.optional and key not in of_key)
        rest = [(key, rid) for key, rid in of_key.items() if not inside(key) and rid in self.obs]
        under_a = [(rid, key) for rid, key in changed if key[:len(a)] == a]
        under_b = [(key, rid) for rid, key in changed if key[:len(b)] == b]
        return cost + self._order_faults(changed, rest)[0] \
            + self._order_faults(under_a, under_b)[0]


def _faults(kind: str, a: ObservedRun, b: ObservedRun) -> tuple[int, int]:
    """Order faults between observed runs ``a`` and ``b``, placed where ``a`` encloses
    ("nested") or precedes ("sequential", "pipelined") ``b``: (faults, hints), see
    ``_Matcher._order_faults``."""
    shared = a.first_of.keys() & b.first_of.keys()
    if not shared:
        if kind == "nested":
            return 0, (b.first_seq < a.first_seq) + (bool(a.terminals) and b.last_seq > a.last_seq)
        if kind == "sequential":
            return 0, int(a.last_seq > b.first_seq)
        return 0, int(a.first_seq > b.first_seq)
    if kind == "nested":
        early = any(b.first_of[h] < a.first_of[h] for h in shared)
        late = any(h in a.ended and b.last_of[h] > a.ended[h] for h in shared)
        return early + late, 0
    if kind == "sequential":
        return int(any(a.last_of[h] > b.first_of[h] for h in shared)), 0
    return int(any(a.first_of[h] > b.first_of[h] for h in shared)), 0
