"""R15 on hand-made cases: what each handler call must carry, for the payloads of every node kind.

Each test runs one small scenario through the reference engine (which must pass) and checks the
interface checker on events distorted the way a broken engine would deliver them (which must be
reported, under R15 and the kind that says what is wrong)."""

from __future__ import annotations

import uuid
from dataclasses import replace

from conformance.adapters.reference import ReferenceAdapter
from conformance.events import Event
from conformance.interface import check_interface
from conformance.model import Chain, HandlerSpec, Invocation, Node, Scenario
from conformance.oracle import expect, streamed_models
from conformance.properties import evaluate


def _scenario(*nodes: Node, mode: str = "invoke") -> Scenario:
    return Scenario(Chain(nodes, nodes[0].label), (HandlerSpec("h"),),
                    Invocation(mode=mode, callbacks=("h",)))  # type: ignore[arg-type]


def _kinds(scenario: Scenario, label: str, events: list[Event]) -> list[str]:
    """The R15 kinds ``check_interface`` reports for ``events`` of the run of ``label``."""
    exp = next(r for r in expect(scenario).runs.values() if r.label == label)
    streaming = scenario.invocation.mode in ("stream", "astream")
    return [v.kind for v in check_interface(exp, "h", events, streaming)]


def _run(label: str, run_type: str, start: tuple[str, object], end: tuple[str, object],
         tokens: list[str] = ()) -> list[Event]:  # type: ignore[assignment]
    """One run's events as a handler receives them: start, tokens, end."""
    rid = str(uuid.uuid4())
    base = Event(0, "h", "start", rid, None, run_type, label, (), (), start[0], label,
                 (("name", label),), start[1])
    out = [base]
    out += [replace(base, seq=i + 1, kind="token", method="on_llm_new_token", payload=t)
            for i, t in enumerate(tokens)]
    out.append(replace(base, seq=len(out), kind="end", method=end[0], payload=end[1]))
    return out


def test_R15_a_streamed_llms_tokens_add_up_to_its_reply() -> None:
    """A non-chat LLM's tokens are judged like a chat model's: every token once, in order."""
    scenario = _scenario(Node("sllm", "streaming_llm"), mode="stream")
    assert not evaluate("R15", ReferenceAdapter(), scenario)
    reply = "sllm says hi"
    start = ("on_llm_start", ["input"])
    end = ("on_llm_end", reply)
    assert _kinds(scenario, "sllm", _run("sllm", "llm", start, end, list(reply))) == []
    assert _kinds(scenario, "sllm", _run("sllm", "llm", start, end, list(reply)[1:])) == [
        "tokens-do-not-add-up"]
    assert _kinds(scenario, "sllm", _run("sllm", "llm", start, end, list(reply) * 2)) == [
        "tokens-do-not-add-up"]


def test_R15_a_prompt_ends_with_its_prompt_value_and_a_model_starts_with_its_messages() -> None:
    """A prompt given a string returns a prompt value of one human message; the chat model it
    feeds starts with that message, an LLM with its text, a lambda with the value itself."""
    seq = Node("seq", "sequence", ("prompt", "model"))
    scenario = _scenario(seq, Node("prompt", "prompt"), Node("model", "chat_model"))
    assert not evaluate("R15", ReferenceAdapter(), scenario)
    value = {"prompt": "Human: input"}
    prompt_end = ("on_chain_end", value)
    assert _kinds(scenario, "prompt", _run("prompt", "chain", ("on_chain_start", "input"),
                                           prompt_end)) == []
    assert _kinds(scenario, "prompt", _run("prompt", "chain", ("on_chain_start", "input"),
                                           ("on_chain_end", "input"))) == ["wrong-outputs"]
    reply = ("on_llm_end", {"type": "ai", "content": "model says hi"})
    messages = [[{"type": "human", "content": "input"}]]
    assert _kinds(scenario, "model", _run("model", "chat_model",
                                          ("on_chat_model_start", messages), reply)) == []
    rendered = [[{"type": "human", "content": "Human: input"}]]
    assert _kinds(scenario, "model", _run("model", "chat_model",
                                          ("on_chat_model_start", rendered), reply)) == [
        "wrong-inputs"]
    for kind, start in (("llm", ("on_llm_start", ["Human: input"])),
                        ("lambda", ("on_chain_start", value))):
        other = _scenario(replace(seq, children=("prompt", "next")), Node("prompt", "prompt"),
                          Node("next", kind))  # type: ignore[arg-type]
        assert not evaluate("R15", ReferenceAdapter(), other)
        run_type = "llm" if kind == "llm" else "chain"
        end = ("on_llm_end" if kind == "llm" else "on_chain_end",
               "next says hi" if kind == "llm" else "next")
        assert _kinds(other, "next", _run("next", run_type, start, end)) == []
        assert _kinds(other, "next", _run("next", run_type, (start[0], "input"), end)) == [
            "wrong-inputs"]


