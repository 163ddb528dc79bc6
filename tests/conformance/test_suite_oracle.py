"""The oracle on hand-written scenarios whose answer SPEC.md states directly."""

from __future__ import annotations

import pytest

from conformance.model import Chain, HandlerSpec, Invocation, Mode, ModelError, Node, Scenario
from conformance.oracle import Expectation, Route, expect

PROMPT_LLM = (Node("prompt", "prompt"), Node("llm", "chat_model"))


def _scope(exp: Expectation, handler: str) -> list[str]:
    return sorted(r.label for r in exp.scope(handler))


def test_R1_runtime_seed_reaches_every_run() -> None:
    chain = Chain((Node("chain", "sequence", ("prompt", "llm")), *PROMPT_LLM), "chain")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation(callbacks=("h",))))
    assert _scope(exp, "h") == ["chain", "llm", "prompt"]
    assert {r.parent for r in exp.runs.values()} == {None, (0,)}


def test_R2_bound_seed_reaches_the_bound_subtree_only() -> None:
    chain = Chain((Node("outer", "sequence", ("bound", "after")),
                   Node("bound", "binding", ("chain",), callbacks=("h",)),
                   Node("chain", "sequence", ("prompt", "llm")), Node("after", "lambda"),
                   *PROMPT_LLM), "outer")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation()))
    assert _scope(exp, "h") == ["chain", "llm", "prompt"]
    assert all(r.handlers["h"] == {Route("bound", "bound")} for r in exp.scope("h"))


def test_R3_constructor_seed_sees_only_the_model() -> None:
    chain = Chain((Node("chain", "sequence", ("prompt", "llm")), Node("prompt", "prompt"),
                   Node("llm", "chat_model", callbacks=("h",))), "chain")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation()))
    assert _scope(exp, "h") == ["llm"]


def test_R3_constructor_handler_of_a_tool_skips_its_callees() -> None:
    chain = Chain((Node("tool", "tool", ("child",), callbacks=("h",)),
                   Node("child", "lambda")), "tool")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation()))
    assert _scope(exp, "h") == ["tool"]


def test_R4_routes_unite_and_R13_tags_follow_them() -> None:
    chain = Chain((Node("seq", "sequence", ("b", "c"), tags=("own",), callbacks=("h2",)),
                   Node("b", "binding", ("x",), callbacks=("h2",), tags=("bound",)),
                   Node("x", "lambda"), Node("c", "lambda")), "seq")
    inv = Invocation(callbacks=("h1",), tags=("rt",))
    exp = expect(Scenario(chain, (HandlerSpec("h1"), HandlerSpec("h2")), inv))
    assert _scope(exp, "h1") == ["c", "seq", "x"]
    assert _scope(exp, "h2") == ["seq", "x"]
    tags = {r.label: r.tags for r in exp.runs.values()}
    assert tags == {"seq": {"own", "rt"}, "x": {"rt", "bound"}, "c": {"rt"}}


def test_R8_failed_step_stops_the_sequence_and_errors_ancestors() -> None:
    chain = Chain((Node("seq", "sequence", ("a", "b", "c")), Node("a", "lambda"),
                   Node("b", "lambda", fail=True), Node("c", "lambda")), "seq")
    exp = expect(Scenario(chain, (), Invocation()))
    outcomes = {r.label: r.ending for r in exp.runs.values()}
    assert outcomes == {"seq": "error", "a": "end", "b": "error"}
    assert exp.failures == ("b",)


def test_R8_in_a_stream_later_steps_may_have_started() -> None:
    chain = Chain((Node("seq", "sequence", ("a", "b", "c")), Node("a", "lambda"),
                   Node("b", "lambda", fail=True), Node("c", "lambda")), "seq")
    exp = expect(Scenario(chain, (), Invocation(mode="stream")))
    c = next(r for r in exp.runs.values() if r.label == "c")
    assert c.optional and c.ending == "any"


def test_R8_in_a_stream_earlier_steps_may_be_cut_short() -> None:
    chain = Chain((Node("seq", "sequence", ("pre", "b", "c")), Node("a", "lambda"),
                   Node("pre", "sequence", ("a", "a")),
                   Node("b", "lambda", fail=True), Node("c", "lambda")), "seq")
    streamed = {r.key: r.ending for r in expect(Scenario(chain, (), Invocation(mode="stream")))
                .runs.values()}
    assert streamed == {(0,): "error", (0, 0): "any", (0, 0, 0): "any", (0, 0, 1): "any",
                        (0, 1): "error", (0, 2): "any"}
    invoked = {r.label: r.ending for r in expect(Scenario(chain, (), Invocation())).runs.values()}
    assert invoked["pre"] == invoked["a"] == "end"


