"""R15: what each handler call carries — the handler interface.

The scope rules say which runs a handler sees; this module checks that what it sees is usable by
handler code written against the callback API (the seeds' ``LoggingHandler`` is the model): the
run goes through the methods of its run type, the start call names the run in ``serialized`` and
in the ``name`` keyword, and inputs, outputs, errors and tokens are the ones that flowed.
Fields an adapter does not report (:data:`~conformance.events.NOT_REPORTED`) are not judged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Final

from .events import NOT_REPORTED, TERMINAL, Event
from .oracle import ExpectedRun, prompt_text
from .violations import Violation

__all__ = ["START_METHOD", "check_changed", "check_interface", "method_fits", "start_payload",
           "terminal_method"]

#: The start method of each run type. A chat model may start through ``on_llm_start`` only for a
#: handler that does not implement ``on_chat_model_start`` (the recording handlers all do).
START_METHOD: Final = {
    "chain": "on_chain_start",
    "chat_model": "on_chat_model_start",
    "llm": "on_llm_start",
    "tool": "on_tool_start",
    "retriever": "on_retriever_start",
}
_FAMILY: Final = {"chain": "chain", "chat_model": "llm", "llm": "llm", "tool": "tool",
                  "retriever": "retriever"}
_STREAMING_TYPES: Final = frozenset({"chat_model", "llm"})


def terminal_method(run_type: str, kind: str) -> str:
    """``on_chain_end``, ``on_llm_error``, ...: the method for ``kind`` of a ``run_type`` run."""
    return f"on_{_FAMILY[run_type]}_{kind}"


def method_fits(run_type: str, method: str) -> bool:
    """Whether a ``run_type`` run's events may come through ``method`` (a chat model's and an
    LLM's terminals and tokens share the ``on_llm_*`` methods)."""
    return method.startswith(f"on_{_FAMILY[run_type]}_")


def start_payload(run_type: str, value: Any) -> Any:
    """What a start call carries for input ``value`` (None where that is not fixed)."""
    if value is None:
        return None
    if run_type == "chain":
        return value
    if not isinstance(value, str):
        # A prompt node's prompt value: its messages for a chat model, its text for an LLM.
        text = prompt_text(value)
        if text is None or run_type not in ("chat_model", "llm"):
            return None
        return [[{"type": "human", "content": text}]] if run_type == "chat_model" \
            else [value["prompt"]]
    if run_type == "chat_model":
        return [[{"type": "human", "content": value}]]
    if run_type == "llm":
        return [value]
    return value  # a tool's input string, a retriever's query


def _describe_error(payload: Any) -> str:
    if isinstance(payload, dict) and "label" in payload:
        copy = "" if payload.get("original") else "a copy of "
        return f"{copy}the exception of {payload['label']!r}"
    if isinstance(payload, dict) and "type" in payload:
        return f"a {payload['type']}"
    return repr(payload)


def check_interface(exp: ExpectedRun, handler: str, events: Sequence[Event],
                    streaming: bool, config_names: Collection[str] = (),
                    streamed: bool = False, starts: Sequence[Event] | None = None,
                    ends: Sequence[Event] | None = None) -> list[Violation]:
    """R15 violations in one handler's events of one run (``exp``). A start named by one of
    ``config_names`` (the run names a config gave: the invocation's, the bound ones) other than
    the run's is R14's to judge (one reached a run it should not, or the wrong one won), not
    R15's, and so is the start of a run a run_name names that carries its object's name (the
    run_name did not rename it).
    ``streamed``: the run is a model the stream carries, which must emit tokens
    (:func:`~conformance.oracle.streamed_models`). ``starts`` and ``ends``: the start and the
    terminal events among ``events``, where the caller has them already."""
    out: list[Violation] = []

    def bad(kind: str, message: str, method: str | None = None) -> None:
        out.append(Violation("R15", message, handler, exp.label, kind,
                             (("method", method),) if method else ()))

    for ev in events:
        if ev.method is NOT_REPORTED:
            continue
        if ev.kind == "start" and ev.method != START_METHOD[exp.run_type]:
            bad("wrong-start-method", f"its start came through {ev.method}, expected "
                f"{START_METHOD[exp.run_type]} for a {exp.run_type} run", ev.method)
        elif ev.kind in TERMINAL and ev.method != terminal_method(exp.run_type, ev.kind):
            bad(f"wrong-{ev.kind}-method", f"its {ev.kind} came through {ev.method}, expected "
                f"{terminal_method(exp.run_type, ev.kind)} for a {exp.run_type} run", ev.method)
        elif ev.kind == "token" and exp.run_type not in _STREAMING_TYPES:
            bad("token-outside-model", f"received a token ({ev.method}) for a {exp.run_type} "
                "run", ev.method)
    if starts is None:
        starts = [e for e in events if e.kind == "start"]
    if starts:
        _check_start(exp, starts[0], streaming, bad, config_names)
    if ends is None:
        ends = [e for e in events if e.kind in TERMINAL]
    if len(ends) == 1 and ends[0].payload is not NOT_REPORTED:
        _check_terminal(exp, ends[0], bad, handler, out)
    tokens = [e.payload for e in events if e.kind == "token" and e.payload is not NOT_REPORTED]
    if len(starts) > 1:
        tokens = []  # every event delivered twice is R5's to report, tokens included
    # The reply: a chat model's message content, a (non-chat) LLM's text.
    content = exp.output.get("content") if isinstance(exp.output, dict) else exp.output
    if streamed and len(starts) == 1 and not any(e.kind == "token" for e in events):
        bad("streamed-without-tokens", "a model the stream carries ended without a single "
            "token event: it was called whole (invoke), not streamed (SPEC.md R15.4)")
    if tokens and exp.run_type in _STREAMING_TYPES and exp.ending == "end" \
            and isinstance(content, str):
        text = "".join(t if isinstance(t, str) else repr(t) for t in tokens)
        if text != content:
            bad("tokens-do-not-add-up", f"its {len(tokens)} token(s) add up to {text!r}, not "
                f"to the model's output {content!r} (every token once, in order)")
    return out


