"""Partially formatted prompts (the "partial prompt templates" how-to): ``partial(**values)`` on
a ``PromptTemplate`` or ``ChatPromptTemplate`` and ``partial_variables=`` in the constructor or
``from_template``, with values or functions called at each format. Found by a second
differential probe of both packages. Written once against a package prefix, expected values by
hand (langchain-core 1.8.3's)."""

from __future__ import annotations

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


@pytest.mark.parametrize("pkg", PKGS)
def test_partial_of_a_prompt_template(pkg: str) -> None:
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{a} {b} {c}")
    part = prompt.partial(a="A")
    assert prompt.input_variables == ["a", "b", "c"]  # the original is unchanged
    assert part.input_variables == ["b", "c"]
    assert part.partial_variables == {"a": "A"}
    assert part.format(b=1, c=2) == "A 1 2"
    assert part.format(a="given", b=1, c=2) == "given 1 2"  # the caller's value wins
    assert part.partial(b=lambda: "called").format(c=3) == "A called 3"
    rec = recorder(pkg)
    assert part.invoke({"b": 1, "c": 2}, {"callbacks": [rec]}).to_string() == "A 1 2"
    # the prompt run's input is the caller's dict, without the partial values
    assert [(e, d) for e, _, _, d in rec.seen] == [
        ("on_chain_start", "{'b': int, 'c': int} run_type=prompt"),
        ("on_chain_end", "StringPromptValue('A 1 2')"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_partial_variables_in_the_constructor(pkg: str) -> None:
    pt = load(pkg, "prompts", "PromptTemplate")
    prompt = pt.from_template("{x} and {y}", partial_variables={"x": "X"})
    assert prompt.input_variables == ["y"]
    assert prompt.invoke("why").to_string() == "X and why"  # one variable left: a str input
    explicit = pt(template="{x} and {y}", input_variables=["y"], partial_variables={"x": "X"})
    assert explicit.format(y=1) == "X and 1"


@pytest.mark.parametrize("pkg", PKGS)
def test_partial_of_a_chat_prompt(pkg: str) -> None:
    cpt = load(pkg, "prompts", "ChatPromptTemplate")
    placeholder = load(pkg, "prompts", "MessagesPlaceholder")
    prompt = cpt.from_messages(
        [("system", "You are {name}"), placeholder("history"), ("human", "{input}")])
    named = prompt.partial(name="Bot")
    assert type(named).__name__ == "ChatPromptTemplate"
    assert named.input_variables == ["history", "input"]
    assert named.invoke({"input": "hi", "history": []}).to_string() == (
        "System: You are Bot\nHuman: hi")
    with_history = named.partial(history=[("human", "earlier")])
    assert with_history.input_variables == ["input"]
    assert [(type(m).__name__, m.content) for m in with_history.invoke("hi").to_messages()] == [
        ("SystemMessage", "You are Bot"), ("HumanMessage", "earlier"), ("HumanMessage", "hi")]
    with pytest.raises(KeyError):
        named.invoke({"history": []})
