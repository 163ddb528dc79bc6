"""Chat prompts built and filled the ways users write them: ``{"role": ..., "content": ...}``
dicts as message templates and as a placeholder's messages (OpenAI-style history). Found by a
second differential probe. Written once against a package prefix, expected values by hand
(langchain-core 1.8.3's)."""

from __future__ import annotations

from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _msgs(messages: list[Any]) -> list[tuple[str, Any]]:
    return [(type(m).__name__, m.content) for m in messages]


@pytest.mark.parametrize("pkg", PKGS)
def test_role_dicts_are_message_templates(pkg: str) -> None:
    cpt = load(pkg, "prompts", "ChatPromptTemplate")
    prompt = cpt.from_messages([{"role": "system", "content": "Be {tone}"},
                                {"role": "user", "content": "Q {q}"},
                                {"role": "assistant", "content": "A"}])
    assert prompt.input_variables == ["q", "tone"]
    assert _msgs(prompt.format_messages(q=1, tone="brief")) == [
        ("SystemMessage", "Be brief"), ("HumanMessage", "Q 1"), ("AIMessage", "A")]
    with pytest.raises(ValueError):
        cpt.from_messages([{"content": "no role"}])


@pytest.mark.parametrize("pkg", PKGS)
def test_a_placeholder_takes_role_dicts_and_other_message_likes(pkg: str) -> None:
    cpt = load(pkg, "prompts", "ChatPromptTemplate")
    placeholder = load(pkg, "prompts", "MessagesPlaceholder")
    prompt = cpt.from_messages([placeholder("history"), ("human", "{q}")])
    history = [{"role": "user", "content": "d1"}, {"role": "assistant", "content": "d2"},
               ("human", "t1"), "plain",
               {"role": "tool", "content": "r", "tool_call_id": "c1"}]
    rec = recorder(pkg)
    value = prompt.invoke({"history": history, "q": "now"}, {"callbacks": [rec]})
    assert _msgs(value.to_messages()) == [
        ("HumanMessage", "d1"), ("AIMessage", "d2"), ("HumanMessage", "t1"),
        ("HumanMessage", "plain"), ("ToolMessage", "r"), ("HumanMessage", "now")]
    assert [e for e, _, _, _ in rec.seen] == ["on_chain_start", "on_chain_end"]
    with pytest.raises(ValueError):  # not a list
        prompt.invoke({"history": "just text", "q": "now"})


@pytest.mark.parametrize("pkg", PKGS)
def test_adding_to_a_chat_prompt(pkg: str) -> None:
    cpt = load(pkg, "prompts", "ChatPromptTemplate")
    human = load(pkg, "messages", "HumanMessage")
    system = load(pkg, "prompts", "SystemMessagePromptTemplate")
    base = cpt.from_messages([("system", "S {a}")])
    more = base + [("human", "{b}"), ("ai", "x")]  # noqa: RUF005 (a prompt, not a list)
    assert (type(more).__name__, more.input_variables) == ("ChatPromptTemplate", ["a", "b"])
    assert _msgs(more.format_messages(a=1, b=2)) == [
        ("SystemMessage", "S 1"), ("HumanMessage", "2"), ("AIMessage", "x")]
    assert _msgs((base + "tail {b}").format_messages(a=1, b=2))[-1] == ("HumanMessage", "tail 2")
    assert _msgs((base + human(content="fixed")).format_messages(a=1))[-1] == (
        "HumanMessage", "fixed")
    other = cpt.from_messages([("human", "{z}")]).partial(z="Z")
    assert _msgs((base + other).format_messages(a=1)) == [
        ("SystemMessage", "S 1"), ("HumanMessage", "Z")]
    started = system.from_template("sys {a}") + [("human", "{q}")]  # noqa: RUF005
    assert _msgs(started.format_messages(a=1, q=2)) == [
        ("SystemMessage", "sys 1"), ("HumanMessage", "2")]
    with pytest.raises(NotImplementedError):
        base + 5


@pytest.mark.parametrize("pkg", PKGS)
def test_adding_prompt_templates(pkg: str) -> None:
    pt = load(pkg, "prompts", "PromptTemplate")
    joined = pt.from_template("About {t}") + ", and {n} more" + pt.from_template(
        " end {x}").partial(x="X")
    assert joined.template == "About {t}, and {n} more end {x}"
    assert sorted(joined.input_variables) == ["n", "t"]
    assert joined.format(t=1, n=2) == "About 1, and 2 more end X"
    with pytest.raises(ValueError):
        pt.from_template("{a}").partial(a=1) + pt.from_template("{a}").partial(a=2)
