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
  order, and expected runs nobody saw) wins. A conforming engine's events fit their true places
  with no disagreement at all, so the best embedding of a conforming engine is a perfect one;
  where the observations leave several places open, all of them are perfect, and any will do.

The solution is a dynamic programme over (observed run, expected run) pairs — each pair's cost
is its own disagreement plus the best assignment of its children (order-preserving for sequence
steps, any one-to-one for branches) — followed by a small branch-and-bound search that places the
pieces whose parents nobody saw (batch items, subtrees under unobserved runs) without overlap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Final

from .events import NOT_REPORTED, TERMINAL, Event
from .interface import start_payload
from .oracle import Expectation

__all__ = ["ObservedRun", "RunMatch", "extra_layers", "match", "observed_runs"]

Key = tuple[int, ...]

#: An observed run with several parent ids, or whose parent was an extra layer of no known place.
_UNKNOWN: Final = "\0unknown-parent"

#: Costs of disagreements (see the module docstring). A run that cannot be placed at all costs
#: more than any single disagreement, so a run is left out only when nowhere fits it.
_UNPLACED: Final = 4
_WRONG_PARENT: Final = 2
_MISSED: Final = 1
#: How many partial placements the search may try before it settles for the best found.
_SEARCH_BUDGET: Final = 4000


@dataclass
class ObservedRun:
    """What all handlers' events together say about one run id."""

    run_id: str
    first_seq: int
    last_seq: int
    names: set[str] = field(default_factory=set)
    run_types: set[str] = field(default_factory=set)
    parents: set[str | None] = field(default_factory=set)
    handlers: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)
    metadata: set[tuple[str, str]] = field(default_factory=set)
    terminals: set[str] = field(default_factory=set)
    #: The inputs its start events and the outputs its end events carried (canonical JSON
    #: text), where reported.
    inputs: set[str] = field(default_factory=set)
    outputs: set[str] = field(default_factory=set)


def observed_runs(events: Iterable[Event]) -> dict[str, ObservedRun]:
    """Run id -> what the events say about that run, in order of first appearance."""
    runs: dict[str, ObservedRun] = {}
    for ev in events:
        run = runs.get(ev.run_id)
        if run is None:
            run = runs[ev.run_id] = ObservedRun(ev.run_id, ev.seq, ev.seq)
        run.last_seq = ev.seq
        if ev.kind == "start":
            if ev.name is not None:
                run.names.add(ev.name)
            run.tags.update(ev.tags)
            run.metadata.update(ev.metadata)
            if ev.payload is not NOT_REPORTED:
                run.inputs.add(json.dumps(ev.payload, sort_keys=True))
        elif ev.kind in TERMINAL:
            run.terminals.add(ev.kind)
            if ev.kind == "end" and ev.payload is not NOT_REPORTED:
                run.outputs.add(json.dumps(ev.payload, sort_keys=True))
        run.run_types.add(ev.run_type)
        run.parents.add(ev.parent_run_id)
        run.handlers.add(ev.handler)
    return runs


def extra_layers(expectation: Expectation, observed: Mapping[str, ObservedRun]) -> set[str]:
    """Observed runs that can be no expected run: names no runnable has, and runs with a child of
    their own name (a chain is acyclic, so such a run is an extra layer — a binding that made a
    run of its own, say — never the real one)."""
    runs = expectation.runs
    names = {r.name for r in runs.values()}
    # ... unless the expected tree has such a pair itself (a retry and its attempts)
    nested = leaked_names(expectation) | {r.name for r in runs.values()
                                          if any(runs[c].name == r.name for c in r.children)}
    out = {r.run_id for r in observed.values() if r.names and not r.names & names}
    out |= {pid for r in observed.values() for pid in r.parents
            if pid is not None and pid in observed and (observed[pid].names & r.names) - nested}
    return out


def leaked_names(expectation: Expectation) -> frozenset[str]:
    """The invocation's ``run_name`` (a root named other than its object): an engine that lets
    it reach other runs breaks R14, which says so; the name then tells nothing of identity."""
    runs = expectation.runs
    name = expectation.run_name
    if name is None:
        return frozenset()
    return frozenset({name}) - {runs[k].label for k in expectation.roots}


