"""Configurable runnables at langchain_core's names: ``configurable_fields`` and
``configurable_alternatives``, driven by ``config["configurable"]`` or ``with_config``.

The wrapper starts no run: a handler sees the configured (or chosen) runnable's run where the
wrapper stands, carrying the configured values (a model's replies and ``invocation_params``),
in every mode. Each scenario is written once against a package prefix (``_lc_scenarios``), its
expected events written out by hand from langchain-core 1.8.3's; where langchain-core is
installed it also runs there and must give the same.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
MODES = ["invoke", "ainvoke", "batch", "abatch", "stream", "astream"]
STREAMED = {"stream", "astream"}

MODULE_NAMES: dict[str, list[str]] = {
    "runnables": ["ConfigurableField", "ConfigurableFieldSingleOption",
                  "ConfigurableFieldMultiOption", "ConfigurableFieldSpec"],
    "runnables.utils": ["ConfigurableField", "ConfigurableFieldSingleOption",
                        "ConfigurableFieldMultiOption", "ConfigurableFieldSpec",
                        "AnyConfigurableField"],
    "runnables.base": ["ConfigurableField", "ConfigurableFieldSpec"],
    "runnables.configurable": ["DynamicRunnable", "RunnableConfigurableFields",
                               "RunnableConfigurableAlternatives"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths_offer_langchain_cores_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    assert [n for n in MODULE_NAMES[module] if not hasattr(mod, n)] == []


def test_the_field_types_are_the_same_named_tuples() -> None:
    cf = load("reference", "runnables", "ConfigurableField")
    single = load("reference", "runnables", "ConfigurableFieldSingleOption")
    spec = load("reference", "runnables", "ConfigurableFieldSpec")
    assert cf(id="t") == ("t", None, None, None, False)
    assert hash(cf(id="t", name="a")) == hash(cf(id="t", name="b"))
    assert single(id="s", options={"a": 1}, default="a")._fields == (
        "id", "options", "default", "name", "description", "is_shared")
    assert spec(id="x", annotation=int).default is None


# ----------------------------------------------------------------------------- helpers


def _run(runnable: Any, mode: str, x: Any, config: Any) -> list[Any]:
    """The outputs of one call in ``mode`` (a batch of one; streams: every chunk)."""
    if mode == "invoke":
        return [runnable.invoke(x, config)]
    if mode == "ainvoke":
        return [asyncio.run(runnable.ainvoke(x, config))]
    if mode == "batch":
        return list(runnable.batch([x], config))
    if mode == "abatch":
        return list(asyncio.run(runnable.abatch([x], config)))
    if mode == "stream":
        return list(runnable.stream(x, config))

    async def astream() -> list[Any]:
        return [c async for c in runnable.astream(x, config)]

    return asyncio.run(astream())


def _text(outputs: list[Any]) -> str:
    return "".join(o.content if hasattr(o, "content") else str(o) for o in outputs)


def _streamed(seen: list[Seen], mode: str) -> list[Seen]:
    """A streamed chain's start input is left out (langchain-core gives ``{'input': ''}``, a
    known deviation of SPEC.md R15.3, not this file's subject)."""
    if mode not in STREAMED:
        return seen
    return [(e, n, p, "<stream input>" if e == "on_chain_start" and "run_type" not in d else d)
            for e, n, p, d in seen]


def _model_starts(pkg: str) -> tuple[Any, list[tuple[Any, ...]]]:
    """A handler keeping what each chat model start carries: invocation_params, tags and the
    metadata the scenario set (langchain_core adds ``ls_*`` keys and ``seq:step:N`` tags of
    its own)."""
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    got: list[tuple[Any, ...]] = []

    class Starts(base):  # type: ignore[misc, valid-type]
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            meta = {k: v for k, v in (kw.get("metadata") or {}).items()
                    if not k.startswith("ls_") and k != "lc_versions"}
            tags = sorted(t for t in kw.get("tags") or [] if not t.startswith("seq:step:"))
            got.append((kw["invocation_params"], tags, meta))

    return Starts(), got


# ----------------------------------------------------------------------------- fields


def _fields_chain(pkg: str) -> tuple[Any, Any, Any]:
    cf = load(pkg, "runnables", "ConfigurableField")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("Q: {q}")
    model = load(pkg, "language_models", "FakeListChatModel")(
        responses=["plain"], tags=["ctor"], metadata={"m": 1})
    clean = load(pkg, "runnables", "RunnableLambda")(lambda d: {"q": d["q"].strip()},
                                                     name="clean")
    chain = clean | prompt.configurable_fields(template=cf(id="tpl")) | \
        model.configurable_fields(responses=cf(id="replies"))
    return chain, prompt, model


FIELDS_SEEN: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "{'q': ' x '}"),
    ("on_chain_start", "clean", "RunnableSequence", "{'q': ' x '}"),
    ("on_chain_end", "clean", "RunnableSequence", "{'q': 'x'}"),
    ("on_chain_start", "PromptTemplate", "RunnableSequence", "{'q': 'x'} run_type=prompt"),
    ("on_chain_end", "PromptTemplate", "RunnableSequence", "StringPromptValue('Ask x')"),
    ("on_chat_model_start", "FakeListChatModel", "RunnableSequence", "[[HumanMessage('Ask x')]]"),
    ("on_llm_end", "FakeListChatModel", "RunnableSequence",
     "LLMResult([[ChatGeneration(AIMessage('hey'))]])"),
    ("on_chain_end", "RunnableSequence", None, "AIMessage('hey')"),
]

