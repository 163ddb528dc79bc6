"""The checker on synthetic event streams: a perfect stream passes; each corruption is reported
under the rule it breaks. A corruption the checker missed would let a broken engine pass."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from conformance.adapter import InjectedFailure, Outcome, Probe
from conformance.checker import check
from conformance.events import NOT_REPORTED, Event
from conformance.matching import match
from conformance.model import Chain, HandlerSpec, Invocation, Node, Scenario
from conformance.observed import Observation
from conformance.oracle import Expectation, expect

CHAIN = Chain((
    Node("seq", "sequence", ("a", "bind", "tool")),
    Node("a", "lambda", callbacks=("hc",)),
    Node("bind", "binding", ("par",), callbacks=("hb",), tags=("bt",)),
    Node("par", "parallel", ("x", "y")),
    Node("x", "lambda"), Node("y", "chat_model"),
    Node("tool", "tool", ("z",)), Node("z", "lambda"),
), "seq")
SCENARIO = Scenario(CHAIN, (HandlerSpec("hr"), HandlerSpec("hb"), HandlerSpec("hc")),
                    Invocation(callbacks=("hr",), tags=("rt",)))


def perfect(scenario: Scenario, exp: Expectation) -> list[Event]:
    """The events a conforming engine delivers, depth first."""
    ids = {key: str(uuid.uuid4()) for key in exp.runs}
    out: list[Event] = []

    def visit(key: tuple[int, ...]) -> None:
        run = exp.runs[key]
        parent = ids[run.parent] if run.parent is not None else None
        for kind in ("start",):
            for h in sorted(run.handlers):
                out.append(Event(len(out), h, kind, ids[key], parent, run.run_type, run.name,
                                 tuple(sorted(run.tags)), tuple(sorted(run.metadata))))
        for child in run.children:
            visit(child)
        for h in sorted(run.handlers):
            kind = "error" if run.ending == "error" else "end"
            out.append(Event(len(out), h, kind, ids[key], parent, run.run_type, None,
                             tuple(sorted(run.tags)), ()))

    for root in exp.roots:
        visit(root)
    return out


def observe(scenario: Scenario, events: list[Event]) -> list[str]:
    exp = expect(scenario)
    probe = Probe()
    outcomes = tuple(Outcome(error=probe.failure(f)) if f else Outcome(value="ok")
                     for f in exp.failures)
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    return sorted({v.rule or "crash" for v in
                   check(scenario, exp, Observation(tuple(events), outcomes, probe))})


def test_a_perfect_stream_has_no_violations() -> None:
    assert observe(SCENARIO, perfect(SCENARIO, expect(SCENARIO))) == []


def _events() -> list[Event]:
    return perfect(SCENARIO, expect(SCENARIO))


def _first(events: list[Event], handler: str, name: str, kind: str = "start") -> int:
    run_id = next(e.run_id for e in events if e.name == name and e.kind == "start")
    return next(i for i, e in enumerate(events)
                if e.handler == handler and e.run_id == run_id and e.kind == kind)


def test_R1_a_runtime_handler_missing_a_run_is_R1() -> None:
    ev = _events()
    run_id = ev[_first(ev, "hr", "x")].run_id
    assert observe(SCENARIO, [e for e in ev if not (e.handler == "hr" and e.run_id == run_id)]) \
        == ["R1"]


def test_R2_a_bound_handler_seeing_a_sibling_is_R2() -> None:
    ev = _events()
    i = _first(ev, "hr", "a")
    ev.insert(i + 1, replace(ev[i], handler="hb"))
    j = _first(ev, "hr", "a", "end")
    ev.insert(j + 1, replace(ev[j], handler="hb"))
    assert observe(SCENARIO, ev) == ["R2"]


def test_R3_a_constructor_handler_missing_its_run_is_R3() -> None:
    ev = [e for e in _events() if e.handler != "hc"]
    assert observe(SCENARIO, ev) == ["R3"]


def test_R5_a_duplicate_delivery_is_R5() -> None:
    ev = _events()
    i = _first(ev, "hb", "x")
    ev.insert(i + 1, ev[i])
    assert observe(SCENARIO, ev) == ["R5"]


def test_R6_a_wrong_parent_is_R6() -> None:
    ev = _events()
    z = ev[_first(ev, "hr", "z")].run_id
    ev = [replace(e, parent_run_id=None) if e.run_id == z else e for e in ev]
    assert observe(SCENARIO, ev) == ["R6"]


def test_R6_a_non_uuid_id_and_a_binding_run_are_R6() -> None:
    ev = _events()
    a = ev[_first(ev, "hr", "a")].run_id
    ev = [replace(e, run_id="not-a-uuid") if e.run_id == a else e for e in ev]
    assert observe(SCENARIO, ev) == ["R6"]
    extra = Event(0, "hr", "start", str(uuid.uuid4()), None, "chain", "bind", (), ())
    assert "R6" in observe(SCENARIO, [extra, *_events()])


def test_R7_a_parent_ending_before_its_child_is_R7() -> None:
    ev = _events()
    i = _first(ev, "hr", "par", "end")
    j = _first(ev, "hr", "x", "end")
    ev[i], ev[j] = ev[j], ev[i]
    assert observe(SCENARIO, ev) == ["R7"]


def test_R7_sequence_steps_out_of_order_are_R7() -> None:
    ev = _events()
    i = _first(ev, "hr", "a", "end")
    j = _first(ev, "hr", "par")
    moved = ev.pop(j)
    ev.insert(i, moved)
    assert "R7" in observe(SCENARIO, ev)


def test_R8_end_instead_of_error_and_a_wrong_exception_are_R8() -> None:
    chain = Chain((Node("seq", "sequence", ("a", "b")), Node("a", "lambda"),
                   Node("b", "lambda", fail=True)), "seq")
    sc = Scenario(chain, (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    ev = perfect(sc, expect(sc))
    assert observe(sc, ev) == []
    assert observe(sc, [replace(e, kind="end") if e.kind == "error" else e for e in ev]) \
        == ["R8"]
    exp = expect(sc)
    copy = Observation(tuple(ev), (Outcome(error=InjectedFailure("b")),), Probe())
    assert [v.rule for v in check(sc, exp, copy)] == ["R8"]


def test_R13_tags_out_of_scope_are_R13() -> None:
    ev = [replace(e, tags=(*e.tags, "bt")) if e.kind == "start" else e for e in _events()]
    assert observe(SCENARIO, ev) == ["R13"]


def test_implementation_tags_are_ignored() -> None:
    ev = [replace(e, tags=(*e.tags, "seq:step:1")) for e in _events()]
    assert observe(SCENARIO, ev) == []


def test_an_unexpected_exception_is_a_crash_for_every_rule() -> None:
    exp = expect(SCENARIO)
    obs = Observation(tuple(_events()), (Outcome(error=TypeError("boom")),), Probe())
    assert [v.rule for v in check(SCENARIO, exp, obs)] == [None]


@pytest.mark.parametrize("mode", ["batch", "abatch"])
def test_batch_items_match_their_own_trees(mode: str) -> None:
    sc = SCENARIO.with_invocation(mode=mode, inputs=("i0", "i1", "i2"))
    assert observe(sc, perfect(sc, expect(sc))) == []


def test_R6_an_end_event_with_another_run_id_is_R6_not_R7() -> None:
    ev = _events()
    i = _first(ev, "hr", "x", "end")
    ev[i] = replace(ev[i], run_id=str(uuid.uuid4()))
    assert observe(SCENARIO, ev) == ["R6"]


def test_R1_batch_items_with_their_own_configs_are_told_apart() -> None:
    """Only the second input has a handler: its root must not be taken for the first's."""
    chain = Chain((Node("seq", "sequence", ("a", "b")), Node("a", "lambda"),
                   Node("b", "lambda")), "seq")
    scenario = Scenario(chain, (HandlerSpec("h1"), HandlerSpec("h2")),
                        Invocation(mode="batch", inputs=("i0", "i1", "i2"),
                                   item_callbacks=((), ("h1",), ("h2", "h1"))))
    exp = expect(scenario)
    assert observe(scenario, perfect(scenario, exp)) == []
    # The engine gives every input the first input's config: nobody hears anything.
    assert observe(scenario, []) == ["R1"]


