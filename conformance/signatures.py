"""Facts for violation signatures: what structurally makes a violation happen.

A violation names a rule, a kind and (usually) a run and a handler; the facts added here are read
off the scenario, so they are the same every time the same deviation shows, whatever the draw:
``mode``; for a run, its ``node`` kind, ``run_type``, the node kind of its ``parent`` (``none`` for
a root) and of its parent's parent (``grandparent``), and whether a binding with handlers encloses
it (``bound``: ``yes``/``no``); for a handler, the ``routes`` that put it in scope of that run (or,
for a run outside its scope, the routes it is registered through) and the ``form`` of those
registrations (``list`` or ``manager``), whether it is registered ``once`` or ``several`` times in
all (``registrations``) and in configs, the invocation's and the bindings' callbacks, which an
engine may merge by joining their lists (``in_configs``: a constructor's handlers are the object's
own, so an engine that joins lists without deduplicating shows there only), whether it is a
``sync`` or ``async`` handler (``handler``), the ``ignore_*`` flags it sets (``ignore``:
``chain+llm``, or ``none``) and whether a callback manager holds it as a local handler anywhere
(``local``: ``yes``/``no``); whether any handler of the scenario is marked ``run_inline``
(``inline``: ``yes``/``no``); the node kind of the ``root`` run (through bindings); whether a
``tool`` of the chain invokes callees (``yes``/``no``); whether the run is inside a binding with
handlers that a function or tool calls without forwarding its config (``implicit_binding``:
``yes``/``no``); whether the run is inside a fallbacks attempt that is a binding with handlers
(``bound_attempt``: ``yes``/``no``; an engine may start attempts in the implicit context);
for a bound handler, whether a binding that binds it is wrapped directly by another
(``bound_in``: ``inner-binding``, else ``binding``); whether an enclosing run runs its children at
once (``in_parallel``: a parallel, an assign, a map, a function or tool fanning out);
whether the run is inside an item of a ``.map()``, at any depth (``in_map``: an engine may run
the items as a batch, with a batch's behaviour); whether it comes after a sequence step that
holds a flaky lambda (``after_flaky``: a later step, or inside one; an engine that does not
retry in some mode fails there, and nothing after starts);
whether the chain has a ``flaky`` lambda (``yes``/``no``: a retried lambda that fails its first
attempt, so a run that succeeds has a failing attempt inside); whether the invocation ``fails``
at all (``yes``/``no``: consequences of a failure, such as cancelled branches, then tell themselves
apart from the same kind of violation in a run that succeeds); and, for an error event that
carried another injected failure than the run's own, the node kind(s) that failure comes out of
(``delivered_in``: ``fallbacks`` for a fallback's, ``parallel`` for a branch's; the same on the
run and on each ancestor that passes the exception on).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace

from .model import RUN_TYPE_OF, Chain, Node, Scenario
from .oracle import Expectation, ExpectedRun
from .violations import Violation

__all__ = ["annotate", "missing_from", "route_facts", "run_facts", "twins", "with_run_facts"]


def _registrations(scenario: Scenario, handler: str) -> tuple[set[str], set[str], int, int]:
    """The routes ``handler`` is registered through, the forms used, how many times it is
    registered in all (the same handler twice in one list counts twice), and how many of those
    are in the invocation's and the bindings' callbacks (configs, which an engine may merge by
    joining their lists; a constructor's handlers are the object's own)."""
    routes: set[str] = set()
    forms: set[str] = set()
    inv = scenario.invocation
    count = max([hs.count(handler) for hs in (inv.item_callbacks or (inv.callbacks,))],
                default=0)
    if count:
        routes.add("runtime")
        forms.add("manager" if inv.callbacks_as_manager else "list")
    in_configs = count
    for node in scenario.chain.nodes:
        if handler in node.callbacks:
            bound = node.kind == "binding"
            routes.add("bound" if bound else "constructor")
            forms.add("manager" if node.callbacks_as_manager else "list")
            count += node.callbacks.count(handler)
            in_configs += node.callbacks.count(handler) if bound else 0
    return routes, forms, count, in_configs


def missing_from(scenario: Scenario, tags: Iterable[str] = (),
                 keys: Iterable[str] = ()) -> str:
    """Where the tags (or metadata keys) a run lacks were given, joined with ``+``: ``runtime``
    (the invocation's config), ``constructor``, ``binding``, or ``inner-binding`` (a binding
    that another binding wraps directly, ``b.with_config(...).with_config(...)``: an engine may
    merge the two configs key by key, so the inner one's tags are lost and nothing else is)."""
    chain = scenario.chain
    inv = scenario.invocation
    lost_tags, lost_keys = frozenset(tags), frozenset(keys)

    def given(node_tags: Iterable[str], metadata: Iterable[tuple[str, str]]) -> bool:
        return bool(lost_tags.intersection(node_tags)
                    or lost_keys.intersection(k for k, _ in metadata))

    inner = _inner_bindings(chain)
    where = {"runtime"} if given(inv.tags, inv.metadata) else set()
    for node in chain.nodes:
        if given(node.tags, node.metadata):
            where.add("constructor" if node.kind != "binding"
                      else "inner-binding" if node.label in inner else "binding")
    return "+".join(sorted(where)) or "none"


def _inner_bindings(chain: Chain) -> set[str]:
    """The bindings another binding wraps directly (``x.with_config(...).with_config(...)``):
    an engine may merge the two configs key by key, so what the inner one gives is lost."""
    return {c for n in chain.nodes if n.kind == "binding" for c in n.children
            if chain[c].kind == "binding"}


def run_facts(scenario: Scenario, expectation: Expectation, exp: ExpectedRun) -> dict[str, str]:
    """The facts of one expected run: the node kind of ``parent`` and of the parent's parent
    (``grandparent``; ``none`` above a root) and whether a binding with handlers encloses it
    (``bound``). A violation about one particular run of an object used several times gets
    these from that run (the checker adds them), not from the object's first use, which is
    what :func:`annotate` falls back to for a bare label."""
    chain = scenario.chain
    runs = expectation.runs

    def kind_of(key: tuple[int, ...] | None) -> str:
        label = runs[key].label if key is not None else None
        return chain[label].kind if label is not None and label in chain else "none"

    grand = runs[exp.parent].parent if exp.parent is not None else None
    bound = any(r.kind == "bound" for routes in exp.handlers.values() for r in routes)
    # (the bindings whose handlers reach the run or one of its ancestors: a binding encloses
    # its target's whole subtree, and the run it targets is reached by its handlers, local
    # ones too, so the routes tell a run called through a binding from one of the same
    # object called beside it, which its label cannot)
    bound_at: set[str | None] = set()
    run: ExpectedRun | None = exp
    while run is not None:
        bound_at |= {r.at for routes in (*run.handlers.values(), *run.ignoring.values())
                     for r in routes if r.kind == "bound"}
        run = runs[run.parent] if run.parent is not None else None
    return {"parent": kind_of(exp.parent), "grandparent": kind_of(grand),
            "bound": "yes" if bound else "no",
            **{fact: "yes" if holds(chain, runs, exp) else "no"
               for fact, holds in _ANY_RUN.items()},
            "implicit_binding": "yes" if bound_at & _bindings_invoked_by(chain, _implicit_caller)
            else "no",
            "bound_attempt": "yes" if bound_at & _bindings_invoked_by(chain, _tries_attempts)
            else "no"}


def _implicit_caller(node: Node) -> bool:
    """A function or tool that invokes its callees without forwarding its config: an engine
    may let a callee binding's handlers replace the run context instead of joining it (the
    implicit context)."""
    return node.kind in ("dynamic", "tool") and not node.forward_config


def _tries_attempts(node: Node) -> bool:
    """A fallbacks runnable: an engine may start its attempts in the implicit context (its
    child config set as the context, not passed), where an attempt binding's handlers replace
    it."""
    return node.kind == "fallbacks"


def _bindings_invoked_by(chain: Chain, caller: Callable[[Node], bool]) -> frozenset[str]:
    """The bindings with handlers that a node ``caller`` picks invokes directly: each child it
    names that is a binding, and the bindings that one wraps."""
    out = set()
    for node in chain.walk():
        if caller(node):
            for child in node.children:
                inner = chain[child]
                while inner.kind == "binding":
                    if inner.callbacks:
                        out.add(inner.label)
                    inner = chain[inner.children[0]]
    return frozenset(out)


#: Node kinds whose children run at once (an assign's values are a parallel's branches).
_AT_ONCE = frozenset({"parallel", "assign", "map"})


def _in_parallel(chain: Chain, runs: Mapping[tuple[int, ...], ExpectedRun],
                 exp: ExpectedRun) -> bool:
    """Does an enclosing run run its children at once (a parallel, an assign, a map, a function
    or tool fanning out)? Abandoned or late branches can only be there."""
    return _under(chain, runs, exp, lambda node: node.kind in _AT_ONCE or node.concurrent)


def _in_map(chain: Chain, runs: Mapping[tuple[int, ...], ExpectedRun],
            exp: ExpectedRun) -> bool:
    """Is the run inside an item of a ``.map()`` (at any depth)? An engine may run the items
    as a batch, with the batch's ways: items cancelled when one fails, a batch's exception."""
    return _under(chain, runs, exp, lambda node: node.kind == "map")


def _under(chain: Chain, runs: Mapping[tuple[int, ...], ExpectedRun], exp: ExpectedRun,
           test: Callable[[Node], bool]) -> bool:
    """Whether the node of one of ``exp``'s enclosing runs passes ``test``."""
    key = exp.parent
    while key is not None:
        run = runs[key]
        if run.label in chain and test(chain[run.label]):
            return True
        key = run.parent
    return False


def _after_flaky(chain: Chain, runs: Mapping[tuple[int, ...], ExpectedRun],
                 exp: ExpectedRun) -> bool:
    """Does the run come after a sequence step that holds a flaky lambda (it is a later step
    of that sequence, or inside one, at any level)? An engine that does not retry in some
    mode fails that step there, and nothing after it starts."""
    run = exp
    while run.parent is not None:
        parent = runs[run.parent]
        # (a sequence's step i is its run's child i: the oracle keys them so)
        if parent.label in chain and chain[parent.label].kind == "sequence" and any(
                _holds_flaky(chain, step) for step in chain[parent.label].children[:run.key[-1]]):
            return True
        run = parent
    return False


def _holds_flaky(chain: Chain, label: str) -> bool:
    """Whether node ``label`` or a node below it is a flaky lambda."""
    return any(chain[below].flaky for below in _each_once(label, lambda at: chain[at].children))


def _each_once(start: str, more: Callable[[str], Iterable[str]]) -> Iterator[str]:
    """``start`` and every label ``more`` leads to from a label reached, each once."""
    todo, seen = [start], set()
    while todo:
        label = todo.pop()
        if label not in seen:
            seen.add(label)
            yield label
            todo += more(label)


#: Facts of where a run is that a violation about a bare label (an object that may run in
#: several places) takes as ``yes`` when any of the object's runs has them.
_ANY_RUN: dict[str, Callable[[Chain, Mapping[tuple[int, ...], ExpectedRun], ExpectedRun],
                             bool]] = {
    "in_parallel": _in_parallel, "in_map": _in_map, "after_flaky": _after_flaky}


def twins(expectation: Expectation, exp: ExpectedRun) -> list[ExpectedRun]:
    """The other runs of ``exp``'s object in its batch item that the events cannot tell from it:
    the same handlers in scope, tags, metadata, run type and ending, and neither inside the
    other. Which of them an observed run is placed at is then the matcher's arbitrary choice
    (a run that lost its parent link, two overlapping calls of one object), so a violation
    about one of them may be read as about any (:attr:`Violation.alternatives`)."""
    out = []
    for run in expectation.runs.values():
        if (run.label == exp.label and run.key != exp.key and run.key[0] == exp.key[0]
                and run.key[:len(exp.key)] != exp.key and exp.key[:len(run.key)] != run.key
                and run.handlers.keys() == exp.handlers.keys() and run.tags == exp.tags
                and run.metadata == exp.metadata and run.run_type == exp.run_type
                and run.ending == exp.ending):
            out.append(run)
    return out


def with_run_facts(v: Violation, scenario: Scenario, expectation: Expectation,
                   exp: ExpectedRun, handler: str | None = None) -> Violation:
    """``v`` with the facts of the run ``exp`` it is about (and, given the ``handler``, the
    routes that put it there), and the same facts of each of its :func:`twins` as
    alternative readings. Facts ``v`` already has are kept, in every reading."""
    def facts_of(run: ExpectedRun) -> dict[str, str]:
        facts = run_facts(scenario, expectation, run)
        if handler is not None:
            facts |= route_facts(scenario, run, handler)
        return facts

    preset = {name for name, _ in v.facts}
    readings = [{k: val for k, val in facts_of(t).items() if k not in preset}
                for t in twins(expectation, exp)]
    out = v.with_facts(**facts_of(exp))
    mine = {k: val for k, val in out.facts if k not in preset}
    alternatives = {tuple(sorted(r.items())) for r in readings if r != mine}
    return replace(out, alternatives=tuple(sorted(alternatives))) if alternatives else out


def route_facts(scenario: Scenario, exp: ExpectedRun, handler: str) -> dict[str, str]:
    """The ``routes`` that put ``handler`` in scope of the run ``exp`` (or would, but for its
    ``ignore_*`` flags) and, for a bound one, ``bound_in``. The checker adds them for the very
    run a violation is about: an object used in several places is in scope of different
    handlers at each."""
    routes = exp.handlers.get(handler) or exp.ignoring.get(handler) or ()
    kinds = {r.kind for r in routes}
    facts = {"routes": "+".join(sorted(kinds)) or "none"}
    if "bound" in kinds:
        facts["bound_in"] = _bound_in(scenario.chain,
                                      {r.at for r in routes if r.kind == "bound"})
    return facts


def _bound_in(chain: Chain, bindings: Iterable[str | None]) -> str:
    """``bindings`` (the labels of bindings that bind a handler), joined with ``+``:
    ``inner-binding`` for a binding another binding wraps directly (:func:`_inner_bindings`),
    else ``binding``."""
    inner = _inner_bindings(chain)
    kinds = {"inner-binding" if label in inner else "binding"
             for label in bindings if label is not None and label in chain}
    return "+".join(sorted(kinds)) or "none"


def _delivered_in(chain: Chain, label: str) -> str:
    """The kinds of the nodes whose child ``label`` is (``root`` for the chain's root), joined
    with ``+``: where the failure an error event carried comes out of. Bindings are seen
    through, as they make no run: a fallback bound with ``with_config`` gives its failure to
    the fallbacks."""
    def bindings_of(at: str) -> list[str]:
        return [n.label for n in chain.nodes if at in n.children and n.kind == "binding"]

    kinds: set[str] = set()
    for at in _each_once(label, bindings_of):
        kinds |= {n.kind for n in chain.nodes if at in n.children and n.kind != "binding"}
        if at == chain.root:
            kinds.add("root")
    return "+".join(sorted(kinds)) or "none"


def annotate(scenario: Scenario, expectation: Expectation | None,
             violations: Iterable[Violation]) -> list[Violation]:
    """``violations`` with their facts filled in (facts already present are kept)."""
    violations = list(violations)
    if not violations:  # (what follows reads the whole scenario: mostly there is nothing to do)
        return violations
    chain = scenario.chain
    inv = scenario.invocation
    by_label: dict[str, ExpectedRun] = {}
    # A bare label's object may run both inside and outside children run at once: its
    # violation says in_parallel=yes if any of its runs is inside (never narrower than the run);
    # likewise for the other facts of where a run is (_ANY_RUN).
    any_run: dict[str, set[str]] = {fact: set() for fact in _ANY_RUN}
    if expectation is not None:
        for run in expectation.runs.values():
            by_label.setdefault(run.label, run)
            for fact, holds in _ANY_RUN.items():
                if holds(chain, expectation.runs, run):
                    any_run[fact].add(run.label)
    # Whether sync code runs under an async mode: a function with no async body (run on a worker
    # thread), where an engine's sync paths run inside an async invocation.
    sync_only = "yes" if any(n.sync_only for n in chain.walk()) else "no"
    # Whether any handler is marked run_inline: an engine may treat a whole handler list
    # differently when one of them is (langchain-core's async LLM start does).
    inline = "yes" if any(h.run_inline for h in scenario.handlers) else "no"
    # Whether a retried lambda fails its first attempt: an engine that does not retry in some
    # mode then fails the whole call there, though the spec's run succeeds.
    flaky = "yes" if any(n.flaky for n in chain.walk()) else "no"
    # The node kind of the root run: what an engine does with the invocation's config there
    # (a tool passes it on to its callees) can reach every run below.
    root = chain.target(chain.root).kind
    # Whether a tool invokes callees: an engine's tool may hand them its caller's config
    # (LangChain.js does), which shows on runs anywhere in the chain.
    tool = "yes" if any(n.kind == "tool" and n.children for n in chain.walk()) else "no"
    out = []
    for v in violations:
        facts: dict[str, str] = {"mode": scenario.invocation.mode, "sync_only": sync_only,
                                 "inline": inline, "flaky": flaky, "root": root,
                                 "tool": tool}
        exp = by_label.get(v.run) if v.run else None
        if v.run is not None and v.run in chain:
            kind = chain[v.run].kind
            facts["node"] = kind
            facts["run_type"] = RUN_TYPE_OF.get(kind, "chain")
        if exp is not None and expectation is not None:
            facts.update(run_facts(scenario, expectation, exp))
            facts.update({fact: "yes" if exp.label in labels else "no"
                          for fact, labels in any_run.items()})
        if expectation is not None:
            facts["fails"] = "yes" if any(expectation.failures) else "no"
        if v.handler is not None:
            routes, forms, count, in_configs = _registrations(scenario, v.handler)
            facts["registrations"] = "once" if count <= 1 else "several"
            facts["in_configs"] = "once" if in_configs <= 1 else "several"
            spec = next((h for h in scenario.handlers if h.id == v.handler), None)
            if spec is not None:
                facts["handler"] = "async" if spec.asynchronous else "sync"
                facts["ignore"] = "+".join(sorted(spec.ignore)) or "none"
                local = v.handler in inv.local or any(v.handler in n.local for n in chain.nodes)
                facts["local"] = "yes" if local else "no"
            facts["form"] = "+".join(sorted(forms)) or "none"
            if exp is not None and (v.handler in exp.handlers or v.handler in exp.ignoring):
                facts.update(route_facts(scenario, exp, v.handler))
            else:
                facts["routes"] = "+".join(sorted(routes)) or "none"
                if "bound" in routes:
                    facts["bound_in"] = _bound_in(chain, (
                        n.label for n in chain.nodes
                        if n.kind == "binding" and v.handler in n.callbacks))
        by = v.fact("delivered_by")
        if by is not None:  # a label, not a structural fact: replaced by where it comes from
            v = replace(v, facts=tuple(f for f in v.facts if f[0] != "delivered_by"))
            facts["delivered_in"] = _delivered_in(chain, by) if by in chain else "none"
        out.append(v.with_facts(**facts))
    return out
