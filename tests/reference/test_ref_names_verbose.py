"""``verbose=`` and what ``StdOutCallbackHandler`` prints, at langchain_core's names: bold chain
lines, a tool's output in the colour its events carry (``run(color=...)``, green by default),
``on_text``, agent logs; a verbose tool or model gets the handler for its own run only; tool
events carry ``color`` (and the end the tool's ``name``). Expected values by hand (stdout
captured); where langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

GREEN = "\x1b[32;1m\x1b[1;3m{}\x1b[0m"
ENTER = "\n\n\x1b[1m> Entering new {} chain...\x1b[0m\n"
DONE = "\n\x1b[1m> Finished chain.\x1b[0m\n"


def _add(pkg: str, **kwargs: Any) -> Any:
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    return load(pkg, "tools", "StructuredTool").from_function(add, **kwargs)


@pytest.mark.parametrize("pkg", PKGS)
def test_chain_lines_are_bold_and_a_tool_output_green(pkg: str, capsys: Any) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    out_handler = load(pkg, "callbacks", "StdOutCallbackHandler")()
    chain = lam(lambda x: {"a": x, "b": 1}) | _add(pkg)
    assert chain.invoke(1, {"callbacks": [out_handler]}) == 2
    assert capsys.readouterr().out == (
        ENTER.format("RunnableSequence") + ENTER.format("RunnableLambda") + DONE
        + GREEN.format(2) + DONE)
    lam(lambda x: x).invoke(1, {"callbacks": [out_handler], "run_name": "nm"})
    assert capsys.readouterr().out == ENTER.format("nm") + DONE


@pytest.mark.parametrize("pkg", PKGS)
def test_handler_methods_print(pkg: str, capsys: Any) -> None:
    handler_cls = load(pkg, "callbacks", "StdOutCallbackHandler")
    action, finish = load(pkg, "agents", "AgentAction"), load(pkg, "agents", "AgentFinish")
    h = handler_cls()
    h.on_text("hello")
    h.on_text("hi", color="blue", end="\n")
    handler_cls(color="yellow").on_text("y")
    h.on_agent_action(action("t", "in", "my log"))
    h.on_agent_action(action("t", "in", "my log"), color="red")
    h.on_agent_finish(finish({"o": 1}, "fin log"))
    h.on_tool_end(5, observation_prefix="Obs: ", llm_prefix="Thought:")
    h.on_chain_start({"id": ["a", "B"]}, {})
    h.on_chain_start({}, {})
    h.on_chain_start({"name": "S"}, {}, name=None)
    assert capsys.readouterr().out == (
        "hello" "\x1b[36;1m\x1b[1;3mhi\x1b[0m\n" "\x1b[33;1m\x1b[1;3my\x1b[0m"
        "my log" "\x1b[31;1m\x1b[1;3mmy log\x1b[0m" "fin log\n" "\nObs: 5\nThought:"
        + ENTER.format("B") + ENTER.format("<unknown>") + ENTER.format("None"))
    assert handler_cls("red").color == "red"


@pytest.mark.parametrize("pkg", PKGS)
def test_verbose_tool_prints_its_output(pkg: str, capsys: Any) -> None:
    add = _add(pkg)
    assert add.run({"a": 1, "b": 2}, verbose=True) == 3
    assert add.run({"a": 1, "b": 2}, True, "red", "blue") == 3
    assert add.run({"a": 1, "b": 2}, True, color=None) == 3
    assert asyncio.run(add.arun({"a": 1, "b": 2}, verbose=True, color="pink")) == 3
    assert add.run({"a": 1, "b": 2}) == 3
    assert capsys.readouterr().out == (
        GREEN.format(3) + "\x1b[36;1m\x1b[1;3m3\x1b[0m" + "3" + "\x1b[38;5;200m\x1b[1;3m3\x1b[0m")
    # A handler given already is not doubled; the tool's own field, sync and async.
    given = [load(pkg, "callbacks", "StdOutCallbackHandler")(color="red")]
    add.run({"a": 1, "b": 2}, verbose=True, callbacks=given)
    loud = _add(pkg, verbose=True)
    assert loud.verbose is True and add.verbose is False
    loud.invoke({"a": 2, "b": 2})
    asyncio.run(loud.ainvoke({"a": 3, "b": 2}))
    assert capsys.readouterr().out == GREEN.format(3) + GREEN.format(4) + GREEN.format(5)


@pytest.mark.parametrize("pkg", PKGS)
def test_verbose_is_the_tools_own_run_only(pkg: str, capsys: Any) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")

    def inner(x: str, callbacks: Any) -> str:
        return str(lam(lambda y: y + "!").invoke(x, {"callbacks": callbacks}))

    tool = load(pkg, "tools", "StructuredTool").from_function(inner, name="t", description="d")
    assert tool.run("a", verbose=True) == "a!"
    assert capsys.readouterr().out == GREEN.format("a!")


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_events_carry_color_and_name(pkg: str) -> None:
    seen: list[tuple[str, Any, Any]] = []

    class Rec(load(pkg, "callbacks", "BaseCallbackHandler")):  # type: ignore[misc]
        def on_tool_start(self, s: Any, i: Any, **kw: Any) -> None:
            seen.append(("start", kw.get("color"), None))

        def on_tool_end(self, o: Any, **kw: Any) -> None:
            seen.append(("end", kw.get("color"), kw.get("name")))

    add = _add(pkg, name="plus")
    add.invoke({"a": 1, "b": 2}, {"callbacks": [Rec()]})
    add.run({"a": 1, "b": 2}, None, "red", "blue", [Rec()])
    asyncio.run(add.arun({"a": 1, "b": 2}, callbacks=[Rec()], color="yellow"))
    add.invoke({"type": "tool_call", "name": "plus", "args": {"a": 1, "b": 2}, "id": "c"},
               {"callbacks": [Rec()], "run_name": "other"})
    assert seen == [("start", "green", None), ("end", "green", "plus"),
                    ("start", "red", None), ("end", "blue", "plus"),
                    ("start", "green", None), ("end", "yellow", "plus"),
                    ("start", "green", None), ("end", "green", "plus")]


@pytest.mark.parametrize("pkg", PKGS)
def test_model_verbose(pkg: str, capsys: Any) -> None:
    chat = load(pkg, "language_models", "FakeListChatModel")
    llm = load(pkg, "language_models", "FakeListLLM")
    set_verbose = load(pkg, "globals", "set_verbose")
    assert chat(responses=["a"]).verbose is False
    assert chat(responses=["a"], verbose=1).verbose is True
    assert llm(responses=["a"], verbose="yes").verbose is True
    with pytest.raises(ValueError):
        chat(responses=["a"], verbose="maybe")
    set_verbose(True)
    try:
        made = chat(responses=["a"])
        assert chat(responses=["a"], verbose=False).verbose is False
    finally:
        set_verbose(False)
    assert made.verbose is True and chat(responses=["a"], verbose=None).verbose is False
    # The handler verbose adds prints nothing for a model's runs.
    assert made.invoke("hi").content == "a"
    assert llm(responses=["b"], verbose=True).invoke("hi") == "b"
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("pkg", PKGS)
def test_prompts_parsers_and_passthrough_take_verbose_and_print_nothing(
    pkg: str, capsys: Any
) -> None:
    prompt = load(pkg, "prompts", "PromptTemplate")
    chat = load(pkg, "prompts", "ChatPromptTemplate")
    placeholder = load(pkg, "prompts", "MessagesPlaceholder")
    made = [
        prompt(template="{x}", input_variables=["x"], verbose=True),
        prompt.from_template("{x}", verbose=True),
        chat([("human", "{x}")], verbose=True),
        load(pkg, "output_parsers", "StrOutputParser")(verbose=True),
        load(pkg, "output_parsers", "JsonOutputParser")(verbose=True),
        load(pkg, "runnables", "RunnablePassthrough")(verbose=True),
    ]
    placeholder("history", verbose=True)
    outputs = [m.invoke(x) for m, x in zip(made, [{"x": 1}, {"x": 1}, {"x": 1}, "s", "[1]", 5])]
    assert [getattr(o, "text", o) for o in outputs[:2]] == ["1", "1"]
    assert outputs[3:] == ["s", [1], 5]
    assert capsys.readouterr().out == ""
    lam = load(pkg, "runnables", "RunnableLambda")
    with pytest.raises(TypeError):
        lam(lambda x: x, verbose=True)
    with pytest.raises(TypeError):
        load(pkg, "runnables", "RunnableSequence")(lam(lambda x: x), lam(lambda x: x),
                                                   verbose=True)
