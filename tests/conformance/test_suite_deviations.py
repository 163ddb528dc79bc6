"""Known deviations are violation signatures: a listed one is masked, any other still fails."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from conformance.adapter import Outcome, Probe
from conformance.checker import check
from conformance.deviations import DeviationsError, KnownDeviations, entry_for
from conformance.events import Event
from conformance.model import Chain, HandlerSpec, Invocation, Node, Scenario
from conformance.observed import Observation
from conformance.oracle import expect
from conformance.violations import Violation

SCENARIO = Scenario(Chain((Node("seq", "sequence", ("a", "m")), Node("a", "lambda"),
                           Node("m", "chat_model")), "seq"),
                    (HandlerSpec("h"),), Invocation(callbacks=("h",)))

FILE = {
    "implementation": "lib",
    "deviations": [
        {"id": "chains-without-serialized", "rule": "R15", "kind": "serialized-none",
         "where": {"run_type": "chain"}, "reason": "chain starts get serialized=None"},
    ],
}


def _violation(kind: str, **facts: str) -> Violation:
    return Violation("R15", "x", "h", "a", kind, tuple(sorted(facts.items())))


def test_a_listed_signature_is_masked_and_counted() -> None:
    known = KnownDeviations.from_json(FILE)
    unknown, seen = known.split([_violation("serialized-none", run_type="chain")])
    assert unknown == [] and seen == {"chains-without-serialized": 1}


def test_another_kind_under_the_same_rule_is_not_masked() -> None:
    known = KnownDeviations.from_json(FILE)
    other = _violation("copied-exception", run_type="chain")
    assert known.split([other])[0] == [other]


def test_conditions_on_facts_narrow_an_entry() -> None:
    known = KnownDeviations.from_json(FILE)
    tool = _violation("serialized-none", run_type="tool")
    assert known.split([tool])[0] == [tool]


def test_the_rule_level_form_is_read_as_coarse_entries() -> None:
    known = KnownDeviations.from_json({"rules": {"R5": {"reason": "duplicates twice"}}})
    (entry,) = known.entries
    assert entry.coarse and entry.rule == "R5"
    assert known.split([Violation("R5", "x", kind="duplicate-delivery")])[0] == []


def test_crashes_are_never_masked() -> None:
    known = KnownDeviations.from_json({"rules": {"R5": {"reason": "r"}}})
    crash = Violation(None, "boom", kind="engine-raised")
    assert known.split([crash])[0] == [crash]


@pytest.mark.parametrize("bad, says", [
    ({"deviations": [{"rule": "R99", "kind": "k", "id": "i", "reason": "r"}]}, "R99"),
    ({"deviations": [{"rule": "R5", "kind": "k", "id": "i"}]}, "reason"),
    ({"deviations": [{"rule": "R5", "kind": "k", "id": "i", "reason": "r",
                      "where": {"mode": 3}}]}, "where"),
    ({"deviations": [{"rule": "R5", "kind": "k", "id": "i", "reason": "r"},
                     {"rule": "R5", "kind": "j", "id": "i", "reason": "r"}]}, "unique"),
    # a misspelt fact would match nothing and hide behind "not observed"
    ({"deviations": [{"rule": "R5", "kind": "k", "id": "i", "reason": "r",
                      "where": {"node": ["lambda"], "registration": ["several"]}}]},
     "names no fact a violation carries: registration .*registrations"),
])
def test_a_bad_file_says_what_to_fix(bad: dict[str, object], says: str) -> None:
    with pytest.raises(DeviationsError, match=says):
        KnownDeviations.from_json(bad)


def test_load_reads_a_file_and_names_it_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "known.json"
    path.write_text(json.dumps(FILE), encoding="utf-8")
    assert KnownDeviations.load(path).entries[0].id == "chains-without-serialized"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(DeviationsError, match="not valid JSON"):
        KnownDeviations.load(path)


def test_checker_violations_carry_signatures_with_facts() -> None:
    """A missing run: rule, kind and the facts that make it happen."""
    probe = Probe()
    exp = expect(SCENARIO)
    from conformance.adapter import Outcome

    found = check(SCENARIO, exp, Observation((), (Outcome(value="x"),), probe))
    by_run = {v.run: v for v in found if v.rule == "R1"}
    model = by_run["m"]
    assert model.kind == "missing-run"
    assert dict(model.facts) == {"mode": "invoke", "node": "chat_model", "run_type": "chat_model",
                                 "parent": "sequence", "grandparent": "none",
                                 "routes": "runtime", "form": "list",
                                 "registrations": "once", "in_configs": "once", "bound": "no",
                                 "fails": "no",
                                 "handler": "sync", "sync_only": "no", "ignore": "none",
                                 "local": "no", "inline": "no", "flaky": "no",
                                 "root": "sequence", "in_parallel": "no", "in_map": "no",
                                 "after_flaky": "no", "tool": "no", "implicit_binding": "no",
                                 "bound_attempt": "no"}
    assert model.signature.startswith("R1 missing-run (")


def test_a_run_inline_handler_anywhere_is_a_fact_of_every_violation() -> None:
    """langchain-core's async LLM start skips every other handler when one is run_inline: the
    starved handler's violation must say so (inline=yes) for an expectation entry to be narrow."""
    inline = replace(SCENARIO, handlers=tuple(replace(h, run_inline=True)
                                              for h in SCENARIO.handlers))
    for scenario, want in ((SCENARIO, "no"), (inline, "yes")):
        found = check(scenario, expect(scenario), Observation((), (Outcome(value="x"),), Probe()))
        assert found and all(dict(v.facts)["inline"] == want for v in found)


