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
import threading
import time
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
def test_configured_chat_messages_bring_their_own_variables(pkg: str) -> None:
    cf = load(pkg, "runnables", "ConfigurableField")
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages(
        [("system", "be {mood}"), ("human", "{q}")])
    configured = prompt.configurable_fields(messages=cf(id="msgs"))
    out = configured.invoke({"x": 1}, {"configurable": {"msgs": [("human", "only {x}")]}})
    assert [(type(m).__name__, m.content) for m in out.to_messages()] == [
        ("HumanMessage", "only 1")]
    assert [m.content for m in configured.invoke({"mood": "kind", "q": "hi"}).to_messages()] \
        == ["be kind", "hi"]
    assert prompt.input_variables == ["mood", "q"]


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


# ----------------------------------------------------------------------------- alternatives


def _alternatives(pkg: str) -> Any:
    """A model, or another (named ``model_b``), or a lambda, chosen by ``configurable["llm"]``."""
    cf = load(pkg, "runnables", "ConfigurableField")
    fake = load(pkg, "language_models", "FakeListChatModel")
    shout = load(pkg, "runnables", "RunnableLambda")(lambda p: p.to_string().upper(),
                                                     name="shout")
    return fake(responses=["A"]).configurable_alternatives(
        cf(id="llm"), default_key="a", b=fake(responses=["B"], name="model_b"), shout=shout)


def _alternative_seen(key: str | None, streamed: bool) -> list[Seen]:
    seq = "RunnableSequence"
    start = "<stream input>" if streamed else "{'w': 'it'}"
    head: list[Seen] = [
        ("on_chain_start", seq, None, start),
        ("on_chain_start", "PromptTemplate", seq, "{'w': 'it'} run_type=prompt"),
        ("on_chain_end", "PromptTemplate", seq, "StringPromptValue('say it')"),
    ]
    if key == "shout":
        return [*head,
                ("on_chain_start", "shout", seq,
                 "<stream input>" if streamed else "StringPromptValue('say it')"),
                ("on_chain_end", "shout", seq, "'SAY IT'"),
                ("on_chain_end", seq, None, "'SAY IT'")]
    name, reply = ("model_b", "B") if key == "b" else ("FakeListChatModel", "A")
    gen = "ChatGenerationChunk(AIMessageChunk" if streamed else "ChatGeneration(AIMessage"
    msg = "AIMessageChunk" if streamed else "AIMessage"
    return [*head,
            ("on_chat_model_start", name, seq, "[[HumanMessage('say it')]]"),
            *([("on_llm_new_token", name, seq, f"{reply!r} ChatGenerationChunk")]
              if streamed else []),
            ("on_llm_end", name, seq, f"LLMResult([[{gen}({reply!r}))]])"),
            ("on_chain_end", seq, None, f"{msg}({reply!r})")]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("key", [None, "a", "b", "shout"])
def test_configurable_alternatives_run_the_chosen_runnable(
    pkg: str, mode: str, key: str | None
) -> None:
    """Two models and a lambda: the chosen one's run stands where the wrapper is; the default
    by ``default_key`` or when nothing is chosen."""
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("say {w}")
    rec = recorder(pkg)
    config: dict[str, Any] = {"callbacks": [rec]}
    if key is not None:
        config["configurable"] = {"llm": key}
    out = _text(_run(prompt | _alternatives(pkg), mode, {"w": "it"}, config))
    assert out == {"b": "B", "shout": "SAY IT"}.get(key or "a", "A")
    assert _streamed(rec.seen, mode) == _alternative_seen(key, mode in STREAMED)