def test_an_unexpected_run_named_like_a_node_names_that_node() -> None:
    """A run no placement fits but named like a node of the chain carries that node's facts
    (node, parent, bound), so an expectation entry can say where it happens: against
    langchain-core (seed 4), a bound lambda under a tool that does not forward its config was
    left unplaced and its violation had no facts but the mode."""
    ev = _events()
    i = _first(ev, "hr", "z", "end")
    extra = str(uuid.uuid4())
    ev[i + 1:i + 1] = [replace(ev[i - 1], handler="hb", kind=kind, run_id=extra, parent_run_id=None,
                               name="z" if kind == "start" else None) for kind in ("start", "end")]
    exp = expect(SCENARIO)
    found = [v for v in check(SCENARIO, exp, Observation(tuple(ev), (Outcome(value="ok"),),
                                                         Probe())) if v.kind == "unexpected-run"]
    assert [(v.run, v.fact("node"), v.fact("parent")) for v in found] == [("z", "lambda", "tool")]


@pytest.mark.parametrize("root", ["seq", "retry"])
def test_R14_a_root_the_run_name_did_not_rename_is_R14_alone(root: str) -> None:
    """A batch whose run_name names the first input's root only: the other roots carry their
    object's name (a retry's: the runnable it retries). They are those inputs' roots, with the
    wrong name (R14 run-name-not-applied), not runs nobody expected (R6) whose places went
    unseen (R1): a red-team engine doing this failed R1 and R6 and passed R14."""
    chain = Chain((Node("retry", "retry", ("seq",)), Node("seq", "sequence", ("a", "b")),
                   Node("a", "lambda"), Node("b", "lambda")), root)
    scenario = Scenario(chain, (HandlerSpec("h"),),
                        Invocation(mode="batch", inputs=("i0", "i1", "i2"), callbacks=("h",),
                                   run_name="mine"))
    exp = expect(scenario)
    events = perfect(scenario, exp)
    assert observe(scenario, events) == []
    roots = {ev.run_id for ev in events if ev.parent_run_id is None}
    first = events[0].run_id
    unrenamed = [replace(ev, name="seq") if ev.kind == "start" and ev.run_id in roots - {first}
                 else ev for ev in events]
    assert observe(scenario, unrenamed) == ["R14"]