def test_R15_in_a_stream_the_roots_start_carries_its_whole_input() -> None:
    """A pipelined step may start before its input is complete, so its inputs are not judged
    in stream modes; the root is given its whole input by the call, so its are."""
    seq = Node("seq", "sequence", ("a", "b"))
    scenario = _scenario(seq, Node("a", "lambda"), Node("b", "lambda"), mode="stream")
    assert not evaluate("R15", ReferenceAdapter(), scenario)
    end = ("on_chain_end", "b")
    assert _kinds(scenario, "seq", _run("seq", "chain", ("on_chain_start", "input"), end)) == []
    assert _kinds(scenario, "seq", _run("seq", "chain", ("on_chain_start", {"input": ""}),
                                        end)) == ["wrong-inputs"]
    step = ("on_chain_start", {"input": ""})  # a pipelined step: not judged
    assert _kinds(scenario, "b", _run("b", "chain", step, ("on_chain_end", "b"))) == []


def test_R15_a_payload_the_engine_changes_after_the_call_is_R15() -> None:
    """The sink keeps the objects a start and an end delivered (not strings: they cannot
    change) and tells which read otherwise once the call is over; each is an R15 violation of
    its handler and run."""
    from conformance.events import EventSink
    from conformance.interface import check_changed

    sink = EventSink()
    rid = str(uuid.uuid4())
    inputs = {"fn2": "fn2"}
    sink.record("h", "start", run_id=rid, run_type="chain", name="assign1",
                method="on_chain_start", serialized={"name": "assign1"},
                payload={"fn2": "fn2"}, received=inputs)
    sink.record("h", "end", run_id=rid, run_type="chain", method="on_chain_end",
                payload="out", received="out")
    assert sink.changed_payloads() == []
    inputs["fn3"] = "fn3"  # what an engine adding a step's keys in place does
    changed = sink.changed_payloads()
    assert [(ev.kind, now) for ev, now in changed] == [("start", {"fn2": "fn2", "fn3": "fn3"})]
    found = check_changed(changed, {rid: (0,)}, {(0,): _expected("assign1")})
    assert [(v.rule, v.kind, v.handler, v.run) for v in found] == [
        ("R15", "payload-changed-after-delivery", "h", "assign1")]


def _expected(label: str) -> object:
    scenario = _scenario(Node(label, "lambda"))
    return next(iter(expect(scenario).runs.values()))


def test_R15_a_model_the_stream_carries_must_emit_tokens() -> None:
    """SPEC.md R15.4: in a stream, a chat model at the root or a step of a streamed sequence
    (through bindings) must give tokens; one called whole gives none."""
    seq = Node("seq", "sequence", ("prompt", "bind"))
    nodes = (seq, Node("prompt", "prompt"), Node("bind", "binding", ("model",)),
             Node("model", "chat_model"))
    for mode in ("stream", "astream", "astream_events"):
        streamed = _scenario(*nodes, mode=mode)
        exp = expect(streamed)
        assert {exp.runs[k].label for k in streamed_models(streamed, exp)} == {"model"}
    invoked = _scenario(*nodes)
    assert streamed_models(invoked, expect(invoked)) == frozenset()
    scenario = _scenario(Node("model", "chat_model"), mode="stream")
    exp = next(iter(expect(scenario).runs.values()))
    reply = ("on_llm_end", {"type": "ai", "content": "model says hi"})
    messages = [[{"type": "human", "content": "input"}]]
    whole = _run("model", "chat_model", ("on_chat_model_start", messages), reply)
    assert [v.kind for v in check_interface(exp, "h", whole, True, streamed=True)] == [
        "streamed-without-tokens"]
    assert check_interface(exp, "h", whole, True, streamed=False) == []


def test_R15_models_the_stream_does_not_carry_are_not_judged_on_tokens() -> None:
    """Inside a function, a parallel, a retry, a fallback or a map a model may be invoked
    whole; a failing model, or one after a failing step, and a non-chat LLM may give no
    token."""
    cases = [
        (Node("dyn", "dynamic", ("model",)), Node("model", "chat_model")),
        (Node("par", "parallel", ("model", "fn")), Node("model", "chat_model"),
         Node("fn", "lambda")),
        (Node("fb", "fallbacks", ("model", "fn")), Node("model", "chat_model"),
         Node("fn", "lambda")),
        (Node("seq", "sequence", ("fn", "model")), Node("fn", "lambda", fail=True),
         Node("model", "chat_model")),
        (Node("model", "chat_model", fail=True),),
        (Node("llm", "llm"),),
        (Node("sllm", "streaming_llm"),),
    ]
    for nodes in cases:
        scenario = _scenario(*nodes, mode="stream")
        assert streamed_models(scenario, expect(scenario)) == frozenset(), nodes