@pytest.mark.parametrize("pkg", PKGS)
def test_an_unknown_alternative_fails_the_enclosing_run(pkg: str) -> None:
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("say {w}")
    rec = recorder(pkg)
    with pytest.raises(ValueError, match="Unknown alternative"):
        (prompt | _alternatives(pkg)).invoke({"w": "it"}, {"callbacks": [rec],
                                                           "configurable": {"llm": "c"}})
    assert [s[:3] for s in rec.seen] == [
        ("on_chain_start", "RunnableSequence", None),
        ("on_chain_start", "PromptTemplate", "RunnableSequence"),
        ("on_chain_end", "PromptTemplate", "RunnableSequence"),
        ("on_chain_error", "RunnableSequence", None),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_prefixed_keys_reach_the_chosen_alternatives_fields(pkg: str) -> None:
    """``prefix_keys=True``: ``"llm==b/replies"`` is the ``replies`` key of alternative ``b``;
    ``configurable_fields`` on the alternatives configures the default."""
    cf = load(pkg, "runnables", "ConfigurableField")
    fake = load(pkg, "language_models", "FakeListChatModel")
    b = fake(responses=["B"]).configurable_fields(responses=cf(id="replies"))
    alt = fake(responses=["A"]).configurable_alternatives(cf(id="llm"), prefix_keys=True, b=b)
    assert alt.invoke("x", {"configurable": {"llm": "b", "llm==b/replies": ["P"]}}).content == "P"
    # The prefix is only removed: a key without it passes through as it is.
    assert alt.invoke("x", {"configurable": {"llm": "b", "replies": ["Q"]}}).content == "Q"
    assert alt.invoke("x", {"configurable": {"llm==a/replies": ["R"]}}).content == "A"
    both = alt.configurable_fields(responses=cf(id="mine"))
    assert type(both).__name__ == "RunnableConfigurableAlternatives"
    assert both.invoke("x", {"configurable": {"mine": ["M"]}}).content == "M"
    assert both.invoke("x", {"configurable": {"mine": ["M"], "llm": "b"}}).content == "B"


# ----------------------------------------------------------------------------- with_config


@pytest.mark.parametrize("pkg", PKGS)
def test_configurable_values_bound_with_with_config(pkg: str) -> None:
    """``with_config(configurable=...)`` on the wrapper keeps a wrapper (a call's values win
    over the bound ones); on a chain, it reaches the wrapper inside; bound callbacks see the
    configured run, parented to the enclosing run they did not see."""
    cf = load(pkg, "runnables", "ConfigurableField")
    fake = load(pkg, "language_models", "FakeListChatModel")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}")
    model = fake(responses=["plain"]).configurable_fields(responses=cf(id="replies"))
    bound = model.with_config(configurable={"replies": ["bound"]})
    assert type(bound).__name__ == "RunnableConfigurableFields"
    assert (prompt | bound).invoke({"q": "x"}).content == "bound"
    assert (prompt | bound).invoke({"q": "x"}, {"configurable": {"replies": ["call"]}}) \
        .content == "call"
    assert (prompt | model).with_config(configurable={"replies": ["outer"]}) \
        .invoke({"q": "x"}).content == "outer"
    chosen = _alternatives(pkg).with_config(configurable={"llm": "shout"})
    assert type(chosen).__name__ == "RunnableConfigurableAlternatives"
    assert (prompt | chosen).invoke({"q": "x"}) == "X"
    rec = recorder(pkg)
    seq = prompt | model.with_config(callbacks=[rec], configurable={"replies": ["seen"]})
    assert seq.invoke({"q": "x"}).content == "seen"
    assert rec.seen == [
        ("on_chat_model_start", "FakeListChatModel", None, "[[HumanMessage('x')]]"),
        ("on_llm_end", "FakeListChatModel", None,
         "LLMResult([[ChatGeneration(AIMessage('seen'))]])"),
    ]
    assert model.responses == ["plain"]  # other attributes are the default's