_BOUND = Scenario(Chain((
    Node("seq", "sequence", ("a", "outer")), Node("a", "lambda"),
    Node("outer", "binding", ("inner",), run_name="outer_name"),
    Node("inner", "binding", ("par",), run_name="inner_name"),
    Node("par", "parallel", ("x", "y")), Node("x", "lambda"), Node("y", "lambda"),
), "seq"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))


def _renamed(events: list[Event], names: dict[str, str]) -> list[Event]:
    return [replace(ev, name=names.get(str(ev.name), ev.name)) if ev.kind == "start" else ev
            for ev in events]


def _kinds(scenario: Scenario, events: list[Event]) -> set[tuple[str, str, str | None]]:
    exp = expect(scenario)
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    return {(v.rule, v.kind, v.run) for v in
            check(scenario, exp, Observation(tuple(events), (Outcome(value="ok"),), Probe()))}


def test_R14_a_bound_run_name_that_did_not_apply_or_leaked_is_R14_alone() -> None:
    """The outer binding's run name names the parallel's run; an engine that ignores it, lets
    the inner one win, or hands it to the parallel's branches breaks R14, and nothing else: the
    runs are still placed where they belong (no R6 wrong-name, no R15 name, no missing run)."""
    events = perfect(_BOUND, expect(_BOUND))
    assert _kinds(_BOUND, events) == set()
    ignored = _kinds(_BOUND, _renamed(events, {"outer_name": "par"}))
    assert ignored == {("R14", "bound-run-name-not-applied", "par")}
    inner_won = _kinds(_BOUND, _renamed(events, {"outer_name": "inner_name"}))
    assert inner_won == {("R14", "bound-run-name-not-applied", "par")}
    leaked = _kinds(_BOUND, _renamed(events, {"x": "outer_name", "y": "outer_name"}))
    assert leaked == {("R14", "bound-run-name-leaked", "x"),
                      ("R14", "bound-run-name-leaked", "y")}


