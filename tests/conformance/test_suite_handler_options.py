"""SPEC.md §1 and §8's handler options in the model, oracle, checker and reproductions:
``ignore_*`` flags, ``run_inline``, and a callback manager's local handlers."""

from __future__ import annotations

import contextlib
import io

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.checker import check
from conformance.harness import run_scenario
from conformance.model import Chain, HandlerSpec, Invocation, ModelError, Node, Scenario
from conformance.oracle import Expectation, Route, expect
from conformance.render import render_code, render_tree

SEQ = (Node("seq", "sequence", ("fn", "model", "tool")), Node("fn", "lambda"),
       Node("model", "chat_model"), Node("tool", "tool", ("inner",)), Node("inner", "lambda"))


def _scope(exp: Expectation, handler: str) -> list[str]:
    return sorted(r.label for r in exp.scope(handler))


@pytest.mark.parametrize("flags, sees", [
    (("chain",), ["model", "tool"]),
    (("llm",), ["fn", "inner", "seq", "tool"]),
    (("chat_model",), ["fn", "inner", "seq", "tool"]),
    (("agent",), ["fn", "inner", "model", "seq"]),
    (("retriever",), ["fn", "inner", "model", "seq", "tool"]),
    (("chain", "agent"), ["model"]),
])
def test_R1_ignore_flags_silence_whole_runs_of_their_type(flags: tuple[str, ...],
                                                          sees: list[str]) -> None:
    """Per run, not per subtree: the lambda inside an ignored tool still reaches the handler."""
    handler = HandlerSpec("h", ignore=flags)  # type: ignore[arg-type]
    scenario = Scenario(Chain(SEQ, "seq"), (handler,), Invocation(callbacks=("h",)))
    exp = expect(scenario)
    assert _scope(exp, "h") == sees
    assert sorted(r.label for r in exp.runs.values() if "h" in r.ignoring) == sorted(
        {"fn", "inner", "model", "seq", "tool"} - set(sees))


def test_R2_local_bound_handler_reaches_the_target_run_only() -> None:
    chain = Chain((Node("outer", "binding", ("bound",), callbacks=("h2",)),
                   Node("bound", "binding", ("seq",), callbacks=("h1", "h2"),
                        callbacks_as_manager=True, local=("h1",)), *SEQ), "outer")
    exp = expect(Scenario(chain, (HandlerSpec("h1"), HandlerSpec("h2")), Invocation()))
    assert _scope(exp, "h1") == ["seq"]
    assert exp.runs[(0,)].handlers["h1"] == {Route("bound", "bound")}
    assert _scope(exp, "h2") == ["fn", "inner", "model", "seq", "tool"]


def test_R1_local_runtime_handler_reaches_each_root_only() -> None:
    inv = Invocation(mode="batch", inputs=("a", "b"), callbacks=("h1", "h2"),
                     callbacks_as_manager=True, local=("h1",))
    exp = expect(Scenario(Chain(SEQ, "seq"), (HandlerSpec("h1"), HandlerSpec("h2")), inv))
    assert [r.key for r in exp.scope("h1")] == [(0,), (1,)]
    assert len(exp.scope("h2")) == 2 * len(SEQ)


def test_R3_local_constructor_handler_has_the_constructor_scope() -> None:
    chain = Chain((Node("tool", "tool", ("inner",), callbacks=("h",), callbacks_as_manager=True,
                        local=("h",)), Node("inner", "lambda")), "tool")
    exp = expect(Scenario(chain, (HandlerSpec("h"),), Invocation()))
    assert _scope(exp, "h") == ["tool"]


def test_model_round_trips_and_rejects_local_handlers_without_a_manager() -> None:
    chain = Chain((Node("b", "binding", ("fn",), callbacks=("h",), callbacks_as_manager=True,
                        local=("h",)), Node("fn", "lambda")), "b")
    scenario = Scenario(chain, (HandlerSpec("h", ignore=("chain", "agent"), run_inline=True),),
                        Invocation(callbacks=("h",), callbacks_as_manager=True, local=("h",)))
    assert Scenario.from_json(scenario.to_json()) == scenario
    with pytest.raises(ModelError, match="callbacks_as_manager"):
        Chain((Node("b", "binding", ("fn",), callbacks=("h",), local=("h",)),
               Node("fn", "lambda")), "b")
    with pytest.raises(ModelError, match="ignore flags"):
        HandlerSpec.from_json({"id": "h", "ignore": ["tool"]})


def test_checker_names_the_route_rule_when_an_ignored_run_is_received() -> None:
    """The reference honours the flags; the same events judged for a handler that should
    have ignored chain runs break R1 as ``ignored-run-received``."""
    plain = Scenario(Chain(SEQ, "seq"), (HandlerSpec("h"),), Invocation(callbacks=("h",)))
    observation = run_scenario(ReferenceAdapter(), plain)
    ignoring = Scenario(plain.chain, (HandlerSpec("h", ignore=("chain",)),), plain.invocation)
    found = check(ignoring, expect(ignoring), observation)
    assert {(v.rule, v.kind, v.run) for v in found} == {
        ("R1", "ignored-run-received", label) for label in ("seq", "fn", "inner")}
    assert all(dict(v.facts)["ignore"] == "chain" for v in found)


def test_reproduction_sets_the_options_and_runs() -> None:
    chain = Chain((Node("b", "binding", ("seq",), callbacks=("h1", "h2"),
                        callbacks_as_manager=True, local=("h1",)), *SEQ), "b")
    scenario = Scenario(chain, (HandlerSpec("h1", ignore=("chat_model",)),
                                HandlerSpec("h2", run_inline=True)),
                        Invocation(mode="ainvoke", callbacks=("h2",), callbacks_as_manager=True,
                                   local=("h2",)))
    tree = render_tree(scenario)
    assert "as CallbackManager (h1 local)" in tree
    assert "h1 sets ignore_chat_model; h2 sets run_inline" in tree
    code = render_code(scenario, "reference")
    assert "with_options(Printer, ignore_chat_model=True)('h1')" in code
    assert "manager_of([h1, h2], local=[h1])" in code
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "reproduction", "exec"), {})
    lines = out.getvalue().splitlines()
    assert [ln.split()[:3] for ln in lines if ln.startswith("h1")] == [
        ["h1", "chain", "start"], ["h1", "chain", "end"]]
    # bound (inheritable): the whole subtree; at run time (local) the root again, delivered once
    assert sum(ln.startswith("h2 ") for ln in lines) == 2 * 5


def test_a_harness_is_tested_on_the_later_options_and_modes_only_when_it_declares_them() -> None:
    """Protocol 1 harnesses predate them: left out, the options and the modes SPEC.md §8 added
    are taken as missing (not applicable), declared they are drawn; the Python harness declares
    what the reference has but astream_events, whose stream events protocol 1 cannot return."""
    from conformance.adapters.harness import capabilities_from_json
    from conformance.harnesses.python import capabilities_to_json
    from conformance.model import EXTRA_MODES

    old = capabilities_from_json({})
    assert not old.ignore_flags and not old.run_inline and not old.local_handlers
    assert not old.modes & EXTRA_MODES
    declared = capabilities_from_json(capabilities_to_json(ReferenceAdapter().capabilities))
    assert declared.ignore_flags and declared.run_inline and declared.local_handlers
    assert declared.modes & EXTRA_MODES == {"batch_as_completed", "abatch_as_completed"}