def test_R8_parallel_raises_the_first_failing_branch_and_siblings_end() -> None:
    chain = Chain((Node("par", "parallel", ("ok", "f1", "f2")), Node("ok", "lambda"),
                   Node("f1", "lambda", fail=True), Node("f2", "lambda", fail=True)), "par")
    exp = expect(Scenario(chain, (), Invocation()))
    assert exp.failures == ("f1",)
    assert {r.label: r.ending for r in exp.runs.values()}["ok"] == "end"


def test_R14_run_name_renames_the_root_only_and_batch_items_get_trees() -> None:
    chain = Chain((Node("seq", "sequence", ("a", "a")), Node("a", "lambda")), "seq")
    exp = expect(Scenario(chain, (), Invocation(mode="batch", inputs=("x", "y"),
                                                run_name="root")))
    assert exp.roots == ((0,), (1,))
    assert sorted(r.name for r in exp.runs.values()) == ["a", "a", "a", "a", "root", "root"]


def _names(chain: Chain, invocation: Invocation | None = None) -> dict[str, str]:
    """Each run's expected name, by label (each label runs once in these chains)."""
    scenario = Scenario(chain, (), invocation or Invocation())
    return {r.label: r.name for r in expect(scenario).runs.values()}


_INNER = (Node("fn", "lambda"), Node("a", "lambda"), Node("b", "lambda"),
          Node("ab", "sequence", ("a", "b")), Node("bind", "binding", ("ab",), run_name="inner"))


def test_R14_a_bound_run_name_names_the_bound_run_and_no_other() -> None:
    """``(a | b).with_config(run_name="inner")`` as a step: its sequence run is "inner", a and
    b keep their names, in every mode (langchain-core 1.8.3 and 0.2.43 do the same)."""
    chain = Chain((*_INNER, Node("seq", "sequence", ("fn", "bind"))), "seq")
    for mode in ("invoke", "batch", "stream", "ainvoke"):
        assert _names(chain, Invocation(mode=mode)) == {
            "seq": "seq", "fn": "fn", "ab": "inner", "a": "a", "b": "b"}
    exp = expect(Scenario(chain, (), Invocation()))
    assert exp.bound_names == {"inner"}
    assert {r.label: r.unnamed for r in exp.runs.values() if r.unnamed} == {"ab": "ab"}


def test_R14_the_run_name_given_nearest_the_caller_wins() -> None:
    """The invocation's run_name over a bound one (the binding at the root), an outer
    binding's over an inner one's; a binding without one keeps the inner one's."""
    root = Chain(_INNER, "bind")
    assert _names(root) == {"ab": "inner", "a": "a", "b": "b"}
    assert _names(root, Invocation(run_name="rt")) == {"ab": "rt", "a": "a", "b": "b"}
    outer = Chain((*_INNER, Node("outer", "binding", ("bind",), run_name="outer2")), "outer")
    assert _names(outer) == {"ab": "outer2", "a": "a", "b": "b"}
    plain = Chain((*_INNER, Node("outer", "binding", ("bind",), tags=("t",))), "outer")
    assert _names(plain) == {"ab": "inner", "a": "a", "b": "b"}
    # a bound name on a lambda; on a retry's target, each attempt (the retry keeps its name)
    assert _names(Chain((Node("f", "lambda"), Node("bf", "binding", ("f",), run_name="A")),
                        "bf")) == {"f": "A"}
    retry = Chain((Node("f", "lambda"), Node("bf", "binding", ("f",), run_name="A"),
                   Node("r", "retry", ("bf",))), "r")
    assert _names(retry) == {"r": "f", "f": "A"}


def test_R14_only_a_binding_binds_a_run_name() -> None:
    with pytest.raises(ModelError, match="only a binding binds a run_name"):
        Chain((Node("f", "lambda", run_name="x"),), "f")
    with pytest.raises(ModelError, match="only a binding binds a run_name"):
        Chain.from_json({"root": "b", "nodes": [
            {"label": "f", "kind": "lambda"},
            {"label": "b", "kind": "binding", "children": ["f"], "run_name": 3}]})
    node = Node("b", "binding", ("f",), run_name="n")
    assert Node.from_json(node.to_json()) == node
    assert "run_name" not in Node("c", "binding", ("f",)).to_json()