@pytest.mark.parametrize("pkg", PKGS)
def test_constructor_callbacks_and_tags_of_the_configured_object_stay_its_own(pkg: str) -> None:
    """The configured copy keeps the constructor's handler (its own run only, R3) and tags."""
    cf = load(pkg, "runnables", "ConfigurableField")
    fake = load(pkg, "language_models", "FakeListChatModel")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}")
    own = recorder(pkg)
    starts, got = _model_starts(pkg)
    model = fake(responses=["plain"], callbacks=[own], tags=["ctor"]) \
        .configurable_fields(responses=cf(id="replies"))
    out = (prompt | model).invoke({"q": "x"}, {"callbacks": [starts], "tags": ["call"],
                                               "configurable": {"replies": ["c"]}})
    assert out.content == "c"
    assert own.seen == [
        ("on_chat_model_start", "FakeListChatModel", None, "[[HumanMessage('x')]]"),
        ("on_llm_end", "FakeListChatModel", None, "LLMResult([[ChatGeneration(AIMessage('c'))]])"),
    ]
    assert got == [({"_type": "fake-list-chat-model", "responses": ["c"], "stop": None},
                    ["call", "ctor"], {})]


# ----------------------------------------------------------------------------- concurrency


def _echo(pkg: str) -> Any:
    """A custom ``RunnableSerializable`` with a field, slow enough for calls to overlap."""
    base = load(pkg, "runnables", "RunnableSerializable")

    class Echo(base):  # type: ignore[misc, valid-type]
        word: str

        def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
            def body(x: Any) -> str:
                time.sleep(0.01)
                return f"{self.word}:{x}"

            return self._call_with_config(body, input, config)

    return Echo


@pytest.mark.parametrize("pkg", PKGS)
def test_concurrent_calls_with_different_values_do_not_mix(pkg: str) -> None:
    """Batch items (threads, then tasks) and plain threads, each with its own value: each run
    gets its own copy; the original keeps its value (R12)."""
    cf = load(pkg, "runnables", "ConfigurableField")
    echo = _echo(pkg)(word="orig")
    configured = echo.configurable_fields(word=cf(id="word"))
    n = 8
    rec = recorder(pkg)
    configs = [{"callbacks": [rec], "configurable": {"word": f"w{i}"}} for i in range(n)]
    expected = [f"w{i}:{i}" for i in range(n)]
    assert configured.batch(list(range(n)), configs) == expected
    assert asyncio.run(configured.abatch(list(range(n)), configs)) == expected
    ends = sorted(d for e, _, _, d in rec.seen if e == "on_chain_end")
    assert ends == sorted([repr(x) for x in expected] * 2)
    assert {n for _, n, _, _ in rec.seen} == {"Echo"}
    results: dict[int, Any] = {}

    def call(i: int) -> None:
        results[i] = configured.invoke(i, {"configurable": {"word": f"t{i}"}})

    threads = [threading.Thread(target=call, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"t{i}:{i}" for i in range(n)}
    assert configured.batch([1, 2]) == ["orig:1", "orig:2"]
    assert echo.word == "orig"


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize("pkg", PKGS)
def test_wrong_fields_and_values_raise_as_langchain_core(pkg: str) -> None:
    """An unknown field: ValueError when configuring; a value of the wrong type: ValueError
    when invoked (pydantic's error is one); a numeric str for a float field is taken."""
    cf = load(pkg, "runnables", "ConfigurableField")
    fake = load(pkg, "language_models", "FakeListChatModel")
    with pytest.raises(ValueError, match="nope"):
        fake(responses=["a"]).configurable_fields(nope=cf(id="n"))
    model = fake(responses=["a"]).configurable_fields(responses=cf(id="r"), sleep=cf(id="s"))
    with pytest.raises(ValueError):
        model.invoke("x", {"configurable": {"r": 5}})
    with pytest.raises(ValueError):
        model.invoke("x", {"configurable": {"r": [1, 2]}})
    with pytest.raises(ValueError):
        model.invoke("x", {"configurable": {"s": "slow"}})
    assert model.invoke("x", {"configurable": {"s": "0"}}).content == "a"
    assert model.invoke("x", {"configurable": {"s": 0, "r": ["b"]}}).content == "b"
    echo = _echo(pkg)(word="w").configurable_fields(word=cf(id="word"))
    with pytest.raises(ValueError):
        echo.invoke(1, {"configurable": {"word": 3}})
