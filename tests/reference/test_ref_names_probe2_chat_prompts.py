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