def _check_start(exp: ExpectedRun, start: Event, streaming: bool, bad: Any,
                 config_names: Collection[str] = ()) -> None:
    def leaked(name: object) -> bool:
        """Whether ``name``, not the run's, is a run_name on another run or the name of a run
        it did not rename: R14's (asked only of a name that differs, which is rare)."""
        return name is not None and (name in config_names or name == exp.unnamed)

    if start.serialized is None:
        bad("serialized-none", "its start received serialized=None: a handler that reads "
            "serialized.get('name') (as the seeds' LoggingHandler does) raises")
    elif start.serialized is not NOT_REPORTED:
        serialized_name = dict(start.serialized).get("name")
        if serialized_name != exp.name and not leaked(serialized_name):
            bad("serialized-name", f"its start received serialized['name'] = "
                f"{serialized_name!r}, expected {exp.name!r}")
    if start.name_kw is not NOT_REPORTED and start.name_kw != exp.name \
            and not leaked(start.name_kw):
        bad("name-keyword-none" if start.name_kw is None else "name-keyword",
            f"its start received name={start.name_kw!r}, expected {exp.name!r}")
    # In stream modes a pipelined step starts before its input is complete: not judged. A root
    # is given its whole input by the call, so it is.
    want = None if streaming and exp.parent is not None \
        else start_payload(exp.run_type, exp.input)
    if want is not None and start.payload is not NOT_REPORTED and start.payload != want:
        bad("wrong-inputs", f"its start received inputs {start.payload!r}, but the run's "
            f"input was {want!r}")


def _check_terminal(exp: ExpectedRun, end: Event, bad: Any, handler: str,
                    out: list[Violation]) -> None:
    if end.kind == "end" and exp.ending == "end" and exp.output is not None:
        if end.payload != exp.output:
            bad("wrong-outputs", f"its end received outputs {end.payload!r}, but the run "
                f"returned {exp.output!r}")
    elif end.kind == "error" and exp.ending == "error" and exp.error is not None:
        payload = end.payload
        if not (isinstance(payload, dict) and payload.get("label") == exp.error
                and payload.get("original")):
            copied = isinstance(payload, dict) and payload.get("label") == exp.error
            delivered = payload.get("type", "injected") if isinstance(payload, dict) else "?"
            # The label of the injected failure delivered instead: annotate() turns it into
            # ``delivered_in``, the kind of the node that failure comes out of.
            label = payload.get("label") if isinstance(payload, dict) else None
            by = (("delivered_by", label),) if isinstance(label, str) else ()
            out.append(Violation(
                "R15", f"its error received {_describe_error(payload)}, expected the exception "
                       f"raised by {exp.error!r} itself", handler, exp.label,
                "copied-exception" if copied else "wrong-exception",
                (("delivered", str(delivered)), *by)))


def check_changed(changed: Iterable[tuple[Event, Any]], key_of: Mapping[str, Any],
                  runs: Mapping[Any, ExpectedRun]) -> list[Violation]:
    """R15: a start's inputs and an end's outputs are what the run received and returned when
    the call is made, and stay so: an engine that changes the object afterwards (adds a
    step's keys to the dict it delivered, say) makes a handler that keeps it, as tracers that
    serialise later do, record what it became. One violation per handler, run and event kind."""
    out: list[Violation] = []
    seen: set[tuple[str, str, str]] = set()
    for ev, now in changed:
        key = key_of.get(ev.run_id)
        label = runs[key].label if key is not None else ev.name
        if (ev.handler, str(label), ev.kind) in seen:
            continue
        seen.add((ev.handler, str(label), ev.kind))
        what = "inputs" if ev.kind == "start" else "outputs"
        out.append(Violation(
            "R15", f"its {ev.kind} delivered {what} {ev.payload!r}, and the same object read "
                   f"{now!r} once the call was over: the engine changed it after the call, so a "
                   "handler that keeps it (as tracers do) records what it became",
            ev.handler, label, "payload-changed-after-delivery"))
    return out
