"""``generate`` / ``agenerate`` on chat models and LLMs, the pre-Runnable API: one run per
input, all started before any answer, ended in input order; an ``LLMResult`` with one
generation list per input and ``run`` (each input's run id); routes from the call's
``callbacks`` (a list or a manager), ``tags``, ``metadata``, ``run_name`` and the model's
constructor; failures. Written once against a package prefix, expected values by hand; where
langchain-core 1.x is installed they must hold on it too.

Where they differ on purpose (see ``reference.language_models._generate``): after a sync chat
model's input fails, langchain_core leaves the other inputs' runs open; the reference ends
each run once (answered ones with their result, the others with the error).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
MODES = ["sync", "async"]


def _keys(pkg: str) -> Any:
    """A handler recording each model event's run id, parent id and what the start carries."""
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")

    class Keys(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.starts: list[dict[str, Any]] = []
            self.outcomes: list[tuple[str, Any]] = []

        def _start(self, serialized: Any, payload: Any, kw: dict[str, Any]) -> None:
            self.starts.append({
                "payload": payload, "run_id": kw["run_id"], "parent": kw.get("parent_run_id"),
                "tags": kw.get("tags"), "metadata": kw.get("metadata") or {},
                "name": kw.get("name") or serialized.get("name"),
                "batch_size": kw.get("batch_size"),
                "params": kw.get("invocation_params"), "options": kw.get("options"),
            })

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            self._start(serialized, [[m.content for m in ms] for ms in messages], kw)

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            self._start(serialized, prompts, kw)

        def on_llm_end(self, response: Any, **kw: Any) -> None:
            self.outcomes.append(("end", kw["run_id"]))

        def on_llm_error(self, error: BaseException, **kw: Any) -> None:
            self.outcomes.append(("error", kw["run_id"]))

    return Keys()


def _human(pkg: str, text: str) -> Any:
    return load(pkg, "messages", "HumanMessage")(content=text)


def _parrot(pkg: str, **kw: Any) -> Any:
    """A chat model answering each input with its last message (whatever the order it runs
    them in: ``agenerate`` answers concurrently)."""
    return load(pkg, "language_models.fake_chat_models", "ParrotFakeChatModel")(**kw)


def _failing_chat(pkg: str) -> Any:
    """A chat model written on langchain_core's contract whose ``_generate`` raises on 'bad'."""
    base = load(pkg, "language_models", "BaseChatModel")
    chat_result = load(pkg, "outputs", "ChatResult")
    chat_generation = load(pkg, "outputs", "ChatGeneration")
    ai = load(pkg, "messages", "AIMessage")

    class Picky(base):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "picky"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            text = messages[-1].content
            if text == "bad":
                raise ValueError("no bad input")
            return chat_result(generations=[chat_generation(message=ai(content="ok " + text))])

    return Picky()


def _echo_llm(pkg: str) -> Any:
    """An LLM on langchain_core's ``_call`` contract: reports a token, fails on 'bad'."""
    base = load(pkg, "language_models", "LLM")

    class Echo(base):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "echo"

        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            if prompt == "bad":
                raise ValueError("no bad prompt")
            if run_manager is not None:
                run_manager.on_llm_new_token("t-" + prompt)
            return "ok " + prompt

    return Echo()


def _call(mode: str, model: Any, inputs: Any, **kw: Any) -> Any:
    if mode == "sync":
        return model.generate(inputs, **kw)
    return asyncio.run(model.agenerate(inputs, **kw))


def _in_order(mode: str, seen: list[Seen]) -> list[Seen]:
    """The events as recorded (sync), or sorted (async: langchain_core hands a sync handler's
    events of concurrent runs to worker threads, in no fixed order)."""
    return seen if mode == "sync" else sorted(seen)


# -- chat models ---------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_chat_generate_one_run_per_message_list(pkg: str, mode: str) -> None:
    rec, keys = recorder(pkg), _keys(pkg)
    result = _call(mode, _parrot(pkg), [[_human(pkg, "hi")], [_human(pkg, "yo")]],
                   callbacks=[rec, keys])
    expected: list[Seen] = [
        ("on_chat_model_start", "ParrotFakeChatModel", None, "[[HumanMessage('hi')]]"),
        ("on_chat_model_start", "ParrotFakeChatModel", None, "[[HumanMessage('yo')]]"),
        ("on_llm_end", "ParrotFakeChatModel", None,
         "LLMResult([[ChatGeneration(HumanMessage('hi'))]])"),
        ("on_llm_end", "ParrotFakeChatModel", None,
         "LLMResult([[ChatGeneration(HumanMessage('yo'))]])"),
    ]
    assert _in_order(mode, rec.seen) == _in_order(mode, expected)
    assert [[g.message.content for g in gens] for gens in result.generations] == [["hi"], ["yo"]]
    assert result.llm_output == {}
    ids = [s["run_id"] for s in keys.starts]
    assert [info.run_id for info in result.run] == ids
    assert len(set(ids)) == 2
    assert sorted(keys.outcomes) == sorted([("end", ids[0]), ("end", ids[1])])
    assert [s["batch_size"] for s in keys.starts] == [2, 2]
    assert [s["parent"] for s in keys.starts] == [None, None]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_chat_generate_tags_metadata_run_name_stop_and_keywords(pkg: str, mode: str) -> None:
    keys = _keys(pkg)
    model = _parrot(pkg, tags=["model"], metadata={"m": 0})
    _call(mode, model, [[_human(pkg, "a")], [_human(pkg, "b")]], stop=["x"],
          callbacks=[keys], tags=["call"], metadata={"k": 1}, run_name="named",
          temperature=0.5)
    for start in keys.starts:
        assert sorted(start["tags"]) == ["call", "model"]
        # langchain_core adds its ls_* and version keys beside these
        assert {k: start["metadata"].get(k) for k in ("k", "m")} == {"k": 1, "m": 0}
        assert start["name"] == "named"
        assert start["options"] == {"stop": ["x"]}
        assert {k: start["params"].get(k) for k in ("stop", "temperature")} == {
            "stop": ["x"], "temperature": 0.5}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_chat_generate_takes_a_callback_manager_and_the_models_own_handlers(
    pkg: str, mode: str
) -> None:
    manager_cls = load(pkg, "callbacks", "CallbackManager")
    rec, own = recorder(pkg), recorder(pkg)
    manager = manager_cls(handlers=[rec], inheritable_handlers=[rec])
    manager.add_tags(["from-manager"])
    keys = _keys(pkg)
    manager.add_handler(keys)
    model = _parrot(pkg, callbacks=[own])
    _call(mode, model, [[_human(pkg, "a")], [_human(pkg, "b")]], callbacks=manager)
    events = sorted(e for e, *_ in rec.seen)
    assert events == ["on_chat_model_start"] * 2 + ["on_llm_end"] * 2
    assert sorted(own.seen) == sorted(rec.seen)
    assert [s["tags"] for s in keys.starts] == [["from-manager"]] * 2


@pytest.mark.parametrize("pkg", PKGS)
def test_chat_generate_run_id_names_the_first_run(pkg: str) -> None:
    from uuid import uuid4

    keys = _keys(pkg)
    given = uuid4()
    result = _parrot(pkg).generate([[_human(pkg, "a")], [_human(pkg, "b")]],
                                   callbacks=[keys], run_id=given)
    assert keys.starts[0]["run_id"] == given
    assert keys.starts[1]["run_id"] != given
    assert result.run[0].run_id == given


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_chat_generate_inside_a_function_joins_its_run_only_through_its_callbacks(
    pkg: str, mode: str
) -> None:
    """Unlike ``invoke``, ``generate`` takes no handlers from the run it is called in: a
    function passes its ``config["callbacks"]`` to make the model's runs its children."""
    lam = load(pkg, "runnables", "RunnableLambda")
    model = _parrot(pkg)
    inputs = [[_human(pkg, "a")], [_human(pkg, "b")]]

    def linked(x: str, config: Any) -> str:
        return model.generate(inputs, callbacks=config["callbacks"]).generations[1][0].text  # type: ignore[no-any-return]

    async def alinked(x: str, config: Any) -> str:
        res = await model.agenerate(inputs, callbacks=config["callbacks"])
        return res.generations[1][0].text  # type: ignore[no-any-return]

    def unlinked(x: str) -> str:
        return model.generate(inputs).generations[0][0].text  # type: ignore[no-any-return]

    async def aunlinked(x: str) -> str:
        return (await model.agenerate(inputs)).generations[0][0].text  # type: ignore[no-any-return]

    rec = recorder(pkg)
    step = lam(linked, afunc=alinked, name="outer")
    cfg = {"callbacks": [rec], "tags": ["t"]}
    out = step.invoke("q", cfg) if mode == "sync" else asyncio.run(step.ainvoke("q", cfg))
    assert out == "b"
    assert rec.seen[0] == ("on_chain_start", "outer", None, "'q'")
    assert rec.seen[-1] == ("on_chain_end", "outer", None, "'b'")
    assert sorted(rec.seen[1:-1]) == [
        ("on_chat_model_start", "ParrotFakeChatModel", "outer", "[[HumanMessage('a')]]"),
        ("on_chat_model_start", "ParrotFakeChatModel", "outer", "[[HumanMessage('b')]]"),
        ("on_llm_end", "ParrotFakeChatModel", "outer",
         "LLMResult([[ChatGeneration(HumanMessage('a'))]])"),
        ("on_llm_end", "ParrotFakeChatModel", "outer",
         "LLMResult([[ChatGeneration(HumanMessage('b'))]])"),
    ]

    rec = recorder(pkg)
    cfg = {"callbacks": [rec], "tags": ["t"]}
    step = lam(unlinked, afunc=aunlinked, name="outer")
    out = step.invoke("q", cfg) if mode == "sync" else asyncio.run(step.ainvoke("q", cfg))
    assert out == "a"
    assert rec.seen == [("on_chain_start", "outer", None, "'q'"),
                        ("on_chain_end", "outer", None, "'a'")]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_chat_generate_a_failing_input_errors_its_run(pkg: str, mode: str) -> None:
    rec, keys = recorder(pkg), _keys(pkg)
    inputs = [[_human(pkg, "x")], [_human(pkg, "bad")], [_human(pkg, "y")]]
    with pytest.raises(ValueError, match="no bad input"):
        _call(mode, _failing_chat(pkg), inputs, callbacks=[rec, keys])
    starts: list[Seen] = [
        ("on_chat_model_start", "Picky", None, f"[[HumanMessage({t!r})]]")
        for t in ("x", "bad", "y")
    ]
    error: Seen = ("on_llm_error", "Picky", None, "ValueError(no bad input)")
    x_end: Seen = ("on_llm_end", "Picky", None,
                   "LLMResult([[ChatGeneration(AIMessage('ok x'))]])")
    y_end: Seen = ("on_llm_end", "Picky", None,
                   "LLMResult([[ChatGeneration(AIMessage('ok y'))]])")
    ids = [s["run_id"] for s in keys.starts]
    if mode == "async":  # the inputs are answered concurrently: the others end
        assert sorted(rec.seen) == sorted([*starts, error, x_end, y_end])
        assert keys.outcomes == [("error", ids[1]), ("end", ids[0]), ("end", ids[2])]
    elif pkg == "langchain_core":  # the answered and the unanswered runs stay open
        assert rec.seen == [*starts, error]
    else:  # each run ends once: errors first, then ends, in input order
        assert rec.seen == [*starts, error, error, x_end]
        assert keys.outcomes == [("error", ids[1]), ("error", ids[2]), ("end", ids[0])]


@pytest.mark.parametrize("pkg", PKGS)
def test_chat_generate_prompt_and_an_exhausted_generic_fake_model(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content="one")]))
    rec = recorder(pkg)
    result = model.generate_prompt([prompt.invoke({"q": "a"})], callbacks=[rec])
    assert result.generations[0][0].message.content == "one"
    with pytest.raises(StopIteration):
        model.generate([[_human(pkg, "b")]], callbacks=[rec])
    assert [e for e, *_ in rec.seen] == [
        "on_chat_model_start", "on_llm_end", "on_chat_model_start", "on_llm_error"]


