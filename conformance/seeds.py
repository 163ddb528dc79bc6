"""The three seed how-to pages as conformance cases, for any adapter.

Each seed page registers one ``LoggingHandler`` on ``prompt | chat_model`` through one route
(``with_config`` on the chain, ``config={"callbacks": ...}`` at run time, the chat model's
constructor) and shows the lines that handler prints. Here the same chain is built through the
adapter (the hosted model replaced by the adapter's fake chat model, objects named as on the
page), the handler's four methods are replayed over the events the recording handler received,
and the printed lines are compared with the page's.

The replay follows the seed's handler code exactly: ``on_chat_model_start`` prints "Chat model
started", ``on_llm_end`` "Chat model ended, response: ...", ``on_chain_start`` prints
``f"Chain {serialized.get('name')} started"`` (so a start with ``serialized=None`` raises inside
the handler and prints nothing), ``on_chain_end`` "Chain ended, outputs: ...". Lines whose text
comes from the hosted model are compared by their fixed prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from .events import NOT_REPORTED, Event
from .model import Chain, HandlerSpec, Invocation, Mode, Node, Scenario
from .violations import Violation

__all__ = ["SEEDS", "Seed", "expected_lines", "printed_lines", "seed_scenario", "seed_violations"]

Route = Literal["bound", "runtime", "constructor"]

#: The handler every seed registers.
HANDLER: Final = "h1"
SEQUENCE: Final = "RunnableSequence"
PROMPT: Final = "ChatPromptTemplate"
MODEL: Final = "ChatModel"
BINDING: Final = "RunnableBinding"


@dataclass(frozen=True)
class Seed:
    """One seed page: where its handler is registered, and what the page says it prints."""

    id: str
    page: str
    route: Route
    #: The page's printed lines: ("exact", text) or ("prefix", text).
    lines: tuple[tuple[str, str], ...]


_FULL_CHAIN: Final = (
    ("exact", f"Chain {SEQUENCE} started"),
    ("exact", f"Chain {PROMPT} started"),
    ("prefix", "Chain ended, outputs: "),
    ("exact", "Chat model started"),
    ("prefix", "Chat model ended, response: "),
    ("prefix", "Chain ended, outputs: "),
)
_MODEL_ONLY: Final = (
    ("exact", "Chat model started"),
    ("prefix", "Chat model ended, response: "),
)

SEEDS: Final[tuple[Seed, ...]] = (
    Seed("with_config", "How to attach callbacks to a runnable", "bound", _FULL_CHAIN),
    Seed("runtime", "How to pass callbacks in at runtime", "runtime", _FULL_CHAIN),
    Seed("constructor", "How to propagate callbacks constructor", "constructor", _MODEL_ONLY),
)


def seed_scenario(seed: Seed, mode: Mode = "invoke") -> Scenario:
    """``prompt | chat_model`` with the seed's handler registered through the seed's route."""
    on_model = (HANDLER,) if seed.route == "constructor" else ()
    nodes = [
        Node(PROMPT, "prompt"),
        Node(MODEL, "chat_model", callbacks=on_model),
        Node(SEQUENCE, "sequence", children=(PROMPT, MODEL)),
    ]
    root = SEQUENCE
    if seed.route == "bound":
        nodes.append(Node(BINDING, "binding", children=(SEQUENCE,), callbacks=(HANDLER,)))
        root = BINDING
    runtime = (HANDLER,) if seed.route == "runtime" else ()
    return Scenario(Chain(tuple(nodes), root), (HandlerSpec(HANDLER),),
                    Invocation(mode=mode, callbacks=runtime))


def _method(event: Event) -> str:
    """The handler method the engine called (from the run type when the adapter did not say)."""
    if isinstance(event.method, str):
        return event.method
    family = "llm" if event.run_type == "llm" else event.run_type
    if event.kind == "start" and family == "chat_model":
        return "on_chat_model_start"
    family = "llm" if family == "chat_model" else family
    return f"on_{family}_{event.kind}"


def printed_lines(events: Iterable[Event], handler: str = HANDLER) -> list[str]:
    """What the seeds' ``LoggingHandler`` prints for ``handler``'s events, in delivery order."""
    lines = []
    for event in sorted((e for e in events if e.handler == handler), key=lambda e: e.seq):
        method = _method(event)
        if method == "on_chat_model_start":
            lines.append("Chat model started")
        elif method == "on_llm_end":
            lines.append(f"Chat model ended, response: {_text(event.payload)}")
        elif method == "on_chain_start":
            serialized = event.serialized
            if serialized is None:
                continue  # ``None.get('name')`` raises inside the handler: nothing printed
            name = dict(serialized).get("name") if serialized is not NOT_REPORTED else event.name
            lines.append(f"Chain {name} started")
        elif method == "on_chain_end":
            lines.append(f"Chain ended, outputs: {_text(event.payload)}")
    return lines


def _text(payload: object) -> str:
    return "" if payload is NOT_REPORTED else str(payload)


def expected_lines(seed: Seed) -> tuple[tuple[str, str], ...]:
    """The page's lines, as ("exact" | "prefix", text)."""
    return seed.lines


def _matches(line: str, want: tuple[str, str]) -> bool:
    how, text = want
    return line == text if how == "exact" else line.startswith(text)


def differs(seed: Seed, printed: Sequence[str]) -> bool:
    """Whether ``printed`` differs from the page's lines."""
    want = expected_lines(seed)
    return len(printed) != len(want) or not all(map(_matches, printed, want))


def seed_violations(seed: Seed, mode: Mode, events: Iterable[Event]) -> list[Violation]:
    """One R15 ``seed-lines-differ`` violation when the printed lines differ from the page's."""
    events = list(events)
    printed = printed_lines(events)
    if not differs(seed, printed):
        return []
    silent = [e.name or "?" for e in events if e.handler == HANDLER and e.kind == "start"
              and _method(e) == "on_chain_start" and e.serialized is None]
    shown = "\n".join(f"      {'=' if how == 'exact' else '^'} {text}"
                      for how, text in expected_lines(seed))
    got = "\n".join(f"      {line[:100]}" for line in printed) or "      (nothing)"
    message = (f"the seed page {seed.page!r} ({seed.route} handler, {mode}) prints other lines "
               f"than the page shows.\n    the page (= exact, ^ prefix):\n{shown}\n"
               f"    printed here:\n{got}")
    if silent:
        message += ("\n    (on_chain_start got serialized=None for " + ", ".join(silent)
                    + ": the seed's handler raises on serialized.get('name') and prints nothing)")
    return [Violation("R15", message, HANDLER, None, kind="seed-lines-differ",
                      facts=(("mode", mode), ("seed", seed.id)))]