FIELDS_STREAMED: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "<stream input>"),
    ("on_chain_start", "clean", "RunnableSequence", "<stream input>"),
    ("on_chain_end", "clean", "RunnableSequence", "{'q': 'x'}"),
    ("on_chain_start", "PromptTemplate", "RunnableSequence", "{'q': 'x'} run_type=prompt"),
    ("on_chain_end", "PromptTemplate", "RunnableSequence", "StringPromptValue('Ask x')"),
    ("on_chat_model_start", "FakeListChatModel", "RunnableSequence", "[[HumanMessage('Ask x')]]"),
    ("on_llm_new_token", "FakeListChatModel", "RunnableSequence", "'h' ChatGenerationChunk"),
    ("on_llm_new_token", "FakeListChatModel", "RunnableSequence", "'e' ChatGenerationChunk"),
    ("on_llm_new_token", "FakeListChatModel", "RunnableSequence", "'y' ChatGenerationChunk"),
    ("on_llm_end", "FakeListChatModel", "RunnableSequence",
     "LLMResult([[ChatGenerationChunk(AIMessageChunk('hey'))]])"),
    ("on_chain_end", "RunnableSequence", None, "AIMessageChunk('hey')"),
]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_configurable_fields_of_a_prompt_and_a_model_in_a_sequence(pkg: str, mode: str) -> None:
    """The wrappers start no runs; the prompt formats the configured template, the model
    replies with the configured responses, its start shows them; unknown keys are ignored;
    constructor tags and metadata stay; the original objects are unchanged."""
    chain, prompt, model = _fields_chain(pkg)
    rec = recorder(pkg)
    starts, got = _model_starts(pkg)
    config = {"callbacks": [rec, starts],
              "configurable": {"tpl": "Ask {q}", "replies": ["hey"], "nobody": 3}}
    assert _text(_run(chain, mode, {"q": " x "}, config)) == "hey"
    assert _streamed(rec.seen, mode) == (FIELDS_STREAMED if mode in STREAMED else FIELDS_SEEN)
    assert got == [({"_type": "fake-list-chat-model", "responses": ["hey"], "stop": None},
                    ["ctor"], {"m": 1})]
    assert (prompt.template, model.responses, model.i) == ("Q: {q}", ["plain"], 0)
    # Without configurable values, the defaults run, as they are.
    assert _text(_run(chain, mode, {"q": "y"}, None)) == "plain"
    assert model.i == 0


@pytest.mark.parametrize("pkg", PKGS)
def test_a_configured_template_brings_its_own_variables(pkg: str) -> None:
    cf = load(pkg, "runnables", "ConfigurableField")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{a}") \
        .configurable_fields(template=cf(id="t"))
    assert prompt.invoke({"a": 1, "b": 2}, {"configurable": {"t": "{a}+{b}"}}).to_string() == "1+2"
    with pytest.raises(KeyError):
        prompt.invoke({"a": 1}, {"configurable": {"t": "{b}"}})


@pytest.mark.parametrize("pkg", PKGS)
def test_option_fields_map_the_configured_names(pkg: str) -> None:
    """``ConfigurableFieldSingleOption``: one option by name (the default's when not given);
    ``ConfigurableFieldMultiOption``: a list of them."""
    single = load(pkg, "runnables", "ConfigurableFieldSingleOption")
    multi = load(pkg, "runnables", "ConfigurableFieldMultiOption")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}?").configurable_fields(
        template=single(id="style", options={"short": "{q}?", "long": "Tell me: {q}?"},
                        default="short"))
    model = load(pkg, "language_models", "FakeListChatModel")(responses=["x"]) \
        .configurable_fields(responses=multi(id="say", options={"a": "alpha", "b": "beta"},
                                             default=["a"]))
    chain = prompt | model
    rec = recorder(pkg)
    assert chain.invoke({"q": "z"}, {"callbacks": [rec]}).content == "alpha"
    # Each call configures its own copy: both items reply with the list's first, "beta".
    replies = chain.batch([{"q": "z"}, {"q": "w"}],
                          {"configurable": {"style": "long", "say": ["b", "a"]}})
    assert [r.content for r in replies] == ["beta", "beta"]
    assert rec.seen == [
        ("on_chain_start", "RunnableSequence", None, "{'q': 'z'}"),
        ("on_chain_start", "PromptTemplate", "RunnableSequence", "{'q': 'z'} run_type=prompt"),
        ("on_chain_end", "PromptTemplate", "RunnableSequence", "StringPromptValue('z?')"),
        ("on_chat_model_start", "FakeListChatModel", "RunnableSequence", "[[HumanMessage('z?')]]"),
        ("on_llm_end", "FakeListChatModel", "RunnableSequence",
         "LLMResult([[ChatGeneration(AIMessage('alpha'))]])"),
        ("on_chain_end", "RunnableSequence", None, "AIMessage('alpha')"),
    ]
    with pytest.raises(KeyError):  # an option name that is not one
        chain.invoke({"q": "z"}, {"configurable": {"style": "medium"}})
    with pytest.raises(KeyError):
        chain.invoke({"q": "z"}, {"configurable": {"say": ["c"]}})