# -- LLMs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_llm_generate_one_run_per_prompt(pkg: str, mode: str) -> None:
    rec, keys = recorder(pkg), _keys(pkg)
    model = load(pkg, "language_models", "FakeListLLM")(responses=["a", "b"])
    result = _call(mode, model, ["p1", "p2"], stop=["s"], callbacks=[rec, keys],
                   tags=["t"], metadata={"k": 1}, run_name="named")
    assert rec.seen == [
        ("on_llm_start", "named", None, "['p1']"),
        ("on_llm_start", "named", None, "['p2']"),
        ("on_llm_end", "named", None, "LLMResult([[Generation('a')]])"),
        ("on_llm_end", "named", None, "LLMResult([[Generation('b')]])"),
    ]
    assert [[g.text for g in gens] for gens in result.generations] == [["a"], ["b"]]
    assert result.llm_output is None
    ids = [s["run_id"] for s in keys.starts]
    assert [info.run_id for info in result.run] == ids
    assert keys.outcomes == [("end", ids[0]), ("end", ids[1])]
    for start in keys.starts:
        assert start["tags"] == ["t"]
        assert start["metadata"]["k"] == 1
        assert start["batch_size"] == 2
        assert start["params"] == {"responses": ["a", "b"], "_type": "fake-list", "stop": ["s"]}
        assert start["options"] == {"stop": ["s"]}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_llm_generate_a_failure_errors_every_run(pkg: str, mode: str) -> None:
    rec, keys = recorder(pkg), _keys(pkg)
    with pytest.raises(ValueError, match="no bad prompt"):
        _call(mode, _echo_llm(pkg), ["x", "bad", "y"], callbacks=[rec, keys])
    ids = [s["run_id"] for s in keys.starts]
    assert [e for e, *_ in rec.seen] == ["on_llm_start"] * 3 + [
        "on_llm_new_token", "on_llm_error", "on_llm_error", "on_llm_error"]
    assert keys.outcomes == [("error", i) for i in ids]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_llm_generate_reports_every_prompts_tokens_to_the_first_run(pkg: str, mode: str) -> None:
    """As langchain_core's ``LLM._generate`` hands ``_call`` the first run's manager."""
    rec = recorder(pkg)
    _call(mode, _echo_llm(pkg), ["x", "y"], callbacks=[rec])
    assert rec.seen == [
        ("on_llm_start", "Echo", None, "['x']"),
        ("on_llm_start", "Echo", None, "['y']"),
        ("on_llm_new_token", "Echo", None, "'t-x' NoneType"),
        ("on_llm_new_token", "Echo", None, "'t-y' NoneType"),
        ("on_llm_end", "Echo", None, "LLMResult([[Generation('ok x')]])"),
        ("on_llm_end", "Echo", None, "LLMResult([[Generation('ok y')]])"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_llm_generate_per_prompt_callbacks_tags_metadata_and_names(pkg: str) -> None:
    first, second = _keys(pkg), _keys(pkg)
    model = load(pkg, "language_models", "FakeListLLM")(responses=["a", "b"])
    result = model.generate(["p1", "p2"], callbacks=[[first], [second]], tags=[["a"], ["b"]],
                            metadata=[{"m": 1}, {"m": 2}], run_name=["n1", "n2"])
    assert [(s["payload"], s["tags"], s["metadata"]["m"], s["name"]) for s in first.starts] == [
        (["p1"], ["a"], 1, "n1")]
    assert [(s["payload"], s["tags"], s["metadata"]["m"], s["name"])
            for s in second.starts] == [(["p2"], ["b"], 2, "n2")]
    assert [info.run_id for info in result.run] == [
        first.starts[0]["run_id"], second.starts[0]["run_id"]]
    with pytest.raises(ValueError):
        model.generate(["p1", "p2"], callbacks=[[first], [second]], tags=["a", "b", "c"])
    with pytest.raises(ValueError):
        model.generate("p1")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_llm_generate_inside_a_function_with_its_callbacks(pkg: str, mode: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    model = _echo_llm(pkg)

    def fn(x: str, config: Any) -> str:
        return model.generate([x, "bad"], callbacks=config["callbacks"]).generations[0][0].text  # type: ignore[no-any-return]

    async def afn(x: str, config: Any) -> str:
        res = await model.agenerate([x, "bad"], callbacks=config["callbacks"])
        return res.generations[0][0].text  # type: ignore[no-any-return]

    rec = recorder(pkg)
    step = lam(fn, afunc=afn, name="outer")
    with pytest.raises(ValueError, match="no bad prompt"):
        if mode == "sync":
            step.invoke("q", {"callbacks": [rec]})
        else:
            asyncio.run(step.ainvoke("q", {"callbacks": [rec]}))
    assert rec.seen == [
        ("on_chain_start", "outer", None, "'q'"),
        ("on_llm_start", "Echo", "outer", "['q']"),
        ("on_llm_start", "Echo", "outer", "['bad']"),
        ("on_llm_new_token", "Echo", "outer", "'t-q' NoneType"),
        ("on_llm_error", "Echo", "outer", "ValueError(no bad prompt)"),
        ("on_llm_error", "Echo", "outer", "ValueError(no bad prompt)"),
        ("on_chain_error", "outer", None, "ValueError(no bad prompt)"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_llm_generate_with_a_cache_runs_the_prompts_not_cached_only(pkg: str, mode: str) -> None:
    cache = load(pkg, "caches", "InMemoryCache")()
    model = load(pkg, "language_models", "FakeListLLM")(responses=["a", "b", "c"], cache=cache)
    keys = _keys(pkg)
    _call(mode, model, ["p1", "p2"], callbacks=[keys])
    keys = _keys(pkg)
    second = _call(mode, model, ["p1", "p3"], callbacks=[keys])
    assert [[g.text for g in gens] for gens in second.generations] == [["a"], ["c"]]
    assert [(s["payload"], s["batch_size"]) for s in keys.starts] == [(["p3"], 1)]
    assert [info.run_id for info in second.run] == [keys.starts[0]["run_id"]]
    keys = _keys(pkg)
    third = _call(mode, model, ["p1", "p3"], callbacks=[keys])
    assert (third.llm_output, third.run, keys.starts) == ({}, None, [])
    assert [[g.text for g in gens] for gens in third.generations] == [["a"], ["c"]]


@pytest.mark.parametrize("pkg", PKGS)
def test_generate_of_nothing_starts_no_run(pkg: str) -> None:
    rec = recorder(pkg)
    chat = _parrot(pkg).generate([], callbacks=[rec])
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["a"]).generate(
        [], callbacks=[rec])
    assert (chat.generations, chat.llm_output, chat.run) == ([], {}, None)
    assert (llm.generations, llm.llm_output, llm.run) == ([], None, None)
    assert rec.seen == []


@pytest.mark.parametrize("pkg", PKGS)
def test_run_info_and_llm_result_equality(pkg: str) -> None:
    from uuid import uuid4

    run_info = load(pkg, "outputs", "RunInfo")
    assert load(pkg, "outputs.run_info", "RunInfo") is run_info
    llm_result = load(pkg, "outputs", "LLMResult")
    generation = load(pkg, "outputs", "Generation")
    with_run = llm_result(generations=[[generation(text="a")]],
                          run=[run_info(run_id=uuid4())])
    assert with_run == llm_result(generations=[[generation(text="a")]])
    assert with_run != llm_result(generations=[[generation(text="b")]])


# -- every run ends once (the reference's; langchain_core leaves these runs open) ------------


def _sleepy_chat() -> Any:
    base = load("reference", "language_models", "BaseChatModel")
    chat_result = load("reference", "outputs", "ChatResult")
    chat_generation = load("reference", "outputs", "ChatGeneration")
    ai = load("reference", "messages", "AIMessage")

    class Sleepy(base):  # type: ignore[misc, valid-type]
        async def _agenerate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                             **kwargs: Any) -> Any:
            if messages[-1].content == "slow":
                await asyncio.sleep(10)
            return chat_result(generations=[chat_generation(message=ai(content="done"))])

    return Sleepy()


def test_agenerate_cancelled_ends_every_run_once() -> None:
    keys = _keys("reference")
    model = _sleepy_chat()
    inputs = [[_human("reference", "fast")], [_human("reference", "slow")]]

    async def main() -> None:
        await asyncio.wait_for(model.agenerate(inputs, callbacks=[keys]), 0.05)

    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(main())
    ids = [s["run_id"] for s in keys.starts]
    assert keys.outcomes == [("error", ids[1]), ("end", ids[0])]


@pytest.mark.parametrize("mode", MODES)
def test_a_base_exception_ends_every_run_once(mode: str) -> None:
    base = load("reference", "language_models", "LLM")

    class Interrupted(base):  # type: ignore[misc, valid-type]
        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            raise KeyboardInterrupt

    keys = _keys("reference")
    with pytest.raises(KeyboardInterrupt):
        _call(mode, Interrupted(), ["a", "b"], callbacks=[keys])
    ids = [s["run_id"] for s in keys.starts]
    assert keys.outcomes == [("error", ids[0]), ("error", ids[1])]


def test_a_raising_start_closes_the_runs_already_started() -> None:
    keys = _keys("reference")
    base = load("reference", "callbacks.base", "BaseCallbackHandler")

    class SecondStartFails(base):  # type: ignore[misc, valid-type]
        raise_error = True

        def __init__(self) -> None:
            self.starts = 0

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            self.starts += 1
            if self.starts == 2:
                raise RuntimeError("no second run")

    model = load("reference", "language_models", "FakeListLLM")(responses=["a"])
    with pytest.raises(RuntimeError, match="no second run"):
        model.generate(["p1", "p2", "p3"], callbacks=[keys, SecondStartFails()])
    ids = [s["run_id"] for s in keys.starts]
    assert len(ids) == 2
    assert sorted(keys.outcomes) == sorted([("error", ids[0]), ("error", ids[1])])
