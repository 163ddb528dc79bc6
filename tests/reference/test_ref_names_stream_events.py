"""``astream_events`` (version v2) at langchain_core's names: which event type each run gets
(``on_prompt_*`` for prompt templates, ``on_parser_*`` for output parsers) and which runs report
their chunks (``on_<type>_stream``: every streamed lambda, sequence, generator and parser, not only
the root), with the ``include_types`` / ``exclude_types`` filters. Written once against a package
prefix, expected values by hand; where langchain-core 1.x is installed they must hold on it too.

The two engines order some runs differently (langchain_core starts a streamed step's run before
the step upstream of it ends, the reference after), so the tests compare each run's own events
in order, the stream chunks, and whole orders only where the engines agree. Tags are left out
(langchain_core adds ``seq:step:N`` ones), and so is a streamed step's start ``data``
(langchain_core gives none, the reference the step's first input chunk).
"""

from __future__ import annotations

import asyncio
from itertools import cycle
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _events(pkg: str, chain: Any, x: Any, **filters: Any) -> tuple[list[dict[str, Any]], Any]:
    """Every event of ``chain.astream_events(x)``, and the exception it raised (or None)."""

    async def collect() -> tuple[list[dict[str, Any]], Any]:
        out: list[dict[str, Any]] = []
        try:
            async for e in chain.astream_events(x, version="v2", **filters):
                out.append(e)
        except Exception as exc:  # the test compares it
            return out, exc
        return out, None

    return asyncio.run(collect())


def _brief(e: dict[str, Any]) -> str:
    """``event:name``, with the chunk of a stream event."""
    chunk = e["data"].get("chunk") if e["event"].endswith("_stream") else None
    return f'{e["event"]}:{e["name"]}' + (f":{shape(chunk)}" if chunk is not None else "")


def _per_run(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each run's events in order, by run name (the names are unique in these chains)."""
    out: dict[str, list[str]] = {}
    for e in events:
        stream = e["event"].endswith("_stream")
        out.setdefault(e["name"], []).append(
            e["event"] + (f':{e["data"]["chunk"]!r}' if stream else ""))
    return out


def _lam(pkg: str, f: Any, name: str) -> Any:
    return load(pkg, "runnables", "RunnableLambda")(f, name=name)


def _prompt_model_parser(pkg: str) -> Any:
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models", "GenericFakeChatModel")(
        messages=cycle([ai(content="hi there")]))
    return prompt | model | load(pkg, "output_parsers", "StrOutputParser")()


HI = ["'hi'", "' '", "'there'"]


@pytest.mark.parametrize("pkg", PKGS)
def test_prompt_model_parser_types_and_parser_chunks(pkg: str) -> None:
    events, exc = _events(pkg, _prompt_model_parser(pkg), {"q": "x"})
    assert exc is None
    chunks = [f"AIMessageChunk({t})" for t in HI]
    assert [_brief(e) for e in events] == [
        "on_chain_start:RunnableSequence",
        "on_prompt_start:ChatPromptTemplate",
        "on_prompt_end:ChatPromptTemplate",
        "on_chat_model_start:GenericFakeChatModel",
        f"on_chat_model_stream:GenericFakeChatModel:{chunks[0]}",
        "on_parser_start:StrOutputParser",
        f"on_parser_stream:StrOutputParser:{HI[0]}",
        f"on_chain_stream:RunnableSequence:{HI[0]}",
        f"on_chat_model_stream:GenericFakeChatModel:{chunks[1]}",
        f"on_parser_stream:StrOutputParser:{HI[1]}",
        f"on_chain_stream:RunnableSequence:{HI[1]}",
        f"on_chat_model_stream:GenericFakeChatModel:{chunks[2]}",
        f"on_parser_stream:StrOutputParser:{HI[2]}",
        f"on_chain_stream:RunnableSequence:{HI[2]}",
        "on_chat_model_end:GenericFakeChatModel",
        "on_parser_end:StrOutputParser",
        "on_chain_end:RunnableSequence",
    ]
    root = events[0]["run_id"]
    assert all(e["parent_ids"] == [root] for e in events[1:-1] if e["run_id"] != root)
    # The first event carries the invocation's input; the root's end no input.
    assert events[0]["data"] == {"input": {"q": "x"}}
    assert events[-1]["data"] == {"output": "hi there"}
    assert shape(events[2]["data"]) == (
        "{'input': {'q': 'x'}, 'output': ChatPromptValue('Human: x')}")
    assert events[-2]["data"]["output"] == "hi there"