@dataclass(frozen=True)
class RunMatch:
    """The assignment: expected position -> observed run id.

    ``hidden`` holds the positions of runs nobody observed but whose id some child gave as its
    parent; ``of_key`` maps them to that id too, so parent links can be checked through them.
    """

    of_key: Mapping[Key, str]
    hidden: frozenset[Key]

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
        skipped = extra_layers(expectation, observed)
        self.parent: dict[str, str | None] = {}
        for rid, run in observed.items():
            if rid not in skipped:
                self.parent[rid] = self._effective_parent(run, skipped)
        self.children: dict[str, list[str]] = {}
        for rid, pid in self.parent.items():
            if pid is not None and pid != _UNKNOWN:
                self.children.setdefault(pid, []).append(rid)
        self.first: dict[str, int] = {}
        for rid in self.children:
            self._first_seq(rid)
        self.by_name: dict[str, list[Key]] = {}
        for key, exp in self.runs.items():
            self.by_name.setdefault(exp.name, []).append(key)
        self.leaked = leaked_names(expectation)
        for name in self.leaked:  # a leaked run_name may sit on any run (R14 reports it)
            self.by_name[name] = list(self.runs)
        self.best = lru_cache(maxsize=None)(self._best)

    # -- the observed forest --------------------------------------------------------------

    def _effective_parent(self, run: ObservedRun, skipped: set[str]) -> str | None:
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

    def _first_seq(self, rid: str) -> int:
        if rid not in self.first:
            own = self.obs[rid].first_seq if rid in self.obs else None
            kids = [self._first_seq(c) for c in self.children.get(rid, ())]
            self.first[rid] = min([s for s in (own, *kids) if s is not None], default=0)
        return self.first[rid]

    # -- costs ----------------------------------------------------------------------------

    def _local(self, rid: str, key: Key) -> int | None:
        """How much observed run ``rid`` disagrees with expected run ``key``; None if never."""
        exp = self.runs[key]
        run = self.obs.get(rid)
        if run is None:  # a hidden run: nobody saw it, so every handler in scope missed it
            return len(exp.handlers) * _MISSED if self.children.get(rid) and exp.children \
                else None
        cost = 0 if run.names else 1
        if run.names and exp.name not in run.names:
            if not run.names <= self.leaked:
                return None
            cost += 1  # named by the leaked run_name: R14's violation, not another run
        # Handlers that saw the run where none is expected weigh two each; expected handlers
        # that missed it weigh one, however many: engines drop handlers (nested bindings that
        # replace instead of add, say), and the dropped ones must not outweigh the handler that
        # did see the run and place it where that handler is out of scope.
        cost += min(1, len(exp.handlers.keys() - run.handlers)) \
            + 2 * len(run.handlers - exp.handlers.keys())
        cost += run.run_types != {exp.run_type}
        if run.names:
            # One disagreement each, however many tags or keys differ: nested bindings each add
            # theirs, so an engine that drops them (R13 reports which) would otherwise make a
            # perfectly named and placed run cost more than leaving it out.
            cost += bool((run.tags & self.user_tags) ^ exp.tags)
            meta = {m for m in run.metadata if m[0] in self.user_keys}
            cost += bool(meta ^ exp.metadata)
        if run.terminals and exp.ending != "any" and run.terminals != {exp.ending}:
            cost += 1
        if run.inputs and not self.streaming:
            want = start_payload(exp.run_type, exp.input)
            if want is not None and run.inputs != {json.dumps(want, sort_keys=True)}:
                cost += 1
        if run.outputs and exp.ending == "end" and exp.output is not None \
                and run.outputs != {json.dumps(exp.output, sort_keys=True)}:
            cost += 1
        return cost

    def _best(self, rid: str, key: Key) -> tuple[int, tuple[tuple[str, Key], ...]] | None:
        """The cheapest placement of ``rid``'s observed subtree with ``rid`` at ``key``:
        (cost, pairs). Children that fit under no child of ``key`` are left for later."""
        local = self._local(rid, key)
        if local is None:
            return None
        kids = sorted(self.children.get(rid, ()), key=self.first.__getitem__)
        exp = self.runs[key]
        if not kids:
            return local, ((rid, key),)
        if exp.child_order == "unordered":
            cost, pairs = self._assign(kids, exp.children)
        else:
            cost, pairs = self._align(kids, exp.children)
        return local + cost, ((rid, key), *pairs)

    def _miss(self, key: Key) -> int:
        """What leaving expected child ``key`` without an observed run costs: in a conforming
        engine every child some handler sees names its parent, so it is among the children."""
        exp = self.runs[key]
        return 0 if exp.optional else len(exp.handlers) * _MISSED

    def _pair(self, rid: str, key: Key) -> tuple[int, tuple[tuple[str, Key], ...]] | None:
        return self.best(rid, key)

    def _align(self, kids: Sequence[str], keys: Sequence[Key]
               ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        """Order-preserving assignment of observed children (by first event) to steps."""
        m, n = len(kids), len(keys)
        miss = [self._miss(k) for k in keys]
        # table[i][j]: best for kids[i:] against keys[j:]
        table: list[list[tuple[int, tuple[tuple[str, Key], ...]]]] = [
            [(0, ())] * (n + 1) for _ in range(m + 1)]
        for j in range(n - 1, -1, -1):
            table[m][j] = (table[m][j + 1][0] + miss[j], ())
        for i in range(m - 1, -1, -1):
            table[i][n] = (table[i + 1][n][0] + _UNPLACED, table[i + 1][n][1])
            for j in range(n - 1, -1, -1):
                options = [(table[i][j + 1][0] + miss[j], table[i][j + 1][1]),
                           (table[i + 1][j][0] + _UNPLACED, table[i + 1][j][1])]
                fit = self._pair(kids[i], keys[j])
                if fit is not None:
                    rest = table[i + 1][j + 1]
                    options.append((fit[0] + rest[0], fit[1] + rest[1]))
                table[i][j] = min(options, key=lambda o: o[0])
        return table[0][0]

    def _assign(self, kids: Sequence[str], keys: Sequence[Key]
                ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        """One-to-one assignment of observed children to unordered children (exact, by a
        dynamic programme over the subsets of expected children taken so far)."""
        n = len(keys)
        if n > 12:  # never generated; stay polynomial by placing children one at a time
            return self._assign_greedy(kids, keys)
        states: dict[int, tuple[int, tuple[tuple[str, Key], ...]]] = {0: (0, ())}
        for kid in kids:
            fits = [(j, self._pair(kid, keys[j])) for j in range(n)]
            nxt: dict[int, tuple[int, tuple[tuple[str, Key], ...]]] = {}
            for used, (cost, pairs) in states.items():
                options = [(used, (cost + _UNPLACED, pairs))]
                for j, fit in fits:
                    if fit is not None and not used >> j & 1:
                        options.append((used | 1 << j, (cost + fit[0], pairs + fit[1])))
                for state, value in options:
                    if state not in nxt or value[0] < nxt[state][0]:
                        nxt[state] = value
            states = nxt
        miss = [self._miss(k) for k in keys]
        return min(((cost + sum(miss[j] for j in range(n) if not used >> j & 1), pairs)
                    for used, (cost, pairs) in states.items()), key=lambda v: v[0])

    def _assign_greedy(self, kids: Sequence[str], keys: Sequence[Key]
                       ) -> tuple[int, tuple[tuple[str, Key], ...]]:
        cost, used = 0, set()
        pairs: tuple[tuple[str, Key], ...] = ()
        for kid in kids:
            fits = [(f[0], j, f[1]) for j in range(len(keys)) if j not in used
                    for f in [self._pair(kid, keys[j])] if f is not None]
            if not fits:
                cost += _UNPLACED
                continue
            c, j, p = min(fits, key=lambda f: (f[0], f[1]))
            used.add(j)
            cost, pairs = cost + c, pairs + p
        return cost, pairs

    # -- placing the pieces -----------------------------------------------------------------

    def _candidates(self, rid: str, parent: str | None
                    ) -> list[tuple[int, Key, tuple[tuple[str, Key], ...]]]:
        """Where the piece rooted at ``rid`` may go, cheapest first."""
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
        out = []
        for key in keys:
            fit = self._pair(rid, key)
            if fit is None:
                continue
            cost = fit[0]
            if run is not None and parent is None and self.runs[key].parent is not None:
                cost += _WRONG_PARENT  # says it is a root, but is not one
            elif run is not None and parent == _UNKNOWN:
                cost += _WRONG_PARENT
            out.append((cost, key, fit[1]))
        out.sort(key=lambda c: (c[0], c[1]))
        return out

    def _size(self, rid: str) -> int:
        return (rid in self.obs) + sum(self._size(c) for c in self.children.get(rid, ()))

    def _place(self, pieces: Sequence[str], taken: Mapping[Key, str],
               parent_of: Mapping[str, str | None]) -> dict[Key, str]:
        """Place ``pieces`` (roots of observed subtrees) at positions not yet ``taken``,
        minimising disagreement plus the expected runs left unseen."""
        options = [self._candidates(p, parent_of.get(p)) for p in pieces]
        order = sorted(range(len(pieces)), key=lambda i: (len(options[i]) or 99, -self._size(
            pieces[i])))
        unplaced_cost = [_UNPLACED * self._size(p) for p in pieces]
        best_cost: list[int] = []
        best: dict[Key, str] = {}
        budget = [_SEARCH_BUDGET]
        watched = {k for k, r in self.runs.items() if r.handlers and not r.optional}

        def search(i: int, assignment: dict[Key, str], cost: int) -> None:
            if best_cost and cost >= best_cost[0]:
                return
            if i == len(order):
                total = cost + len(watched - assignment.keys() - taken.keys()) * _MISSED
                if not best_cost or total < best_cost[0]:
                    total += self._disorder({**taken, **assignment})
                if not best_cost or total < best_cost[0]:
                    best_cost[:] = [total]
                    best.clear()
                    best.update(assignment)
                return
            budget[0] -= 1
            idx = order[i]
            branches = [(c, pairs) for c, _, pairs in options[idx]
                        if not any(k in assignment or k in taken for _, k in pairs)]
            branches.append((unplaced_cost[idx], ()))
            if budget[0] < 0:  # out of budget: finish greedily
                branches = branches[:1]
            for c, pairs in branches:
                for rid, k in pairs:
                    assignment[k] = rid
                search(i + 1, assignment, cost + c)
                for _, k in pairs:
                    del assignment[k]

        search(0, {}, 0)
        return best

    def _disorder(self, placed: Mapping[Key, str]) -> int:
        """How many order constraints of R7 the placement breaks, by global delivery order:
        a run's events enclose its descendants', sequence steps start in order (and, unless
        pipelined, one ends before the next starts). Telling apart two places that ids alone
        leave open (a reused object under two unobserved parents, say) is up to this."""
        spans: dict[Key, tuple[int, int]] = {}
        bad = 0
        for key in sorted(self.runs, key=len, reverse=True):
            exp = self.runs[key]
            kids = [spans[c] for c in exp.children if c in spans]
            run = self.obs.get(placed.get(key, ""))
            if run is not None:
                own = (run.first_seq, run.last_seq)
                bad += sum(1 for first, _ in kids if first < own[0])
                if run.terminals:
                    bad += sum(1 for _, last in kids if last > own[1])
                kids.append(own)
            if exp.child_order != "unordered":
                steps = [spans[c] for c in exp.children if c in spans]
                pipelined = exp.child_order == "pipelined"
                bad += sum(1 for a, b in pairwise(steps)
                           if (a[0] if pipelined else a[1]) > b[0])
            if kids:
                spans[key] = (min(k[0] for k in kids), max(k[1] for k in kids))
        return bad

    def solve(self) -> RunMatch:
        pieces = [rid for rid, pid in self.parent.items() if pid is None or pid == _UNKNOWN]
        pieces += [rid for rid in self.children if rid not in self.obs]  # hidden runs
        of_key: dict[Key, str] = self._place(pieces, {}, self.parent)
        # Runs that fitted under no child of their parent's place: put them where they fit best
        # (their parent link is then reported as wrong), until nothing more can be placed.
        first_round = set(pieces)
        for _ in range(3):
            placed = set(of_key.values())
            left = [rid for rid, pid in self.parent.items() if rid not in placed
                    and rid not in first_round and not (pid in self.obs and pid not in placed)]
            if not left:
                break
            more = self._place(left, of_key, dict.fromkeys(left, _UNKNOWN))
            if not more:
                break
            of_key.update(more)
            first_round.update(left)
        hidden = frozenset(k for k, rid in of_key.items() if rid not in self.obs)
        return RunMatch(of_key, hidden)
