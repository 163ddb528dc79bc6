"""Messages as users read and combine them: ``pretty_repr`` / ``pretty_print`` (the how-to
guides print every message so), ``text`` of list content (the text blocks joined), a message
``+`` a message or templates making a chat prompt, ``get_buffer_string``'s prefixes and an AI
message's tool calls in it (so in a non-chat model's ``on_llm_start`` too). Found by a second
differential probe. Written once against a package prefix, expected values by hand
(langchain-core 1.8.3's)."""

from __future__ import annotations

from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

RULE_AI = "=" * 34 + " Ai Message " + "=" * 34
RULE_HUMAN = "=" * 32 + " Human Message " + "=" * 33


@pytest.mark.parametrize("pkg", PKGS)
def test_pretty_repr(pkg: str, capsys: pytest.CaptureFixture[str]) -> None:
    ai = load(pkg, "messages", "AIMessage")
    human = load(pkg, "messages", "HumanMessage")
    assert human(content="q").pretty_repr() == RULE_HUMAN + "\n\nq"
    assert ai(content="hey", name="bot").pretty_repr() == RULE_AI + "\nName: bot\n\nhey"
    calls = ai(content="", tool_calls=[{"name": "f", "args": {"a": 1, "b": "x"}, "id": "c1"}])
    assert calls.pretty_repr() == (
        RULE_AI + "\nTool Calls:\n  f (c1)\n Call ID: c1\n  Args:\n    a: 1\n    b: x")
    bad = ai(content="t", invalid_tool_calls=[{"name": "g", "args": "{bad", "id": "c2",
                                               "error": "oops", "type": "invalid_tool_call"}])
    assert bad.pretty_repr() == (RULE_AI + "\n\nt\nInvalid Tool Calls:\n  g (c2)\n Call ID: c2"
                                 "\n  Error: oops\n  Args:\n    {bad")
    human(content="q").pretty_print()
    assert capsys.readouterr().out == RULE_HUMAN + "\n\nq\n"


@pytest.mark.parametrize("pkg", PKGS)
def test_text_of_list_content(pkg: str) -> None:
    human = load(pkg, "messages", "HumanMessage")
    blocks = [{"type": "text", "text": "x"}, "y", {"type": "image_url", "image_url": "u"}]
    assert human(content=blocks).text == "xy"
    assert human(content="plain").text == "plain"
    assert load(pkg, "outputs", "ChatGeneration")(
        message=load(pkg, "messages", "AIMessage")(content=blocks)).text == "xy"


@pytest.mark.parametrize("pkg", PKGS)
def test_a_message_plus_more_is_a_chat_prompt(pkg: str) -> None:
    human = load(pkg, "messages", "HumanMessage")
    system = load(pkg, "messages", "SystemMessage")
    prompt = system(content="sys") + [("human", "{q}")]  # noqa: RUF005 (a prompt, not a list)
    assert type(prompt).__name__ == "ChatPromptTemplate"
    assert [(type(m).__name__, m.content) for m in prompt.format_messages(q=1)] == [
        ("SystemMessage", "sys"), ("HumanMessage", "1")]
    pair = human(content="hi") + load(pkg, "messages", "AIMessage")(content="yo")
    assert [m.content for m in pair.format_messages()] == ["hi", "yo"]


@pytest.mark.parametrize("pkg", PKGS)
def test_buffer_string_prefixes_and_tool_calls(pkg: str) -> None:
    def m(name: str) -> Any:
        return load(pkg, "messages", name)

    calls = [{"name": "f", "args": {"x": 1}, "id": "t1"}]
    msgs = [m("SystemMessage")(content="s"), m("HumanMessage")(content="a"),
            m("AIMessage")(content="", tool_calls=calls),
            m("ToolMessage")(content="r", tool_call_id="t1"), m("AIMessageChunk")(content="ch")]
    shown_calls = "[{'name': 'f', 'args': {'x': 1}, 'id': 't1', 'type': 'tool_call'}]"
    buffer = m("get_buffer_string")
    assert buffer(msgs) == f"System: s\nHuman: a\nAI: {shown_calls}\nTool: r\nAI: ch"
    assert buffer(msgs, human_prefix="H", ai_prefix="A", system_prefix="S", tool_prefix="T",
                  message_separator=" | ") == f"S: s | H: a | A: {shown_calls} | T: r | A: ch"
    rec = recorder(pkg)
    load(pkg, "language_models", "FakeListLLM")(responses=["ok"]).invoke(
        msgs[:3], {"callbacks": [rec]})
    assert rec.seen[0][3] == repr([f"System: s\nHuman: a\nAI: {shown_calls}"])