@pytest.mark.parametrize("pkg", PKGS)
def test_each_lambda_of_a_streamed_sequence_reports_its_chunks(pkg: str) -> None:
    chain = (_lam(pkg, lambda x: x, "first") | _lam(pkg, lambda x: x + 1, "two")
             | _lam(pkg, lambda x: x * 2, "three"))
    events, exc = _events(pkg, chain, 1)
    assert exc is None
    assert _per_run(events) == {
        "RunnableSequence": ["on_chain_start", "on_chain_stream:4", "on_chain_end"],
        "first": ["on_chain_start", "on_chain_stream:1", "on_chain_end"],
        "two": ["on_chain_start", "on_chain_stream:2", "on_chain_end"],
        "three": ["on_chain_start", "on_chain_stream:4", "on_chain_end"],
    }
    # The chunks in the order they were streamed; each run's ends with its output and input.
    assert [_brief(e) for e in events if e["event"] == "on_chain_stream"] == [
        "on_chain_stream:first:int", "on_chain_stream:two:int", "on_chain_stream:three:int",
        "on_chain_stream:RunnableSequence:int"]
    ends = {e["name"]: e["data"] for e in events if e["event"] == "on_chain_end"}
    assert ends == {"first": {"output": 1, "input": 1}, "two": {"output": 2, "input": 1},
                    "three": {"output": 4, "input": 2}, "RunnableSequence": {"output": 4}}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_lambda_returning_a_runnable_streams_it_and_a_binding_streams_what_it_binds(
        pkg: str) -> None:
    inner = _lam(pkg, lambda y: y * 3, "inner")
    chain = (_lam(pkg, lambda x: x, "first")
             | _lam(pkg, lambda x: inner, "outer").with_config(tags=["t"]))
    events, exc = _events(pkg, chain, 1)
    assert exc is None
    assert _per_run(events) == {
        "RunnableSequence": ["on_chain_start", "on_chain_stream:3", "on_chain_end"],
        "first": ["on_chain_start", "on_chain_stream:1", "on_chain_end"],
        "outer": ["on_chain_start", "on_chain_stream:3", "on_chain_end"],
        "inner": ["on_chain_start", "on_chain_stream:3", "on_chain_end"],
    }
    assert [e["name"] for e in events if e["event"] == "on_chain_stream"] == [
        "first", "inner", "outer", "RunnableSequence"]
    assert all("t" in e["tags"] for e in events if e["name"] == "outer")


@pytest.mark.parametrize("pkg", PKGS)
def test_a_streamed_parallel_reports_every_run_start_and_end(pkg: str) -> None:
    """The runs and outputs agree; the chunks do not (langchain_core streams a parallel key by
    key and each branch's chunks, the reference yields the parallel's output whole, after its
    run ended: no stream event), so stream events are left out here."""
    parallel = load(pkg, "runnables", "RunnableParallel")
    passthrough = load(pkg, "runnables", "RunnablePassthrough")
    chain = parallel(a=_lam(pkg, lambda x: x + 1, "A"), b=passthrough())
    events, exc = _events(pkg, chain, 1)
    assert exc is None
    runs = {k: [v for v in evs if not v.startswith("on_chain_stream")]
            for k, evs in _per_run(events).items()}
    assert runs == {"RunnableParallel<a,b>": ["on_chain_start", "on_chain_end"],
                    "A": ["on_chain_start", "on_chain_end"],
                    "RunnablePassthrough": ["on_chain_start", "on_chain_end"]}
    assert events[0]["event"] == "on_chain_start" and events[0]["data"] == {"input": 1}
    assert events[-1]["data"] == {"output": {"a": 2, "b": 1}}


@pytest.mark.parametrize("pkg", PKGS)
def test_include_types_parser_and_prompt(pkg: str) -> None:
    chain = _prompt_model_parser(pkg)
    events, _ = _events(pkg, chain, {"q": "x"}, include_types=["parser"])
    assert [_brief(e) for e in events] == [
        "on_parser_start:StrOutputParser",
        *[f"on_parser_stream:StrOutputParser:{t}" for t in HI],
        "on_parser_end:StrOutputParser",
    ]
    # The first event yielded gets the invocation's input, whichever run it is of; that run's
    # end gets none.
    assert events[0]["data"] == {"input": {"q": "x"}}
    assert events[-1]["data"] == {"output": "hi there"}

    events, _ = _events(pkg, chain, {"q": "x"}, include_types=["prompt"])
    assert [_brief(e) for e in events] == [
        "on_prompt_start:ChatPromptTemplate", "on_prompt_end:ChatPromptTemplate"]
    assert set(events[1]["data"]) == {"output"}

    events, _ = _events(pkg, chain, {"q": "x"}, include_types=["chain"])
    assert {e["name"] for e in events} == {"RunnableSequence"}


