"""langchain_core's message utilities and globals at its names: converting shorthands to messages,
messages to and from dicts, chunks to messages, filter/merge/trim (also as a chain step), and
``globals``' debug/verbose/cache switches. Written once against a package prefix, expected values
by hand; where langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _m(pkg: str) -> Any:
    return importlib.import_module(f"{pkg}.messages")


def _show(ms: list[Any]) -> list[tuple[Any, ...]]:
    """A message as class, content, name, id and the fields its class adds (by name)."""
    out = []
    for m in ms:
        extra = {k: getattr(m, k) for k in ("tool_calls", "tool_call_id", "status", "artifact",
                                            "role") if getattr(m, k, None) not in (None, [])}
        out.append((type(m).__name__, m.content, m.name, m.id, m.additional_kwargs,
                    m.response_metadata, extra))
    return out


# -- 1. conversion, dicts, chunks -------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_convert_to_messages_shorthands(pkg: str) -> None:
    m = _m(pkg)
    got = m.convert_to_messages([
        "hi", ("ai", "yo"), ("user", "u"), ("assistant", "a"), ("system", "s"),
        ("developer", "d"),
        {"role": "user", "content": "x", "foo": 1, "additional_kwargs": {"b": 2},
         "response_metadata": {"m": 1}},
        {"role": "tool", "content": "r", "tool_call_id": "1", "status": "error",
         "artifact": [1]},
        {"type": "ai", "content": None,
         "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": '{"a": 1}'}}]},
        {"role": "function", "content": "f", "name": "fn", "id": "i"},
        m.HumanMessage("kept", id="9"),
    ])
    assert _show(got) == [
        ("HumanMessage", "hi", None, None, {}, {}, {}),
        ("AIMessage", "yo", None, None, {}, {}, {}),
        ("HumanMessage", "u", None, None, {}, {}, {}),
        ("AIMessage", "a", None, None, {}, {}, {}),
        ("SystemMessage", "s", None, None, {}, {}, {}),
        ("SystemMessage", "d", None, None, {"__openai_role__": "developer"}, {}, {}),
        ("HumanMessage", "x", None, None, {"foo": 1, "b": 2}, {"m": 1}, {}),
        ("ToolMessage", "r", None, None, {}, {},
         {"tool_call_id": "1", "status": "error", "artifact": [1]}),
        ("AIMessage", "", None, None, {}, {},
         {"tool_calls": [{"name": "f", "args": {"a": 1}, "id": "c", "type": "tool_call"}]}),
        ("FunctionMessage", "f", "fn", "i", {}, {}, {}),
        ("HumanMessage", "kept", None, "9", {}, {}, {}),
    ]
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    assert _show(m.convert_to_messages(prompt.invoke({"q": "v"}))) == [
        ("HumanMessage", "v", None, None, {}, {}, {})]
    assert _show(m.convert_to_messages(iter(["g"]))) == [("HumanMessage", "g", None, None, {},
                                                           {}, {})]


HELP = ("\nFor troubleshooting, visit: https://docs.langchain.com/oss/python/langchain/errors/"
        "MESSAGE_COERCION_FAILURE ")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("bad", "error", "text"), [
    (("x", "y"), ValueError, "Unexpected message type: 'x'. Use one of 'human', 'user', 'ai', "
     "'assistant', 'function', 'tool', 'system', or 'developer'." + HELP),
    (("a", "b", "c"), NotImplementedError, "Message as a sequence must be (role string, "
     "template)"),
    ({"content": "x"}, ValueError, "Message dict must contain 'role' and 'content' keys, got "
     "{'content': 'x'}" + HELP),
    ({"role": "human"}, ValueError, "Message dict must contain 'role' and 'content' keys, got "
     "{'role': 'human'}" + HELP),
    (3, NotImplementedError, "Unsupported message type: <class 'int'>" + HELP),
])
def test_convert_to_messages_errors(pkg: str, bad: Any, error: type[Exception],
                                    text: str) -> None:
    with pytest.raises(error) as info:
        _m(pkg).convert_to_messages([bad])
    assert str(info.value) == text


def _all_kinds(m: Any) -> list[Any]:
    return [
        m.HumanMessage("hi", name="n"), m.AIMessage("a", tool_calls=[
            {"name": "t", "args": {}, "id": "1"}]), m.SystemMessage("s", id="s1"),
        m.ToolMessage("r", tool_call_id="1", status="error"), m.ChatMessage("c", role="x"),
        m.FunctionMessage("f", name="fn"), m.RemoveMessage(id="9"), m.AIMessageChunk("x"),
        m.ToolMessageChunk("t", tool_call_id="2"), m.HumanMessageChunk("h"),
        m.FunctionMessageChunk("f", name="g"), m.SystemMessageChunk("s"),
        m.ChatMessageChunk("c", role="r"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_messages_to_and_from_dict(pkg: str) -> None:
    m = _m(pkg)
    base = {"content": "", "additional_kwargs": {}, "response_metadata": {}, "name": None,
            "id": None}

    def d(t: str, **kw: Any) -> dict[str, Any]:
        data = {**base, **kw}
        order = ["content", "additional_kwargs", "response_metadata", "type", "name", "id"]
        return {"type": t, "data": {**{k: data[k] if k != "type" else t for k in order},
                                    **{k: v for k, v in data.items() if k not in order}}}

    ai = {"tool_calls": [], "invalid_tool_calls": [], "usage_metadata": None}
    expected = [
        d("human", content="hi", name="n"),
        d("ai", content="a", **{**ai, "tool_calls": [
            {"name": "t", "args": {}, "id": "1", "type": "tool_call"}]}),
        d("system", content="s", id="s1"),
        d("tool", content="r", tool_call_id="1", artifact=None, status="error"),
        d("chat", content="c", role="x"),
        d("function", content="f", name="fn"),
        d("remove", id="9"),
        d("AIMessageChunk", content="x", **ai, tool_call_chunks=[], chunk_position=None),
        d("ToolMessageChunk", content="t", tool_call_id="2", artifact=None, status="success"),
        d("HumanMessageChunk", content="h"),
        d("FunctionMessageChunk", content="f", name="g"),
        d("SystemMessageChunk", content="s"),
        d("ChatMessageChunk", content="c", role="r"),
    ]
    dicts = m.messages_to_dict(_all_kinds(m))
    assert dicts == expected
    assert [list(x["data"]) for x in dicts] == [list(x["data"]) for x in expected]
    assert m.message_to_dict(_all_kinds(m)[0]) == expected[0]
    back = m.messages_from_dict(dicts)
    assert back == _all_kinds(m)
    assert m.messages_to_dict(back) == expected
    with pytest.raises(ValueError, match=r"^Got unexpected message type: zz$"):
        m.messages_from_dict([{"type": "zz", "data": {}}])


@pytest.mark.parametrize("pkg", PKGS)
def test_chunks_to_messages_and_new_classes(pkg: str) -> None:
    m = _m(pkg)
    tool = (m.ToolMessageChunk("a", tool_call_id="1", name="n", id="i")
            + m.ToolMessageChunk("b", tool_call_id="1", status="error", artifact="z"))
    assert (type(tool).__name__, tool.content, tool.status, tool.artifact, tool.name,
            tool.id) == ("ToolMessageChunk", "ab", "error", "z", None, "i")
    ai = m.AIMessageChunk("a", id="1", chunk_position="last") + m.AIMessageChunk("b")
    assert _show([m.message_chunk_to_message(c) for c in (
        tool, ai, m.FunctionMessageChunk("f", name="g"), m.HumanMessageChunk("h"))]) == [
        ("ToolMessage", "ab", None, "i", {}, {},
         {"tool_call_id": "1", "status": "error", "artifact": "z"}),
        ("AIMessage", "ab", None, "1", {}, {}, {}),
        ("FunctionMessage", "f", "g", None, {}, {}, {}),
        ("HumanMessage", "h", None, None, {}, {}, {}),
    ]
    plain = m.HumanMessage("p")
    assert m.message_chunk_to_message(plain) is plain
    with pytest.raises(ValueError, match=r"^Cannot concatenate ToolMessageChunks with different"):
        m.ToolMessageChunk("a", tool_call_id="1") + m.ToolMessageChunk("b", tool_call_id="2")
    with pytest.raises(ValueError, match=r"^Cannot concatenate FunctionMessageChunks with diff"):
        m.FunctionMessageChunk("a", name="1") + m.FunctionMessageChunk("b", name="2")
    with pytest.raises(ValueError, match=r"^RemoveMessage does not support 'content' field.$"):
        m.RemoveMessage(id="1", content="x")
    assert (m.RemoveMessage(id="1").type, m.FunctionMessage("f", name="n").type) == (
        "remove", "function")
    buffer = m.get_buffer_string([m.FunctionMessage("f", name="fn"),
                                  m.ToolMessageChunk("t", tool_call_id="1")])
    assert buffer == "Function: f\nTool: t"
    chunk = m.ToolCallChunk(name="a", args="{", id="1", index=0)
    assert chunk == {"name": "a", "args": "{", "id": "1", "index": 0}
    assert m.ToolCallChunk.__required_keys__ == frozenset({"name", "args", "id", "index"})

    def last(history: list[m.AnyMessage]) -> m.AnyMessage:  # usable in annotations
        return history[-1]

    lam = load(pkg, "runnables", "RunnableLambda")(last)
    assert lam.invoke([m.HumanMessage("q"), m.AIMessage("r")]).content == "r"