def test_R14_the_invocations_run_name_wins_over_a_bound_one_at_the_root() -> None:
    """A binding at the root invoked with a run_name: the root carries the invocation's; one
    carrying the bound name breaks R14's run-name-not-applied (said once, not twice)."""
    scenario = Scenario(Chain((*_BOUND.chain.nodes[2:],), "outer"), (HandlerSpec("h"),),
                        Invocation(callbacks=("h",), run_name="rt"))
    events = perfect(scenario, expect(scenario))
    assert _kinds(scenario, events) == set()
    assert _kinds(scenario, _renamed(events, {"rt": "outer_name"})) == {
        ("R14", "run-name-not-applied", "par")}


def test_R7_a_missing_end_beside_a_nameless_run_is_not_an_end_with_another_id() -> None:
    """A run whose start carries no name (LangChain.js's chat models and maps pass none) was
    seen start: its end is no end "with another run_id". LangChain.js (1.x and 0.3, seed 4,
    stream of a map whose chat model fails) leaves the map's lambdas open (R7 missing-terminal)
    beside a nameless chat model's error, which the checker reported as R6
    terminal-with-other-id for the lambdas."""
    ev = _events()
    y = ev[_first(ev, "hr", "y")].run_id
    ev = [replace(e, name=None) if e.run_id == y else e for e in ev]
    x = ev[_first(ev, "hr", "x")].run_id
    ev = [e for e in ev if not (e.run_id == x and e.kind == "end")]
    exp = expect(SCENARIO)
    found = {(v.rule, v.kind, v.run) for v in
             check(SCENARIO, exp, Observation(tuple(replace(e, seq=i) for i, e in enumerate(ev)),
                                              (Outcome(value="ok"),), Probe()))}
    assert ("R6", "terminal-with-other-id", "x") not in found
    assert ("R7", "missing-terminal", "x") in found


def test_R13_a_reused_objects_tags_violation_carries_that_runs_facts() -> None:
    """An object used twice (once bare, once under a binding with handlers): a tags violation of
    its second run carries that run's facts (bound yes), not the first use's. The LangChain.js
    gates (seed 4) reported extra tags on a tool's direct lambda with the facts of the same
    lambda's first use inside a bound sequence, which no narrow entry could tell apart."""
    chain = Chain((Node("seq", "sequence", ("a", "bind")), Node("a", "lambda"),
                   Node("bind", "binding", ("a",), callbacks=("hb",), tags=("bt",))), "seq")
    scenario = Scenario(chain, (HandlerSpec("hr"), HandlerSpec("hb")),
                        Invocation(callbacks=("hr",), tags=("rt",)))
    exp = expect(scenario)
    ev = perfect(scenario, exp)
    assert observe(scenario, ev) == []
    bound = next(e.run_id for e in ev if e.name == "a" and "bt" in e.tags)
    ev = [replace(e, tags=("rt",)) if e.run_id == bound else e for e in ev]
    found = check(scenario, exp, Observation(tuple(replace(e, seq=i) for i, e in enumerate(ev)),
                                             (Outcome(value="ok"),), Probe()))
    assert {(v.kind, v.run, v.fact("bound")) for v in found if v.rule == "R13"} == {
        ("missing-tags", "a", "yes")}, [str(v) for v in found]



def _chain_event(handler: str, kind: str, run_id: str, parent_id: str | None, name: str,
                 payload: object = NOT_REPORTED) -> Event:
    """One event of a chain run, for the streams these tests write by hand (the name goes on a
    start only, as engines give it)."""
    return Event(0, handler, kind, run_id, parent_id, "chain",
                 name if kind == "start" else None, (), (), payload=payload)


#: A function that does not forward its config calls a binding (of a binding) of ``fn``, which
#: lists ``h`` twice beside ``g`` and ``k``, then ``fn`` itself; ``h`` is also given at run time.
_DOUBLED = Scenario(Chain((
    Node("dyn", "dynamic", ("outer", "fn"), forward_config=False),
    Node("outer", "binding", ("bind",)),
    Node("bind", "binding", ("fn",), callbacks=("g", "h", "h", "k")),
    Node("fn", "lambda"),
), "dyn"), (HandlerSpec("g"), HandlerSpec("k"), HandlerSpec("h")), Invocation(callbacks=("h",)))