@pytest.mark.parametrize("pkg", PKGS)
def test_exclude_types(pkg: str) -> None:
    events, _ = _events(pkg, _prompt_model_parser(pkg), {"q": "x"},
                        exclude_types=["chain", "chat_model"])
    assert [_brief(e) for e in events] == [
        "on_prompt_start:ChatPromptTemplate", "on_prompt_end:ChatPromptTemplate",
        "on_parser_start:StrOutputParser",
        *[f"on_parser_stream:StrOutputParser:{t}" for t in HI],
        "on_parser_end:StrOutputParser",
    ]
    events, _ = _events(pkg, _prompt_model_parser(pkg), {"q": "x"},
                        exclude_types=["prompt", "parser", "chat_model"])
    assert {e["name"] for e in events} == {"RunnableSequence"}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_root_that_streams_its_invoke_result_reports_no_chunk(pkg: str) -> None:
    """A prompt's or parser's own ``astream`` yields ``ainvoke``'s result: its run has ended
    when the chunk comes, so no stream event; a streaming chat model root reports its chunks
    (once, not its tokens again)."""
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}")
    events, _ = _events(pkg, prompt, {"q": "x"})
    assert [_brief(e) for e in events] == ["on_prompt_start:PromptTemplate",
                                           "on_prompt_end:PromptTemplate"]
    assert events[0]["data"] == {"input": {"q": "x"}}
    assert shape(events[1]["data"]) == "{'output': StringPromptValue('x')}"

    events, _ = _events(pkg, load(pkg, "output_parsers", "StrOutputParser")(), "abc")
    assert [_brief(e) for e in events] == ["on_parser_start:StrOutputParser",
                                           "on_parser_end:StrOutputParser"]

    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models", "GenericFakeChatModel")(
        messages=cycle([ai(content="hi there")]))
    events, _ = _events(pkg, model, "q")
    assert [_brief(e) for e in events] == [
        "on_chat_model_start:GenericFakeChatModel",
        *[f"on_chat_model_stream:GenericFakeChatModel:AIMessageChunk({t})" for t in HI],
        "on_chat_model_end:GenericFakeChatModel",
    ]
    assert events[0]["data"] == {"input": "q"}
    assert set(events[-1]["data"]) == {"output"}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_step(pkg: str) -> None:
    def boom(x: Any) -> Any:
        raise ValueError("boom")

    chain = (_lam(pkg, lambda x: x, "first") | _lam(pkg, boom, "boom")
             | _lam(pkg, lambda x: x, "after"))
    events, exc = _events(pkg, chain, 1)
    assert isinstance(exc, ValueError) and str(exc) == "boom"
    assert _per_run(events) == {
        "RunnableSequence": ["on_chain_start"],
        "first": ["on_chain_start", "on_chain_stream:1", "on_chain_end"],
        "boom": ["on_chain_start"],
    }


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_tool_gives_on_tool_error(pkg: str) -> None:
    tool = load(pkg, "tools", "tool")

    @tool
    def bad(x: int) -> int:
        """Fails."""
        raise ValueError("bad tool")

    events, exc = _events(pkg, _lam(pkg, lambda x: {"x": x}, "first") | bad, 1)
    assert isinstance(exc, ValueError)
    errors = [e for e in events if e["event"] == "on_tool_error"]
    assert [e["name"] for e in errors] == ["bad"]
    data = errors[0]["data"]
    assert set(data) == {"error", "input", "tool_call_id"}
    assert shape(data["error"]) == "ValueError(bad tool)"
    assert data["input"] == {"x": 1} and data["tool_call_id"] is None
    assert errors[0]["parent_ids"] == [events[0]["run_id"]]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_custom_event_type_is_its_name(pkg: str) -> None:
    dispatch = load(pkg, "callbacks.manager", "dispatch_custom_event")

    def emit(x: Any, config: Any) -> Any:
        dispatch("progress", {"v": x}, config=config)
        return x

    chain = _lam(pkg, lambda x: x, "first") | _lam(pkg, emit, "emit")
    events, _ = _events(pkg, chain, 1, include_types=["progress"])
    # The first event yielded gets the invocation's input, a custom event's data included.
    assert [(e["event"], e["name"], e["data"]) for e in events] == [
        ("on_custom_event", "progress", {"v": 1, "input": 1})]
    events, _ = _events(pkg, chain, 1, include_types=["custom_event"])
    assert events == []


@pytest.mark.parametrize("pkg", PKGS)
def test_a_sync_stream_inside_a_function_reports_its_chunks(pkg: str) -> None:
    """A function run in a worker thread that streams a sequence with its config: the
    sequence's and its steps' chunks are reported too (the sync stream's tap)."""
    inner = _lam(pkg, lambda x: x, "a") | _lam(pkg, lambda x: x + 1, "b")

    def outer(x: Any, config: Any) -> Any:
        return list(inner.stream(x, config))

    events, exc = _events(pkg, _lam(pkg, outer, "outer"), 1)
    assert exc is None
    assert _per_run(events) == {
        "outer": ["on_chain_start", "on_chain_stream:[2]", "on_chain_end"],
        "RunnableSequence": ["on_chain_start", "on_chain_stream:2", "on_chain_end"],
        "a": ["on_chain_start", "on_chain_stream:1", "on_chain_end"],
        "b": ["on_chain_start", "on_chain_stream:2", "on_chain_end"],
    }
    assert [_brief(e) for e in events][-2:] == ["on_chain_stream:outer:[int]",
                                                "on_chain_end:outer"]