def test_R15_assign_mapper_output_is_unknown_when_a_branch_output_is() -> None:
    """A prompt's output given documents is not fixed by the model (how it renders them is the
    engine's), so neither is a branch built on it, nor the RunnableParallel inside the assign:
    the oracle must not expect None in its place (the reference was reported wrong-outputs on
    such a chain, a prompt given a string then, default profile, in-process)."""
    chain = Chain((Node("outer", "sequence", ("par", "assign")),
                   Node("par", "parallel", ("fn",)), Node("assign", "assign", ("seq",)),
                   Node("seq", "sequence", ("fn", "map")), Node("fn", "lambda", fanout=2),
                   Node("map", "map", ("docs",)),
                   Node("docs", "sequence", ("retriever", "prompt")),
                   Node("retriever", "retriever"), Node("prompt", "prompt")), "outer")
    exp = expect(Scenario(chain, (HandlerSpec("h"),),
                          Invocation(mode="astream", inputs=("input",), callbacks=("h",))))
    mapper = next(r for r in exp.runs.values() if r.name.startswith("RunnableParallel"))
    assert mapper.output is None
    assert next(r for r in exp.runs.values() if r.parent is None).output is None


def test_R15_a_prompt_given_a_string_returns_its_prompt_value() -> None:
    """A prompt node given a string makes one human message of it (the adapter protocol's
    convention), so its output, and what the parallel and map around it return, are fixed."""
    chain = Chain((Node("par", "parallel", ("prompt", "seq")), Node("prompt", "prompt"),
                   Node("seq", "sequence", ("fn", "map")), Node("fn", "lambda", fanout=2),
                   Node("map", "map", ("prompt",))), "par")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation(callbacks=("h",))))
    root = next(r for r in exp.runs.values() if r.parent is None)
    assert root.output == {"prompt": {"prompt": "Human: input"},
                           "seq": [{"prompt": "Human: fn:0"}, {"prompt": "Human: fn:1"}]}


def _retried(*before: str, mode: Mode = "batch", inputs: int = 2) -> Scenario:
    """``seq(*before, retry(flaky fn))`` (or the retry alone), invoked on ``inputs`` inputs."""
    nodes = [Node(label, "lambda") for label in before]
    nodes += [Node("fn", "lambda", flaky=True), Node("retry", "retry", ("fn",))]
    root = "retry"
    if before:
        nodes.append(Node("seq", "sequence", (*before, "retry")))
        root = "seq"
    return Scenario(Chain(tuple(nodes), root), (HandlerSpec("h1"),),
                    Invocation(mode, tuple(f"input{i}" for i in range(inputs)),
                               callbacks=("h1",)))


def test_R8_a_flaky_lambda_two_batch_items_reach_with_one_value_is_refused() -> None:
    """``seq(fnA, retry(flaky))`` batched: both items hand the flaky lambda 'fnA', and which of
    their four calls fail depends on the order of calls across the items, which the spec leaves
    to the engine (langchain-core's sequence batch runs item 1's first attempt between item 0's
    two, so item 0 fails twice). The oracle predicts nothing and says why, whatever
    max_concurrency; one item, or items reaching it with their own inputs, are predicted."""
    for limit in (None, 1):
        shared = _retried("fnA")
        shared = shared.with_invocation(max_concurrency=limit)
        with pytest.raises(ModelError, match=r"flaky lambda 'fn' is called with the input 'fnA' "
                                             r"by two retry runs .*order of calls"):
            expect(shared)
    for fine in (_retried("fnA", inputs=1), _retried(), _retried(mode="abatch", inputs=3)):
        exp = expect(fine)
        assert exp.failures == (None,) * len(fine.invocation.inputs)
        attempts = sorted(r.ending for r in exp.runs.values() if r.label == "fn")
        assert attempts == sorted(["end", "error"] * len(fine.invocation.inputs))


def test_R8_a_flaky_lambda_two_map_items_reach_with_one_value_is_refused() -> None:
    """Within one invoke too: the items of a map inside a map hand the inner map's retried
    lambda the same values ('fn:0', ...) at once."""
    nodes = (Node("split", "lambda", fanout=2), Node("fn", "lambda", fanout=2),
             Node("flaky", "lambda", flaky=True), Node("retry", "retry", ("flaky",)),
             Node("inner", "map", ("retry",)), Node("seq", "sequence", ("fn", "inner")),
             Node("outer", "map", ("seq",)), Node("root", "sequence", ("split", "outer")))
    scenario = Scenario(Chain(nodes, "root"), (), Invocation("invoke", ("input0",)))
    with pytest.raises(ModelError, match="'fn:0' by two retry runs"):
        expect(scenario)