def test_R5_a_run_doubled_for_one_handler_is_a_duplicate_not_a_reused_id() -> None:
    """What langchain-core 1.8.3 delivers for ``_DOUBLED``: the binding replaces the implicit
    context, so the bound run of ``fn`` has no parent (an R6 deviation an expectation file may
    list; the run is placed at the bound place all the same, the plain run of ``fn`` at its
    own), and ``h``, listed twice, gets it twice while ``g`` and ``k`` get it once. That is one
    run delivered twice (R5), not one id given to two runs (R6 id-reused), and the R6
    deviation must not hide the R5 one."""
    ids = {run: str(uuid.uuid4()) for run in ("dyn", "bound fn", "fn")}

    def ev(handler: str, kind: str, run: str, parent: str | None, payload: str) -> Event:
        return _chain_event(handler, kind, ids[run], parent and ids[parent], run.split()[-1],
                            payload)

    events = [ev("h", "start", "dyn", None, "input0")]
    for kind, payload in (("start", "dyn"), ("end", "fn")):
        events += [ev(h, kind, "bound fn", None, payload) for h in ("g", "h", "h", "k")]
    events += [ev("h", "start", "fn", "dyn", "dyn"), ev("h", "end", "fn", "dyn", "fn"),
               ev("h", "end", "dyn", None, "dyn")]
    found = _kinds(_DOUBLED, events)
    assert ("R5", "duplicate-delivery", "fn") in found
    assert ("R6", "missing-parent", "fn") in found
    assert not {k for k in found if k[1] == "id-reused"}


#: Found by the langchain-core 1.8.3 quick profile (seed 3, R2 nested bindings): a function
#: that does not forward its config calls ``fn`` and a binding of ``fn`` with ``hb``; ``h`` is
#: bound around the function. The binding replaces the implicit context, so its run of ``fn``
#: has no parent and ``hb`` alone sees it; ``h`` sees the function's run and the plain ``fn``.
_BESIDE_ITS_BINDING = Scenario(Chain((
    Node("fn", "lambda"),
    Node("bind", "binding", ("fn",), callbacks=("hb",)),
    Node("dyn", "dynamic", ("fn", "bind"), forward_config=False),
    Node("outer", "binding", ("dyn",), callbacks=("h",)),
), "outer"), (HandlerSpec("h"), HandlerSpec("hb")), Invocation())


def test_a_run_left_out_takes_its_place_from_a_run_of_its_object_that_fits_another() -> None:
    """The function's run and its one child ``h`` saw were aligned first: both places of
    ``fn`` under it cost that child the same (the bound place's ``hb`` missed it, the plain
    place's ``h`` missed the other run), and it took the bound one, so the parentless run
    ``hb`` saw found no place, and the checker blamed ``h`` for the wrong run of ``fn`` (one
    its binding-under-implicit-context entry does not cover) and ``hb`` for missing its run.
    Moving the child to its object's empty place makes room, for less: each run where it
    fits, ``h`` missing the bound run (the deviation) and that run's parent link wrong."""
    ids = {run: str(uuid.uuid4()) for run in ("dyn", "fn", "bound fn")}
    events = [_chain_event("h", "start", ids["dyn"], None, "dyn", "input"),
              _chain_event("h", "start", ids["fn"], ids["dyn"], "fn", "dyn"),
              _chain_event("h", "end", ids["fn"], ids["dyn"], "fn", "fn"),
              _chain_event("hb", "start", ids["bound fn"], None, "fn", "dyn"),
              _chain_event("hb", "end", ids["bound fn"], None, "fn", "fn"),
              _chain_event("h", "end", ids["dyn"], None, "dyn", "dyn")]
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    exp = expect(_BESIDE_ITS_BINDING)
    placed = {rid: exp.runs[key].handlers.keys() for key, rid in match(exp, events).of_key.items()}
    assert set(placed[ids["fn"]]) == {"h"} and set(placed[ids["bound fn"]]) == {"h", "hb"}
    found = {(v.rule, v.kind, v.handler) for v in check(
        _BESIDE_ITS_BINDING, exp, Observation(tuple(events), (Outcome(value="ok"),), Probe()))}
    assert found == {("R2", "missing-run", "h"), ("R6", "missing-parent", None)}, found