def test_a_flaky_lambda_anywhere_is_a_fact_of_every_violation() -> None:
    """langchain-core's stream modes do not retry: a flaky lambda then fails the whole call,
    and R11 sees the root differ (its end an error), though nothing fails in the spec's run.
    The violation must say the chain has a flaky lambda (flaky=yes) for an expectation entry
    to be narrow."""
    data = {"chain": {"nodes": [{"label": "fn", "kind": "lambda", "flaky": True},
                                {"label": "retry", "kind": "retry", "children": ["fn"]},
                                {"label": "seq", "kind": "sequence", "children": ["retry"]}],
                      "root": "seq"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}
    flaky = Scenario.from_json(data)
    data["chain"]["nodes"][0]["flaky"] = False  # type: ignore[index]
    plain = Scenario.from_json(data)
    for scenario, want in ((plain, "no"), (flaky, "yes")):
        found = check(scenario, expect(scenario), Observation((), (Outcome(value="x"),), Probe()))
        assert found and all(dict(v.facts)["flaky"] == want for v in found)


def test_the_parents_parent_is_a_fact_of_a_runs_violation() -> None:
    """langchain-core gives a retry's attempts the map's run as parent when the retry is a
    map's item (and only then): the attempt's violation says grandparent=map, so an entry can
    name the map (parent=retry alone would cover every retry's attempts)."""
    scenario = Scenario.from_json(json.loads(_RETRY_UNDER_MAP))
    found = check(scenario, expect(scenario), Observation((), (Outcome(value="x"),), Probe()))
    facts = {(v.run, v.fact("parent"), v.fact("grandparent")) for v in found if v.rule == "R1"}
    assert facts == {("fn", "retry", "map"), ("retry", "map", "none"), ("map", "none", "none")}


def test_a_run_below_children_run_at_once_says_so() -> None:
    """``in_parallel``: some enclosing run runs its children at once (a parallel, an assign, a
    map, a concurrent function or tool), where branches can be abandoned or end late (LangChain.js
    0.3's failing map in batch leaves them open); not for a run above them or beside them."""
    lam = {"label": "a", "kind": "lambda"}
    shapes = {
        "parallel": [{"label": "top", "kind": "parallel", "children": ["s"]}],
        "concurrent": [{"label": "top", "kind": "dynamic", "children": ["s"],
                        "concurrent": True}],
        "sequential": [{"label": "top", "kind": "dynamic", "children": ["s"]}],
    }
    for shape, top in shapes.items():
        data = {"chain": {"nodes": [lam, {"label": "s", "kind": "sequence", "children": ["a"]},
                                    *top], "root": "top"},
                "handlers": [{"id": "h"}],
                "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}
        scenario = Scenario.from_json(data)
        found = check(scenario, expect(scenario), Observation((), (Outcome(value="x"),), Probe()))
        facts = {v.run: v.fact("in_parallel") for v in found if v.rule == "R1"}
        below = "no" if shape == "sequential" else "yes"
        assert facts == {"top": "no", "s": below, "a": below}, shape


def test_a_tool_that_invokes_callees_is_a_fact_of_every_violation() -> None:
    """LangChain.js hands a tool's callees the tool caller's config (their runs become the
    tool's siblings, named after it): every consequence says tool=yes, wherever the tool is,
    so its entries cover no chain without one. A tool with no callees says no."""
    for children, want in ((["a"], "yes"), ([], "no")):
        data = {"chain": {"nodes": [{"label": "a", "kind": "lambda"},
                                    {"label": "t", "kind": "tool", "children": children},
                                    {"label": "s", "kind": "sequence", "children": ["a", "t"]}],
                          "root": "s"},
                "handlers": [{"id": "h"}],
                "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}
        scenario = Scenario.from_json(data)
        found = check(scenario, expect(scenario), Observation((), (Outcome(value="x"),), Probe()))
        assert found and {v.fact("tool") for v in found} == {want}


def test_the_root_runs_kind_is_a_fact_of_every_violation() -> None:
    """langchain-core 0.3/0.2: a root tool passes the invocation's callback manager on to its
    callees, and a binding there makes its local handlers inheritable, so a local runtime
    handler receives every run below; only the root tells where that comes from, at any depth
    (seen at seed 6 against 0.3.86, a prompt and a model under a bound sequence under the tool).
    Through bindings: a bound map at the root is a map."""
    for bound in (False, True):
        data = json.loads(_RETRY_UNDER_MAP)
        if bound:
            data["chain"]["nodes"].append({"label": "bound", "kind": "binding",
                                           "children": ["map"]})
            data["chain"]["root"] = "bound"
        scenario = Scenario.from_json(data)
        found = check(scenario, expect(scenario),
                      Observation((), (Outcome(value="x"),), Probe()))
        assert found and {v.fact("root") for v in found} == {"map"}


_RETRY_UNDER_MAP = (
    '{"chain": {"nodes": [{"label": "fn", "kind": "lambda", "flaky": true}, {"label": "retry", '
    '"kind": "retry", "children": ["fn"]}, {"label": "map", "kind": "map", "children": '
    '["retry"]}], "root": "map"}, "handlers": [{"id": "h"}], "invocation": {"mode": "invoke", '
    '"inputs": [["a"]], "callbacks": ["h"]}}')


def test_facts_of_a_reused_object_come_from_the_run_that_broke_the_rule() -> None:
    """An object used twice has two runs: a violation about its second run (under a tool) says
    parent=tool, not the parent of its first use (a sequence). Seen against langchain-core
    (seed 4): the tool forwards the config it got, so the reused lambda under it was parented
    to the sequence, and the known deviation for parent=tool did not cover it."""
    from conformance.adapter import Outcome

    scenario = Scenario(Chain((
        Node("seq", "sequence", ("f", "g", "t")), Node("f", "lambda"), Node("g", "lambda"),
        Node("t", "tool", ("f",)),
    ), "seq"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    exp = expect(scenario)
    ids = {key: f"00000000-0000-4000-8000-{i:012d}" for i, key in enumerate(sorted(exp.runs))}
    events = []
    root = next(k for k in exp.runs if exp.runs[k].parent is None)
    inner_f = next(k for k, r in exp.runs.items()
                   if r.label == "f" and r.parent is not None and exp.runs[r.parent].label == "t")

    def visit(key: tuple[int, ...]) -> None:
        run = exp.runs[key]
        # the second f reports the sequence as its parent, as langchain-core's tool makes it
        parent = ids[root] if key == inner_f else (ids[run.parent] if run.parent else None)
        events.append(Event(len(events), "h", "start", ids[key], parent, run.run_type,
                            run.name, (), ()))
        for child in run.children:
            visit(child)
        events.append(Event(len(events), "h", "end", ids[key], parent, run.run_type, None,
                            (), ()))

    visit(root)
    found = [v for v in check(scenario, exp, Observation(tuple(events), (Outcome(value="x"),),
                                                         Probe())) if v.rule == "R6"]
    assert [(v.kind, v.run, v.fact("parent"), v.fact("node")) for v in found] \
        == [("wrong-parent", "f", "tool", "lambda")]


def test_entry_for_a_violation_is_a_valid_entry() -> None:
    v = _violation("serialized-none", run_type="chain", node="lambda", mode="invoke")
    entry = entry_for(v)
    entry["reason"] = "because"
    known = KnownDeviations.from_json({"deviations": [entry]})
    assert known.split([v])[0] == []


def test_an_unexpected_run_named_like_no_node_takes_the_place_of_its_children() -> None:
    """langchain-core's ``map.with_config(...)`` makes a new map around the bound item runnable,
    without the map's name: its run, named ``RunnableEach<fn4>``, is like no node, so its
    unexpected-run had no node facts (an entry could only match it by mode). Its children are
    placed under map5: the violation is named after map5, so its facts say where it happens.
    Seen against langchain-core 1.8.3 (default profile, seed 6, R6 composed test)."""
    scenario = Scenario.from_json({
        "chain": {"nodes": [{"label": "fn3", "kind": "lambda", "fanout": 1},
                            {"label": "fn4", "kind": "lambda"},
                            {"label": "map5", "kind": "map", "children": ["fn4"]},
                            {"label": "bind_map5", "kind": "binding", "children": ["map5"]},
                            {"label": "seq6", "kind": "sequence",
                             "children": ["fn3", "bind_map5"]}],
                  "root": "seq6"},
        "handlers": [{"id": "h1"}],
        "invocation": {"mode": "invoke", "inputs": ["input0"], "callbacks": ["h1"]}})
    ids = {run: f"00000000-0000-4000-8000-00000000000{i}"
           for i, run in enumerate(("seq6", "fn3", "each", "fn4"), 1)}
    names = {"each": "RunnableEach<fn4>"}
    parents = {"seq6": None, "fn3": "seq6", "each": "seq6", "fn4": "each"}
    order = [("start", "seq6"), ("start", "fn3"), ("end", "fn3"), ("start", "each"),
             ("start", "fn4"), ("end", "fn4"), ("end", "each"), ("end", "seq6")]
    events = tuple(
        Event(seq, "h1", kind, ids[run], ids[p] if (p := parents[run]) else None, "chain",
              names.get(run, run) if kind == "start" else None, (), (),
              method=f"on_chain_{kind}")
        for seq, (kind, run) in enumerate(order))
    found = check(scenario, expect(scenario),
                  Observation(events, (Outcome(value="x"),), Probe()))
    unexpected = [v for v in found if v.kind == "unexpected-run"]
    assert [v.run for v in unexpected] == ["map5"], [str(v) for v in found]
    assert {"node": "map", "parent": "sequence"}.items() <= dict(unexpected[0].facts).items()


#: fn1 used twice: on its own, and as the item of a bound map.
_FN_AND_ITS_BOUND_MAP = [{"label": "fn1", "kind": "lambda", "fanout": 1},
                         {"label": "map2", "kind": "map", "children": ["fn1"]},
                         {"label": "bind_map2", "kind": "binding", "children": ["map2"]}]


@pytest.mark.parametrize(("mode", "root", "steps", "order"), [
    # (a sequence's steps in a stream: their start inputs are not compared, so only the
    # structure tells the two runs of fn1 apart)
    ("stream", "sequence", ["fn1", "bind_map2"],
     ["start fn1", "end fn1", "start each", "start inner", "end inner", "end each"]),
    ("astream_events", "sequence", ["fn1", "bind_map2"],
     ["start fn1", "end fn1", "start each", "start inner", "end inner", "end each"]),
    # (parallel branches, the map's first: its item starts before fn1 on its own)
    ("stream", "parallel", ["bind_map2", "fn1"],
     ["start each", "start inner", "end inner", "end each", "start fn1", "end fn1"]),
])
def test_a_layer_named_like_no_node_takes_the_place_of_an_unseen_run_not_a_sibling(
        mode: str, root: str, steps: list[str], order: list[str]) -> None:
    """langchain-core's ``fn1.map().with_config()`` next to fn1 itself: the map's run comes
    named ``RunnableEach<fn1>`` (a node-less extra layer) with fn1's item run under it. That run
    is the map's item, placed where the layer stands in for the unseen map; placed at the fn1
    step, the layer would wrap it (the checker's wrong-parent) and the step's own run would be
    pushed under the map. Invoke modes tell the two by their inputs, streams by the layer alone
    (langchain-core 1.8.3, seed 2: a stream reported unexpected-run on the sequence and
    wrong-parent on fn1, where invoke reported only the map's unexpected-run)."""
    scenario = Scenario.from_json({
        "chain": {"nodes": [*_FN_AND_ITS_BOUND_MAP,
                            {"label": "top", "kind": root, "children": steps}],
                  "root": "top"},
        "handlers": [{"id": "h1"}],
        "invocation": {"mode": mode, "inputs": [["input0"]], "callbacks": ["h1"]}})
    ids = {run: f"00000000-0000-4000-8000-00000000000{i}"
           for i, run in enumerate(("top", "fn1", "each", "inner"), 1)}
    names = {"each": "RunnableEach<fn1>", "inner": "fn1"}
    parents = {"top": None, "fn1": "top", "each": "top", "inner": "each"}
    seen = [step.split() for step in ["start top", *order, "end top"]]
    events = tuple(
        Event(seq, "h1", kind, ids[run], ids[p] if (p := parents[run]) else None, "chain",
              names.get(run, run) if kind == "start" else None, (), (),
              method=f"on_chain_{kind}")
        for seq, (kind, run) in enumerate(seen))
    found = [v for v in check(scenario, expect(scenario),
                              Observation(events, (Outcome(value="x"),), Probe()))
             if v.rule == "R6"]
    assert [(v.kind, v.run) for v in found] == [("unexpected-run", "map2")], \
        [str(v) for v in found]


def test_where_missing_tags_and_metadata_were_given_is_a_fact() -> None:
    """``missing_from``: a chained binding's own tags lost (the key-by-key merge of nested
    ``with_config`` calls) is told from tags lost on the way down from the caller or an outer
    binding, so an entry for the one does not hide the other (SPEC.md §7)."""
    from conformance.adapters.reference import ReferenceAdapter
    from conformance.properties import evaluate
    from conformance.signatures import missing_from
    from tests.selftest.broken.catalogue import CATALOGUE

    engines = {e.__name__: e for e in CATALOGUE}
    NestedBindingMetadataReplaced = engines["NestedBindingMetadataReplaced"]

    chain = Chain((Node("fn", "lambda"),
                   Node("inner", "binding", ("fn",), tags=("t_inner",),
                        metadata=(("k_inner", "1"),)),
                   Node("outer", "binding", ("inner",), tags=("t_outer",),
                        metadata=(("k_outer", "2"),)),
                   Node("seq", "sequence", ("outer", "fn2")), Node("fn2", "lambda")), "seq")
    scenario = Scenario(chain, (HandlerSpec("h"),),
                        Invocation(callbacks=("h",), tags=("t_run",),
                                   metadata=(("k_run", "0"),)))
    assert missing_from(scenario, tags=("t_inner",)) == "inner-binding"
    assert missing_from(scenario, tags=("t_outer",)) == "binding"
    assert missing_from(scenario, tags=("t_run", "t_inner")) == "inner-binding+runtime"
    assert missing_from(scenario, keys=("k_inner",)) == "inner-binding"
    assert missing_from(scenario, keys=("k_run",)) == "runtime"
    assert missing_from(scenario) == "none"
    assert not evaluate("R13", ReferenceAdapter(), scenario)
    replaced = evaluate("R13", NestedBindingMetadataReplaced(), scenario)
    assert {dict(v.facts)["missing_from"] for v in replaced.violations} == {"inner-binding"}


def _missing_runs(scenario: Scenario, seen: set[str]) -> list[Violation]:
    """The missing-run violations when handler ``h`` saw only the runs labelled ``seen`` (every
    other handler saw everything it should)."""
    exp = expect(scenario)
    ids = {key: f"00000000-0000-4000-8000-{i:012d}" for i, key in enumerate(sorted(exp.runs))}
    events: list[Event] = []

    def visit(key: tuple[int, ...]) -> None:
        run = exp.runs[key]
        parent = ids[run.parent] if run.parent else None
        who = [h for h in sorted(run.handlers) if h != "h" or run.label in seen]
        for h in who:
            events.append(Event(len(events), h, "start", ids[key], parent, run.run_type,
                                run.name, (), ()))
        for child in run.children:
            visit(child)
        for h in who:
            events.append(Event(len(events), h, "end", ids[key], parent, run.run_type, None,
                                (), ()))

    for key, run in sorted(exp.runs.items()):
        if run.parent is None:
            visit(key)
    observation = Observation(tuple(events), (Outcome(value="x"),), Probe())
    return [v for v in check(scenario, exp, observation) if v.kind == "missing-run"]


def test_a_handler_bound_by_a_binding_another_wraps_says_inner_binding() -> None:
    """``bound_in``: a handler of ``x.with_config(...).with_config(...)``'s inner binding is
    told from one bound by a single binding, so an entry for the key-by-key merge of chained
    bindings does not hide an engine that loses bound handlers anywhere else (SPEC.md §7)."""
    chain = Chain((Node("fn", "lambda"), Node("inner", "binding", ("fn",), callbacks=("h",)),
                   Node("outer", "binding", ("inner",), callbacks=("g",)),
                   Node("fn2", "lambda"), Node("alone", "binding", ("fn2",), callbacks=("h",)),
                   Node("seq", "sequence", ("outer", "alone"))), "seq")
    scenario = Scenario(chain, (HandlerSpec("h"), HandlerSpec("g")), Invocation())
    found = {v.run: (v.rule, v.fact("routes"), v.fact("bound_in"))
             for v in _missing_runs(scenario, seen=set())}
    assert found == {"fn": ("R2", "bound", "inner-binding"), "fn2": ("R2", "bound", "binding")}


def test_the_routes_of_a_reused_objects_missing_run_are_that_runs() -> None:
    """An object used in two places is in scope of a handler differently at each: a run it
    misses says how that run was in scope (here bound by an inner binding), not how the
    object's first use was (a plain binding)."""
    chain = Chain((Node("fn", "lambda"), Node("plain", "binding", ("fn",), callbacks=("h",)),
                   Node("inner", "binding", ("fn",), callbacks=("h",)),
                   Node("outer", "binding", ("inner",), callbacks=("g",)),
                   Node("seq", "sequence", ("plain", "outer"))), "seq")
    scenario = Scenario(chain, (HandlerSpec("h"), HandlerSpec("g")), Invocation())
    assert not _missing_runs(scenario, seen={"fn"})
    found = _missing_runs(scenario, seen=set())
    assert sorted((v.run, v.fact("bound_in")) for v in found if v.handler == "h") \
        == [("fn", "binding"), ("fn", "inner-binding")]


def test_a_run_under_a_bound_callee_of_a_function_that_does_not_forward_says_so() -> None:
    """``implicit_binding``: the runs under a binding with handlers that a function calls
    without forwarding its config (the implicit context), and only those."""
    chain = Chain((Node("fn", "lambda"), Node("fn2", "lambda"),
                   Node("seq", "sequence", ("fn", "fn2")),
                   Node("b", "binding", ("seq",), callbacks=("g",)),
                   Node("fn3", "lambda"),
                   Node("dyn", "dynamic", ("b", "fn3"), forward_config=False)), "dyn")
    scenario = Scenario(chain, (HandlerSpec("h"), HandlerSpec("g")),
                        Invocation(callbacks=("h",)))
    found = {v.run: v.fact("implicit_binding") for v in _missing_runs(scenario, seen={"dyn"})}
    assert found == {"seq": "yes", "fn": "yes", "fn2": "yes", "fn3": "no"}
    forwarded = replace(scenario, chain=chain.replace_node(
        Node("dyn", "dynamic", ("b", "fn3"))))
    assert {v.fact("implicit_binding")
            for v in _missing_runs(forwarded, seen={"dyn"})} == {"no"}


def test_a_run_of_the_object_called_beside_the_implicit_binding_is_not_under_it() -> None:
    """``implicit_binding`` is about the run, not its object: the function calls ``fn`` through
    a binding with handlers and directly; only the first run is under the binding."""
    chain = Chain((Node("fn", "lambda"),
                   Node("b", "binding", ("fn",), callbacks=("g",)),
                   Node("dyn", "dynamic", ("b", "fn"), forward_config=False)), "dyn")
    scenario = Scenario(chain, (HandlerSpec("h"), HandlerSpec("g")),
                        Invocation(callbacks=("h",)))
    found = sorted((v.fact("bound"), v.fact("implicit_binding"))
                   for v in _missing_runs(scenario, seen={"dyn"}) if v.handler == "h")
    assert found == [("no", "no"), ("yes", "yes")]


def test_a_run_inside_a_fallbacks_attempt_that_binds_handlers_says_so() -> None:
    """``bound_attempt``: the runs inside a fallbacks attempt that is a binding with handlers
    (an engine may start attempts in the implicit context), and only those."""
    chain = Chain((Node("fn", "lambda"), Node("fn2", "lambda"),
                   Node("seq", "sequence", ("fn", "fn2")),
                   Node("b", "binding", ("seq",), callbacks=("g",)),
                   Node("fn3", "lambda"),
                   Node("fb", "fallbacks", ("b", "fn3"))), "fb")
    scenario = Scenario(chain, (HandlerSpec("h"), HandlerSpec("g")),
                        Invocation(callbacks=("h",)))
    found = {v.run: v.fact("bound_attempt") for v in _missing_runs(scenario, seen={"fb"})}
    assert found == {"seq": "yes", "fn": "yes", "fn2": "yes"}
    unbound = replace(scenario, chain=chain.replace_node(Node("b", "binding", ("seq",),
                                                              tags=("t",))))
    assert {v.fact("bound_attempt") for v in _missing_runs(unbound, seen={"fb"})} == {"no"}


def test_how_often_a_handler_is_given_in_configs_is_a_fact() -> None:
    """``in_configs``: a handler listed at run time and in a binding is given twice in configs
    (lists an engine may join); at run time and to a constructor, once (SPEC.md §7)."""
    from conformance.signatures import annotate

    def facts(chain: Chain, runtime: tuple[str, ...]) -> tuple[str | None, str | None]:
        scenario = Scenario(chain, (HandlerSpec("h"),), Invocation(callbacks=runtime))
        (v,) = annotate(scenario, expect(scenario),
                        [Violation("R5", "x", "h", "fn", "duplicate-delivery")])
        return v.fact("registrations"), v.fact("in_configs")

    constructor = Chain((Node("fn", "lambda", callbacks=("h",)),), "fn")
    bound = Chain((Node("fn", "lambda"), Node("b", "binding", ("fn",), callbacks=("h",))), "b")
    assert facts(constructor, ("h",)) == ("several", "once")
    assert facts(bound, ("h",)) == ("several", "several")
    assert facts(bound, ()) == ("once", "once")
    assert facts(Chain((Node("fn", "lambda"),), "fn"), ("h", "h")) == ("several", "several")


def test_a_late_event_names_the_run_it_belongs_to_and_has_its_facts() -> None:
    """An end event that arrives after the call returned carries no name: the violation names
    the run the event's id was matched to, with that run's facts (a branch of a parallel), so
    an entry for abandoned parallel branches does not also cover a late root."""
    scenario = Scenario(Chain((Node("par", "parallel", ("a", "b")), Node("a", "lambda"),
                               Node("b", "lambda")), "par"),
                        (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    exp = expect(scenario)
    ids = {key: f"00000000-0000-4000-8000-{i:012d}" for i, key in enumerate(sorted(exp.runs))}
    root = next(k for k, r in exp.runs.items() if r.parent is None)
    b = next(k for k, r in exp.runs.items() if r.label == "b")
    events: list[Event] = []
    for key in (root, *exp.runs[root].children):
        run = exp.runs[key]
        parent = ids[run.parent] if run.parent else None
        events.append(Event(len(events), "h", "start", ids[key], parent, run.run_type,
                            run.name, (), ()))
    for key in (*[k for k in exp.runs[root].children if k != b], root, b):
        run = exp.runs[key]
        parent = ids[run.parent] if run.parent else None
        events.append(Event(len(events), "h", "end", ids[key], parent, run.run_type, None,
                            (), ()))
    observation = Observation(tuple(events), (Outcome(value="x"),), Probe(),
                              returned=len(events) - 1)
    (late,) = [v for v in check(scenario, exp, observation) if v.kind == "late-event"]
    assert (late.run, late.fact("parent"), late.fact("in_parallel")) == ("b", "parallel", "yes")


def test_a_run_left_open_says_whether_a_raise_error_handler_raised_on_it() -> None:
    """``fault_run``: the run whose event a raise_error handler raised on, left open, is told
    from its ancestors left open too, so an entry for the first does not hide the second."""
    from conformance.properties import _half_finished

    scenario = Scenario(Chain((Node("seq", "sequence", ("a", "b")), Node("a", "lambda"),
                               Node("b", "lambda")), "seq"),
                        (HandlerSpec("h"), HandlerSpec("f", "raise_error", "start")),
                        Invocation(callbacks=("h", "f")))
    seq, a = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
    events = (Event(0, "h", "start", seq, None, "chain", "seq", (), ()),
              Event(1, "f", "start", seq, None, "chain", "seq", (), ()),
              Event(2, "h", "start", a, seq, "chain", "a", (), ()),
              Event(3, "f", "start", a, seq, "chain", "a", (), ()))
    found = _half_finished(scenario, Observation(events, (Outcome(value="x"),), Probe()))
    # f raised on both starts (it raises on every start): both runs are fault runs
    assert {(v.handler, v.run, v.fact("fault_run")) for v in found} == {
        ("h", "seq", "yes"), ("f", "seq", "yes"), ("h", "a", "yes"), ("f", "a", "yes")}
    only_a = tuple(e for e in events if not (e.handler == "f" and e.run_id == seq))
    found = _half_finished(scenario, Observation(only_a, (Outcome(value="x"),), Probe()))
    assert {(v.run, v.fact("fault_run")) for v in found} == {("seq", "no"), ("a", "yes")}


def test_where_a_delivered_failure_comes_from_is_a_fact_of_the_run_and_its_ancestors() -> None:
    """An error event that carried another injected failure than the run's own says which kind
    of node that failure comes out of (``delivered_in``): langchain-core's fallbacks in batch
    deliver the last attempt's, on the fallbacks run and on every run that passes it on, so an
    entry names the fallbacks once instead of every ancestor's kind. The label itself is not a
    fact (facts are structural)."""
    from conformance.signatures import annotate

    scenario = Scenario.from_json({
        "chain": {"nodes": [{"label": "a", "kind": "lambda", "fail": True},
                            {"label": "b", "kind": "lambda", "fail": True},
                            {"label": "fb", "kind": "fallbacks", "children": ["a", "b"]},
                            {"label": "seq", "kind": "sequence", "children": ["fb"]}],
                  "root": "seq"},
        "handlers": [{"id": "h"}],
        "invocation": {"mode": "batch", "inputs": ["x"], "callbacks": ["h"]}})
    got = annotate(scenario, expect(scenario), [
        Violation("R15", "x", "h", run, "wrong-exception",
                  (("delivered", "injected"), ("delivered_by", by)))
        for run, by in (("fb", "b"), ("seq", "b"), ("seq", "seq"), ("seq", "gone"))])
    assert [v.fact("delivered_in") for v in got] == ["fallbacks", "fallbacks", "root", "none"]
    assert all(v.fact("delivered_by") is None for v in got)
    entry = KnownDeviations.from_json({"implementation": "lib", "deviations": [
        {"id": "last-attempt", "rule": "R15", "kind": "wrong-exception",
         "where": {"delivered_in": ["fallbacks"], "mode": ["batch"]}, "reason": "r"}]})
    assert [entry.match(v) is not None for v in got] == [True, True, False, False]


def test_a_failure_delivered_through_a_binding_comes_out_of_the_node_the_binding_is_in() -> None:
    """A binding makes no run, so a failure that comes out of a bound fallback comes out of
    the fallbacks (langchain-core 1.8.3, random seed 86: ``delivered_in`` said ``binding``,
    and fallbacks-batch-reports-last-attempt did not match)."""
    from conformance.signatures import annotate

    scenario = Scenario.from_json({
        "chain": {"nodes": [{"label": "a", "kind": "llm", "fail": True},
                            {"label": "b", "kind": "llm", "fail": True},
                            {"label": "bind_b", "kind": "binding", "children": ["b"]},
                            {"label": "bind_bind_b", "kind": "binding", "children": ["bind_b"]},
                            {"label": "fb", "kind": "fallbacks", "children": ["a", "bind_bind_b"]}],
                  "root": "fb"},
        "handlers": [{"id": "h"}],
        "invocation": {"mode": "batch", "inputs": ["x"], "callbacks": ["h"]}})
    got = annotate(scenario, expect(scenario), [
        Violation("R15", "x", "h", "fb", "wrong-exception",
                  (("delivered", "injected"), ("delivered_by", "b")))])
    assert [v.fact("delivered_in") for v in got] == ["fallbacks"]
