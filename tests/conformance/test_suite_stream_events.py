"""``astream_events`` against the callbacks of the same invocation (SPEC.md §8): the checker's
sub-check (conformance.stream_events) on a reference run, and on the same run's stream
events altered one way at a time."""

from __future__ import annotations

from dataclasses import replace

from conformance.adapters.reference import ReferenceAdapter
from conformance.checker import check
from conformance.harness import run_scenario
from conformance.model import Chain, HandlerSpec, Invocation, Node, Scenario
from conformance.observed import Observation, StreamEvent
from conformance.oracle import expect

CHAIN = Chain((Node("seq", "sequence", ("fn", "inner")), Node("fn", "lambda"),
               Node("inner", "sequence", ("model", "fail")), Node("model", "chat_model"),
               Node("fail", "lambda", fail=True)), "seq")
SCENARIO = Scenario(CHAIN, (HandlerSpec("h"),),
                    Invocation(mode="astream_events", callbacks=("h",)))


def _run() -> Observation:
    return run_scenario(ReferenceAdapter(), SCENARIO)


def _with_stream(observation: Observation, stream: list[StreamEvent]) -> Observation:
    outcome = replace(observation.outcomes[0], stream_events=tuple(stream))
    return replace(observation, outcomes=(outcome,))


def _found(observation: Observation) -> set[tuple[str | None, str, str | None]]:
    return {(v.rule, v.kind, v.run) for v in check(SCENARIO, expect(SCENARIO), observation)}


def test_R6_reference_stream_events_agree_with_its_callbacks() -> None:
    observation = _run()
    stream = observation.outcomes[0].stream_events
    assert stream is not None and any(e.event == "on_chat_model_start" for e in stream)
    assert _found(observation) == set()


def test_R6_each_disagreement_is_named_with_its_rule() -> None:
    observation = _run()
    stream = list(observation.outcomes[0].stream_events or ())
    by_name = {e.name: e for e in stream if e.event.endswith("_start")}
    model = by_name["model"]
    altered = {
        ("R1", "stream-missing-run", "fn"): [e for e in stream if e.name != "fn"],
        ("R6", "stream-wrong-name", "model"): [
            replace(e, name="other") if e is model else e for e in stream],
        ("R6", "stream-wrong-type", "model"): [
            replace(e, event="on_chain_start") if e is model else e for e in stream],
        ("R6", "stream-wrong-parent-ids", "model"): [
            replace(e, parent_ids=e.parent_ids[::-1]) if e is model else e for e in stream],
        ("R7", "stream-start-before-parent", "model"): [
            model, *(e for e in stream if e is not model)],
        ("R7", "stream-missing-end", "model"): [
            e for e in stream if not (e.run_id == model.run_id and e.event.endswith("_end"))],
        ("R8", "stream-end-of-failed-run", "inner"): [
            *stream, StreamEvent("on_chain_end", by_name["inner"].run_id, "inner")],
    }
    for want, events in altered.items():
        assert want in _found(_with_stream(observation, events)), want
    gone = _with_stream(observation, [])
    gone = replace(gone, outcomes=(replace(gone.outcomes[0], stream_events=None),))
    assert (None, "no-stream-events", None) in _found(gone)


def test_R6_a_prompt_or_parser_run_may_say_its_own_type_and_no_other_run_may() -> None:
    chain = Chain((Node("seq", "sequence", ("prompt", "model", "parser")),
                   Node("prompt", "prompt"), Node("model", "chat_model"),
                   Node("parser", "parser")), "seq")
    scenario = Scenario(chain, (HandlerSpec("h"),),
                        Invocation(mode="astream_events", callbacks=("h",)))
    observation = run_scenario(ReferenceAdapter(), scenario)
    stream = list(observation.outcomes[0].stream_events or ())
    starts = {e.name: e for e in stream if e.event.endswith("_start")}
    assert starts["prompt"].event == "on_prompt_start"
    assert starts["parser"].event == "on_parser_start"

    def found(events: list[StreamEvent]) -> set[tuple[str | None, str, str | None]]:
        altered = _with_stream(observation, events)
        return {(v.rule, v.kind, v.run) for v in check(scenario, expect(scenario), altered)}

    assert found(stream) == set()
    as_chains = [replace(e, event=e.event.replace("prompt", "chain").replace("parser", "chain"))
                 for e in stream]
    assert found(as_chains) == set()
    swapped = [replace(e, event="on_parser_start") if e is starts["prompt"] else
               replace(e, event="on_prompt_start") if e is starts["seq"] else e for e in stream]
    assert found(swapped) == {("R6", "stream-wrong-type", "prompt"),
                              ("R6", "stream-wrong-type", "seq")}