#: One object run twice, the first time through a binding with a handler of its own.
_TWICE = Scenario(Chain((
    Node("seq", "sequence", ("b", "a")),
    Node("b", "binding", ("a",), callbacks=("hb",)),
    Node("a", "lambda"),
), "seq"), (HandlerSpec("hr"), HandlerSpec("hb")), Invocation(callbacks=("hr",)))


def _doubled_for(events: list[Event], handler: str, run_id: str) -> list[Event]:
    """``events`` with each of ``handler``'s events of ``run_id`` delivered twice."""
    out: list[Event] = []
    for ev in events:
        out.append(ev)
        if ev.handler == handler and ev.run_id == run_id:
            out.append(ev)
    return out


def test_R6_one_id_for_two_runs_of_one_object_is_an_id_reused() -> None:
    """Both runs of ``a`` under one id: every handler of the second gets a start after the
    first's end (R6 id-reused, not a duplicate delivery)."""
    events = perfect(_TWICE, expect(_TWICE))
    a_ids = list(dict.fromkeys(e.run_id for e in events if e.name == "a"))
    assert len(a_ids) == 2
    same = [replace(e, run_id=a_ids[0]) if e.run_id == a_ids[1] else e for e in events]
    found = _kinds(_TWICE, same)
    assert ("R6", "id-reused", "a") in found
    assert not {k for k in found if k[0] == "R5"}


def test_an_unplaced_layer_is_named_after_the_object_its_children_hang_under() -> None:
    """An extra run (a wrapper an engine adds) takes the label of the object whose runs its
    placed children hang under, also when the matcher put those children under that object's
    runs in several batch items: its violation then carries that object's facts every time,
    so an expectation entry for it matches whatever the interleaving."""
    from conformance.checker import _place_of_layer
    from conformance.matching import observed_runs

    scenario = Scenario(Chain((Node("seq", "sequence", ("a", "b")), Node("a", "lambda"),
                               Node("b", "lambda")), "seq"),
                        (HandlerSpec("h"),), Invocation(callbacks=("h",), inputs=("i0", "i1"),
                                                        mode="batch"))
    exp = expect(scenario)
    ids = {name: str(uuid.uuid4()) for name in ("layer", "a0", "a1", "b0")}
    events = [_chain_event("h", "start", ids["layer"], None, "Wrapper")]
    events += [_chain_event("h", "start", ids[r], ids["layer"], r[0])
               for r in ("a0", "a1")]
    observed = observed_runs(events)
    across_items = {ids["a0"]: (0, 0), ids["a1"]: (1, 0)}
    assert _place_of_layer(ids["layer"], observed, across_items, exp) == "seq"
    events.append(_chain_event("h", "start", ids["b0"], ids["layer"], "b"))
    observed = observed_runs(events)
    # a child hanging under the root run's parent (none) leaves the layer unnamed
    assert _place_of_layer(ids["layer"], observed, {**across_items, ids["b0"]: (0,)},
                           exp) is None


def test_a_violation_about_one_run_of_a_reused_object_carries_that_runs_facts() -> None:
    """``x`` runs inside the parallel and then right under the sequence; a local handler (root
    only) that receives the second run is out of scope there, and the violation's facts say
    so (parent: sequence), not those of the object's first run (parent: parallel), so an
    expectation entry written for one place does not match, or miss, the other."""
    scenario = Scenario(Chain((Node("seq", "sequence", ("par", "x")),
                               Node("par", "parallel", ("x",)), Node("x", "lambda")), "seq"),
                        (HandlerSpec("h"),),
                        Invocation(callbacks=("h",), callbacks_as_manager=True, local=("h",)))
    exp = expect(scenario)
    ids = {key: str(uuid.uuid4()) for key in exp.runs}

    def ev(kind: str, key: tuple[int, ...]) -> Event:
        run = exp.runs[key]
        parent = ids[run.parent] if run.parent is not None else None
        return _chain_event("h", kind, ids[key], parent, run.name)

    (root,) = exp.roots
    second_x = next(k for k, r in exp.runs.items() if r.label == "x" and r.parent == root)
    events = [ev("start", root), ev("start", second_x), ev("end", second_x), ev("end", root)]
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    found = [v for v in check(scenario, exp, Observation(tuple(events), (Outcome(value="ok"),),
                                                         Probe()))
             if v.kind == "outside-scope"]
    assert [(v.run, v.fact("parent")) for v in found] == [("x", "sequence")]


