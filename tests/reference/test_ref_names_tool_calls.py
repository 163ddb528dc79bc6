"""Tool calling at langchain_core's names: ``AIMessage(tool_calls=...)``, a tool invoked with a
tool call answering a ``ToolMessage`` (its run gets the call's args and ``tool_call_id``), and a
model whose ``_stream`` yields nothing failing its run. Written once against a package prefix,
expected values by hand; where langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

CALL = {"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}


def _add_tool(pkg: str) -> Any:
    tool = load(pkg, "tools", "tool")

    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    return add


def _agent_step(pkg: str, mode: str) -> list[Seen]:
    """A model asks for a tool; a function calls it with the model's tool calls and gives the
    answers back to a second model call, as an agent loop's one step does."""
    ai = load(pkg, "messages", "AIMessage")
    human = load(pkg, "messages", "HumanMessage")
    lam = load(pkg, "runnables", "RunnableLambda")
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content="", tool_calls=[CALL]), ai(content="3 it is")]))
    add = _add_tool(pkg)

    def step(question: str, config: Any) -> str:
        history = [human(content=question)]
        reply = model.invoke(history, config)
        history.append(reply)
        history += [add.invoke(call, config) for call in reply.tool_calls]
        return model.invoke(history, config).content  # type: ignore[no-any-return]

    async def astep(question: str, config: Any) -> str:
        history = [human(content=question)]
        reply = await model.ainvoke(history, config)
        history.append(reply)
        history += [await add.ainvoke(call, config) for call in reply.tool_calls]
        return (await model.ainvoke(history, config)).content  # type: ignore[no-any-return]

    rec = recorder(pkg)
    agent = lam(step, afunc=astep, name="agent")
    out = agent.invoke("1+2?", {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
        agent.ainvoke("1+2?", {"callbacks": [rec]}))
    assert out == "3 it is"
    return rec.seen  # type: ignore[no-any-return]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_tool_call_runs_the_tool_on_its_args_and_answers_a_tool_message(
    pkg: str, mode: str
) -> None:
    seen = _agent_step(pkg, mode)
    # the tool's start names no run on langchain_core (its name is in serialized): compare
    # events, parents and payloads
    assert [(e, p, d) for e, _, p, d in seen] == [
        ("on_chain_start", None, "'1+2?'"),
        ("on_chat_model_start", "agent", "[[HumanMessage('1+2?')]]"),
        ("on_llm_end", "agent", "LLMResult([[ChatGeneration(AIMessage(''))]])"),
        ("on_tool_start", "agent", "\"{'a': 1, 'b': 2}\""),
        ("on_tool_end", "agent", "ToolMessage('3')"),
        ("on_chat_model_start", "agent",
         "[[HumanMessage('1+2?'), AIMessage(''), ToolMessage('3')]]"),
        ("on_llm_end", "agent", "LLMResult([[ChatGeneration(AIMessage('3 it is'))]])"),
        ("on_chain_end", None, "'3 it is'"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_message_fields_and_start_keywords(pkg: str) -> None:
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    starts: list[tuple[Any, Any, Any]] = []

    class Starts(base):  # type: ignore[misc, valid-type]
        def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
            starts.append((input_str, kw.get("inputs"), kw.get("tool_call_id")))

    tool = load(pkg, "tools", "tool")

    @tool
    def lookup(key: str) -> dict[str, Any]:
        """Look a key up."""
        return {"key": key, "n": 1}

    out = lookup.invoke({"name": "lookup", "args": {"key": "k"}, "id": "c9",
                         "type": "tool_call"}, {"callbacks": [Starts()]})
    assert (type(out).__name__, out.content, out.name, out.tool_call_id, out.status) == (
        "ToolMessage", '{"key": "k", "n": 1}', "lookup", "c9", "success")
    assert lookup.invoke({"key": "k"}, {"callbacks": [Starts()]}) == {"key": "k", "n": 1}
    assert starts == [("{'key': 'k'}", {"key": "k"}, "c9"), ("{'key': 'k'}", {"key": "k"}, None)]


@pytest.mark.parametrize("pkg", PKGS)
def test_ai_message_keeps_tool_calls_with_their_type(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    chunk = load(pkg, "messages", "AIMessageChunk")
    m = ai(content="", tool_calls=[CALL])
    assert m.tool_calls == [{**CALL, "type": "tool_call"}]
    assert m.invalid_tool_calls == []
    assert ai(content="x").tool_calls == []
    assert chunk(content="a").tool_calls == []


@pytest.mark.parametrize("pkg", PKGS)
def test_a_stream_of_no_chunks_fails_the_model_run(pkg: str) -> None:
    """GenericFakeChatModel streams content only: an empty reply (a tool call's) yields no
    chunk, and the run fails with ValueError, as langchain_core's does."""
    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content="", tool_calls=[CALL])]))
    rec = recorder(pkg)
    with pytest.raises(ValueError, match=r"(?i)\bno\b.*chunks"):  # own words each
        list(model.stream("hi", {"callbacks": [rec]}))
    assert [e for e, *_ in rec.seen] == ["on_chat_model_start", "on_llm_error"]


def test_a_malformed_tool_call_is_rejected_saying_what_it_needs() -> None:
    ai = load("reference", "messages", "AIMessage")
    with pytest.raises(TypeError, match="a dict with a str 'name', a dict 'args'"):
        ai(content="", tool_calls=[{"name": "add", "args": "a=1"}])


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_handle_tool_error_turns_a_tool_exception_into_the_output(pkg: str, mode: str) -> None:
    """``handle_tool_error``: the run ends normally with the handled text (a tool call's answer
    a ToolMessage with status "error"); without it the ToolException fails the run."""
    tools = load(pkg, "tools", "StructuredTool")
    exc = load(pkg, "tools", "ToolException")

    def fail(a: int) -> int:
        """Always fails."""
        raise exc(f"bad {a}")

    def call(t: Any, x: Any) -> Any:
        rec = recorder(pkg)
        out = t.invoke(x, {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
            t.ainvoke(x, {"callbacks": [rec]}))
        return out, [(e, d) for e, _, _, d in rec.seen]

    as_call = {"name": "fail", "args": {"a": 2}, "id": "x", "type": "tool_call"}
    for handler, plain, answered in (
        (True, "bad 1", "bad 2"),
        ("fixed", "fixed", "fixed"),
        (lambda e: f"handled: {e}", "handled: bad 1", "handled: bad 2"),
    ):
        t = tools.from_function(fail, handle_tool_error=handler)
        assert call(t, {"a": 1}) == (plain, [("on_tool_start", "\"{'a': 1}\""),
                                            ("on_tool_end", repr(plain))])
        out, events = call(t, as_call)
        assert (out.content, out.status, out.tool_call_id) == (answered, "error", "x")
        assert events == [("on_tool_start", "\"{'a': 2}\""),
                          ("on_tool_end", f"ToolMessage({answered!r})")]
    rec = recorder(pkg)
    with pytest.raises(exc, match="bad 1"):
        tools.from_function(fail).invoke({"a": 1}, {"callbacks": [rec]})
    assert [e for e, *_ in rec.seen] == ["on_tool_start", "on_tool_error"]