def test_a_violation_on_one_of_two_runs_the_events_cannot_tell_apart_reads_as_either() -> None:
    """A function that does not forward its config calls ``fn`` through a binding of ``h`` and
    directly; ``h`` is also given at run time, so both runs of ``fn`` reach ``h`` alone and
    nothing in the events tells them apart. One comes without its parent: whichever place
    the matcher gives it, the violation reads as about either run (bound or not), so an
    expectation entry for the bound run's lost parent matches it every time."""
    from conformance.deviations import KnownDeviation

    scenario = Scenario(Chain((
        Node("dyn", "dynamic", ("bind", "fn"), forward_config=False, concurrent=True),
        Node("bind", "binding", ("fn",), callbacks=("h",)),
        Node("fn", "lambda"),
    ), "dyn"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    exp = expect(scenario)
    ids = {name: str(uuid.uuid4()) for name in ("dyn", "a", "b")}

    def ev(kind: str, run: str, parent: str | None) -> Event:
        return _chain_event("h", kind, ids[run], parent and ids[parent],
                            "dyn" if run == "dyn" else "fn")

    events = [ev("start", "dyn", None), ev("start", "a", None), ev("start", "b", "dyn"),
              ev("end", "a", None), ev("end", "b", "dyn"), ev("end", "dyn", None)]
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    (lost,) = [v for v in check(scenario, exp, Observation(tuple(events),
                                                           (Outcome(value="ok"),), Probe()))
               if v.kind == "missing-parent"]
    assert {r["bound"] for r in lost.readings()} == {"yes", "no"}
    entry = KnownDeviation("e", "R6", "missing-parent", "r",
                           {"parent": frozenset({"dynamic"}), "bound": frozenset({"yes"})})
    assert entry.matches(lost)
    other = KnownDeviation("e", "R6", "missing-parent", "r", {"parent": frozenset({"tool"})})
    assert not other.matches(lost)


def test_runs_the_events_can_tell_apart_are_no_twins() -> None:
    """Two runs of one object with different handlers in scope (a binding of ``hb`` wraps the
    first) are told apart by who receives them: neither is read as the other."""
    from conformance.signatures import twins

    exp = expect(_TWICE)
    first, second = sorted((r for r in exp.runs.values() if r.label == "a"),
                           key=lambda r: r.key)
    assert twins(exp, first) == [] and twins(exp, second) == []


def test_an_unplaced_layer_over_children_on_one_line_of_descent_takes_the_highest() -> None:
    """langchain-core's rewrapped map over a retry: the layer's children are the retry's run
    (under the map's place) and an attempt that names the layer as its parent though it hangs
    under the retry. The layer takes the map's place, the highest of the two."""
    from conformance.checker import _place_of_layer
    from conformance.matching import observed_runs

    scenario = Scenario.from_json({
        "chain": {"nodes": [{"fanout": 1, "kind": "lambda", "label": "fn1"},
                            {"kind": "lambda", "label": "fn3"},
                            {"children": ["fn3"], "kind": "retry", "label": "retry2"},
                            {"children": ["retry2"], "kind": "map", "label": "map4"},
                            {"children": ["fn1", "map4"], "kind": "sequence", "label": "seq5"}],
                  "root": "seq5"},
        "handlers": [{"id": "h"}],
        "invocation": {"callbacks": ["h"], "inputs": ["x"], "mode": "invoke"}})
    exp = expect(scenario)
    retry = next(k for k, r in exp.runs.items() if r.label == "retry2")
    attempt = next(k for k, r in exp.runs.items() if r.label == "fn3")
    ids = {name: str(uuid.uuid4()) for name in ("layer", "retry", "attempt")}
    events = [_chain_event("h", "start", ids["layer"], None, "RunnableEach<fn3>"),
              _chain_event("h", "start", ids["retry"], ids["layer"], "fn3"),
              _chain_event("h", "start", ids["attempt"], ids["layer"], "fn3")]
    placed = {ids["retry"]: retry, ids["attempt"]: attempt}
    assert _place_of_layer(ids["layer"], observed_runs(events), placed, exp) == "map4"


#: A tool calls a function (which calls ``fn``) and ``fn`` itself; a binding names the tool's run.
_NAMED_TOOL = Scenario(Chain((
    Node("fn", "lambda"),
    Node("dyn", "dynamic", ("fn",)),
    Node("tool", "tool", ("dyn", "fn")),
    Node("bind", "binding", ("tool",), run_name="bind_name"),
), "bind"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))


def test_R14_a_leaked_run_name_carries_the_facts_of_the_run_it_named() -> None:
    """langchain-core 1.8.3 (random seed 43): a tool passes its config, bound run name and
    all, to its callees, whose runs then carry it (the tool-config-carries-bound-run-name
    entry, where the parent is a tool). The violation about the tool's own callee ``fn`` got
    the facts of ``fn``'s first use (under the function: parent dynamic), which no entry
    matches, so a listed deviation failed the run."""
    ids = {run: str(uuid.uuid4()) for run in ("tool", "dyn", "fn in dyn", "fn")}
    parent = {"dyn": "tool", "fn in dyn": "dyn", "fn": "tool"}
    name = {"tool": "bind_name", "dyn": "dyn", "fn in dyn": "fn", "fn": "bind_name"}
    steps = [("start", "tool", "input"), ("start", "dyn", "tool"), ("start", "fn in dyn", "tool"),
             ("end", "fn in dyn", "fn"), ("end", "dyn", "fn"), ("start", "fn", "tool"),
             ("end", "fn", "fn"), ("end", "tool", "tool")]
    events = [Event(i, "h", kind, ids[run], parent.get(run) and ids[parent[run]],
                    "tool" if run == "tool" else "chain", name[run] if kind == "start" else None,
                    (), (), payload=payload)
              for i, (kind, run, payload) in enumerate(steps)]
    exp = expect(_NAMED_TOOL)
    leaked = [v for v in check(_NAMED_TOOL, exp,
                               Observation(tuple(events), (Outcome(value="tool"),), Probe()))
              if v.kind == "bound-run-name-leaked" and v.run == "fn"]
    assert len(leaked) == 1 and dict(leaked[0].facts)["parent"] == "tool", leaked


#: A binding whose only handler is local (it reaches the bound object's own run alone), called
#: by a function that does not forward its config, inside a binding of the function.
_LOCAL_INNER_BINDING = Scenario(Chain((
    Node("fn", "lambda"),
    Node("inner_dyn", "dynamic", ("fn",)),
    Node("inner", "binding", ("inner_dyn",), callbacks=("h",), callbacks_as_manager=True,
         local=("h",)),
    Node("dyn", "dynamic", ("inner",), forward_config=False),
    Node("outer", "binding", ("dyn",), callbacks=("h",)),
), "outer"), (HandlerSpec("h"),), Invocation())


def test_a_run_below_the_target_of_an_implicitly_called_binding_says_implicit_binding() -> None:
    """langchain-core 1.8.3 (random seed 65): the inner binding, called in the implicit
    context, replaces it, so the outer binding's handler misses ``fn`` below the inner
    binding's target (binding-under-implicit-context-loses-bound-handlers, where
    implicit_binding is yes). The fact came from the bindings whose handlers reach the run
    itself, and the inner binding's only handler is local, reaching its target alone: ``fn``
    said no. A binding encloses its target's whole subtree: the run's ancestors count too."""
    ids = {run: str(uuid.uuid4()) for run in ("dyn", "inner_dyn")}
    events = [_chain_event("h", "start", ids["dyn"], None, "dyn", "input"),
              _chain_event("h", "start", ids["inner_dyn"], None, "inner_dyn", "dyn"),
              _chain_event("h", "end", ids["inner_dyn"], None, "inner_dyn", "inner_dyn"),
              _chain_event("h", "end", ids["dyn"], None, "dyn", "dyn")]
    events = [replace(e, seq=i) for i, e in enumerate(events)]
    exp = expect(_LOCAL_INNER_BINDING)
    missed = [v for v in check(_LOCAL_INNER_BINDING, exp,
                               Observation(tuple(events), (Outcome(value="dyn"),), Probe()))
              if v.kind == "missing-run" and v.run == "fn"]
    assert missed and all(dict(v.facts)["implicit_binding"] == "yes" for v in missed), missed
