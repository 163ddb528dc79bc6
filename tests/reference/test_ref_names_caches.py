"""Model caches and rate limiters at langchain_core's names: ``caches`` (``BaseCache``,
``InMemoryCache``), ``globals.set_llm_cache``, the models' ``cache=`` field, ``rate_limiters``
(``InMemoryRateLimiter``) and the chat models' ``rate_limiter=`` field; what a handler sees on a
cache hit, what the call returns, and what the cache is asked. Written once against a package
prefix, expected values by hand (langchain-core 1.8.3's); where it is installed they must hold
on it too."""

from __future__ import annotations

import asyncio
import importlib
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

HUMAN_P = ('[{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", '
           '"HumanMessage"], "kwargs": {"content": "p", "type": "human"}}]')
FAKE_LIST = "[('_type', 'fake-list-chat-model'), ('responses', ['a', 'b']), ('stop', None)]"


@pytest.fixture(autouse=True)
def no_global_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts and ends without a global cache, whatever it set."""
    pkg = request.node.callspec.params.get("pkg", "reference") \
        if hasattr(request.node, "callspec") else "reference"
    g = importlib.import_module(f"{pkg}.globals")
    g.set_llm_cache(None)
    yield
    g.set_llm_cache(None)


def _recording_cache(pkg: str) -> Any:
    """An in-memory cache that logs what it is asked."""
    base = load(pkg, "caches", "BaseCache")

    class Recording(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.store: dict[tuple[str, str], Any] = {}
            self.log: list[tuple[str, ...]] = []

        def lookup(self, prompt: str, llm_string: str) -> Any:
            self.log.append(("lookup", prompt, llm_string))
            return self.store.get((prompt, llm_string))

        def update(self, prompt: str, llm_string: str, return_val: Any) -> None:
            self.log.append(("update", prompt, llm_string, shape(return_val)))
            self.store[prompt, llm_string] = return_val

        def clear(self, **kwargs: Any) -> None:
            self.store = {}

    return Recording()


def _events(seen: list[Seen]) -> list[tuple[str, str]]:
    return [(e, d) for e, _, _, d in seen]


# -- caches ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pkg", PKGS)
def test_in_memory_cache_lookup_update_clear_and_maxsize(pkg: str) -> None:
    cache_cls = load(pkg, "caches", "InMemoryCache")
    gen = load(pkg, "outputs", "Generation")
    cache = cache_cls(maxsize=2)
    assert cache.lookup("a", "l") is None
    cache.update("a", "l", [gen(text="1")])
    cache.update("b", "l", [gen(text="2")])
    cache.update("b", "l", [gen(text="3")])  # full: drops the oldest ("a") though "b" is there
    assert cache.lookup("a", "l") is None
    assert [g.text for g in cache.lookup("b", "l")] == ["3"]
    assert cache.lookup("b", "other") is None
    asyncio.run(cache.aupdate("c", "l", [gen(text="4")]))
    assert [g.text for g in asyncio.run(cache.alookup("c", "l"))] == ["4"]
    asyncio.run(cache.aclear())
    assert cache.lookup("c", "l") is None
    cache.update("d", "l", [])
    cache.clear()
    assert cache.lookup("d", "l") is None
    with pytest.raises(ValueError, match="maxsize must be greater than 0"):
        cache_cls(maxsize=0)
    with pytest.raises(TypeError):
        load(pkg, "caches", "BaseCache")()


@pytest.mark.parametrize("pkg", PKGS)
def test_base_cache_async_methods_default_to_the_sync_ones(pkg: str) -> None:
    cache = _recording_cache(pkg)
    gen = load(pkg, "outputs", "Generation")
    asyncio.run(cache.aupdate("p", "l", [gen(text="x")]))
    assert shape(asyncio.run(cache.alookup("p", "l"))) == "[Generation('x')]"
    asyncio.run(cache.aclear())
    assert cache.store == {}
    assert [e[0] for e in cache.log] == ["update", "lookup"]


# -- chat models -------------------------------------------------------------------------------

@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_chat_model_cache_hit_runs_the_model_with_the_cached_reply(pkg: str, mode: str) -> None:
    cache = _recording_cache(pkg)
    model = load(pkg, "language_models", "FakeListChatModel")(responses=["a", "b"], cache=cache)
    rec = recorder(pkg)

    def call() -> Any:
        if mode == "invoke":
            return model.invoke("p", {"callbacks": [rec]})
        return asyncio.run(model.ainvoke("p", {"callbacks": [rec]}))

    first, second, third = call(), call(), call()
    assert [m.content for m in (first, second, third)] == ["a", "a", "a"]
    # a hit costs nothing: the cached message is replaced by a copy saying so
    assert first.usage_metadata is None
    assert second.usage_metadata == third.usage_metadata == {"total_cost": 0}
    assert second is not third and second.id == third.id == first.id  # the storing run's id
    assert model.responses == ["a", "b"] and (model.invoke("q").content == "b")
    assert _events(rec.seen) == [
        ("on_chat_model_start", "[[HumanMessage('p')]]"),
        ("on_llm_end", "LLMResult([[ChatGeneration(AIMessage('a'))]])"),
    ] * 3
    assert cache.log[:4] == [
        ("lookup", HUMAN_P, FAKE_LIST),
        ("update", HUMAN_P, FAKE_LIST, "[ChatGeneration(AIMessage('a'))]"),
        ("lookup", HUMAN_P, FAKE_LIST),
        ("lookup", HUMAN_P, FAKE_LIST),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_chat_cache_keys_are_the_serialized_messages_and_the_invocation_params(pkg: str) -> None:
    cache = _recording_cache(pkg)
    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models", "FakeListChatModel")(responses=["a", "b"], cache=cache)
    history = [("system", "be brief"), ("human", "hi"),
               ai("yo", id="dropped", name="bot", tool_calls=[{"name": "t", "args": {"x": 1},
                                                                "id": "c1"}])]
    model.invoke(history, stop=["!"], temperature=0.5)
    prompt, llm_string = cache.log[0][1:]
    assert prompt == (
        '[{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", '
        '"SystemMessage"], "kwargs": {"content": "be brief", "type": "system"}}, '
        '{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", '
        '"HumanMessage"], "kwargs": {"content": "hi", "type": "human"}}, '
        '{"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", '
        '"AIMessage"], "kwargs": {"content": "yo", "type": "ai", "name": "bot", '
        '"tool_calls": [{"name": "t", "args": {"x": 1}, "id": "c1", "type": "tool_call"}], '
        '"invalid_tool_calls": []}}]')
    assert llm_string == ("[('_type', 'fake-list-chat-model'), ('responses', ['a', 'b']), "
                          "('stop', ['!']), ('temperature', 0.5)]")
    # another call keyword is another key; the same call hits
    assert model.invoke(history, stop=["!"]).content == "b"
    assert model.invoke(history, stop=["!"], temperature=0.5).content == "a"


@pytest.mark.parametrize("pkg", PKGS)
def test_global_cache_and_the_cache_field(pkg: str) -> None:
    g = importlib.import_module(f"{pkg}.globals")
    fake = load(pkg, "language_models", "FakeListChatModel")
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    assert g.get_llm_cache() is None
    # cache=True needs a global cache: the run fails with the model's error
    rec = recorder(pkg)
    with pytest.raises(ValueError, match="Asked to cache, but no cache found"):
        fake(responses=["x"], cache=True).invoke("p", {"callbacks": [rec]})
    assert _events(rec.seen) == [
        ("on_chat_model_start", "[[HumanMessage('p')]]"),
        ("on_llm_error", "ValueError(Asked to cache, but no cache found at `langchain.cache`.)"),
    ]
    cache = load(pkg, "caches", "InMemoryCache")()
    g.set_llm_cache(cache)
    assert g.get_llm_cache() is cache
    chain = prompt | fake(responses=["x", "y"], name="m")
    rec = recorder(pkg)
    assert [chain.invoke({"q": "p"}, {"callbacks": [rec]}).content for _ in range(2)] == ["x", "x"]
    assert [(e, n) for e, n, _, _ in rec.seen] == [
        ("on_chain_start", "RunnableSequence"), ("on_chain_start", "ChatPromptTemplate"),
        ("on_chain_end", "ChatPromptTemplate"), ("on_chat_model_start", "m"),
        ("on_llm_end", "m"), ("on_chain_end", "RunnableSequence"),
    ] * 2
    # the global cache is shared by equal models; cache=False ignores it, True uses it
    assert fake(responses=["x", "z"], cache=True).invoke("p").content == "x"
    assert fake(responses=["z"], cache=False).invoke("p").content == "z"
    assert fake(responses=["z"]).invoke("p").content == "z"  # other responses: other key
    assert asyncio.run(fake(responses=["x", "y"]).ainvoke("p")).content == "x"
    g.set_llm_cache(None)
    assert fake(responses=["x", "y"]).invoke("p").usage_metadata is None


@pytest.mark.parametrize("pkg", PKGS)
def test_streamed_chat_models_skip_the_cache_unless_they_do_not_stream(pkg: str) -> None:
    cache = load(pkg, "caches", "InMemoryCache")()
    fake = load(pkg, "language_models", "FakeListChatModel")(responses=["ab", "cd"], cache=cache)
    assert fake.invoke("p").content == "ab"
    rec = recorder(pkg)
    # a model that streams: no cache lookup, a new reply token by token (not stored either)
    assert [c.content for c in fake.stream("p", {"callbacks": [rec]})] == ["c", "d"]
    assert _events(rec.seen) == [
        ("on_chat_model_start", "[[HumanMessage('p')]]"),
        ("on_llm_new_token", "'c' ChatGenerationChunk"),
        ("on_llm_new_token", "'d' ChatGenerationChunk"),
        ("on_llm_end", "LLMResult([[ChatGenerationChunk(AIMessageChunk('cd'))]])"),
    ]

    async def astream() -> list[str]:
        return [c.content async for c in fake.astream("p")]

    assert asyncio.run(astream()) == ["a", "b"]
    assert fake.invoke("p").content == "ab"  # the invoked reply is still the cached one
    # a model that does not stream: stream is invoke, so the cache answers
    ai = load(pkg, "messages", "AIMessage")
    whole = load(pkg, "language_models.fake_chat_models", "FakeMessagesListChatModel")(
        responses=[ai("r1"), ai("r2")], cache=cache)
    assert [m.content for m in whole.stream("p")] == ["r1"]
    rec = recorder(pkg)
    assert [(m.content, m.usage_metadata) for m in whole.stream("p", {"callbacks": [rec]})] == [
        ("r1", {"total_cost": 0})]
    assert _events(rec.seen) == [
        ("on_chat_model_start", "[[HumanMessage('p')]]"),
        ("on_llm_end", "LLMResult([[ChatGeneration(AIMessage('r1'))]])"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_chat_cache_hits_in_batch_and_cached_plain_generations(pkg: str) -> None:
    cache = load(pkg, "caches", "InMemoryCache")()
    gen = load(pkg, "outputs", "Generation")
    cache.update(HUMAN_P, FAKE_LIST, [gen(text="stored", generation_info={"k": 1})])
    model = load(pkg, "language_models", "FakeListChatModel")(responses=["a", "b"], cache=cache)
    rec = recorder(pkg)
    out = model.batch(["p", "q"], {"callbacks": [rec]})
    assert [(m.content, m.usage_metadata, m.id) for m in out[:1]] == [("stored", None, None)]
    assert out[1].content == "a"
    assert sorted(_events(rec.seen)) == [
        ("on_chat_model_start", "[[HumanMessage('p')]]"),
        ("on_chat_model_start", "[[HumanMessage('q')]]"),
        ("on_llm_end", "LLMResult([[ChatGeneration(AIMessage('a'))]])"),
        ("on_llm_end", "LLMResult([[ChatGeneration(AIMessage('stored'))]])"),
    ]
    assert [type(g).__name__ for g in cache.lookup(HUMAN_P, FAKE_LIST)] == ["Generation"]


# -- LLMs --------------------------------------------------------------------------------------

@pytest.mark.parametrize("pkg", PKGS)
def test_llm_cache_hit_starts_no_run(pkg: str) -> None:
    cache = _recording_cache(pkg)
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["x", "y"], cache=cache)
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    assert llm.invoke("p", {"callbacks": [rec]}) == "x"
    assert llm.invoke("p", {"callbacks": [rec]}) == "x"
    assert asyncio.run(llm.ainvoke("p", {"callbacks": [rec]})) == "x"
    assert (lam(lambda s: s, name="f") | llm).invoke("p", {"callbacks": [rec]}) == "x"
    assert list(llm.stream("p", {"callbacks": [rec]})) == ["x"]
    assert _events(rec.seen) == [
        ("on_llm_start", "['p']"), ("on_llm_end", "LLMResult([[Generation('x')]])"),
        ("on_chain_start", "'p'"), ("on_chain_start", "'p'"), ("on_chain_end", "'p'"),
        ("on_chain_end", "'x'"),
    ]
    params = "[('_type', 'fake-list'), ('responses', ['x', 'y']), ('stop', None)]"
    assert cache.log[:2] == [("lookup", "p", params), ("update", "p", params,
                                                       "[Generation('x')]")]
    # the key has stop but not the call's other keywords
    assert llm.invoke("p", foo=1) == "x"
    assert llm.invoke("p", stop=["!"]) == "y"
    assert cache.log[-1][2] == params.replace("('stop', None)", "('stop', ['!'])")


@pytest.mark.parametrize("pkg", PKGS)
def test_llm_cache_miss_ignores_the_configured_run_id(pkg: str) -> None:
    cache = load(pkg, "caches", "InMemoryCache")()
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["x"])
    given = uuid.UUID(int=7)
    ids: list[Any] = []
    base = load(pkg, "callbacks", "BaseCallbackHandler")

    class Ids(base):  # type: ignore[misc, valid-type]
        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            ids.append(kw["run_id"])

    llm.invoke("p", {"callbacks": [Ids()], "run_id": given})
    llm.cache = cache
    llm.invoke("p", {"callbacks": [Ids()], "run_id": given})
    asyncio.run(llm.ainvoke("q", {"callbacks": [Ids()], "run_id": given}))
    assert ids[0] == given and given not in ids[1:] and len(ids) == 3


@pytest.mark.parametrize("pkg", PKGS)
def test_llm_cache_true_without_a_global_cache_fails_before_any_run(pkg: str) -> None:
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["x"], cache=True)
    rec = recorder(pkg)
    with pytest.raises(ValueError, match="No global cache was configured"):
        llm.invoke("p", {"callbacks": [rec]})
    assert rec.seen == []
    g = importlib.import_module(f"{pkg}.globals")
    cache = load(pkg, "caches", "InMemoryCache")()
    g.set_llm_cache(cache)
    assert llm.invoke("p") == "x"
    cache.update("p", "[('_type', 'fake-list'), ('responses', ['z']), ('stop', None)]",
                 [load(pkg, "outputs", "Generation")(text="stored")])
    fake = load(pkg, "language_models", "FakeListLLM")
    assert fake(responses=["z"]).invoke("p") == "stored"
    assert fake(responses=["z"], cache=False).invoke("p") == "z"


@pytest.mark.parametrize("pkg", PKGS)
def test_streaming_llm_with_a_cache_invokes_then_yields_characters(pkg: str) -> None:
    cache = load(pkg, "caches", "InMemoryCache")()
    llm = load(pkg, "language_models", "FakeStreamingListLLM")(responses=["ab"], cache=cache)
    rec = recorder(pkg)
    assert list(llm.stream("p", {"callbacks": [rec]})) == ["a", "b"]
    assert list(llm.stream("p", {"callbacks": [rec]})) == ["a", "b"]

    async def astream() -> list[str]:
        return [c async for c in llm.astream("p", {"callbacks": [rec]})]

    assert asyncio.run(astream()) == ["a", "b"]
    assert _events(rec.seen) == [
        ("on_llm_start", "['p']"), ("on_llm_end", "LLMResult([[Generation('ab')]])"),
    ]


# -- rate limiters -----------------------------------------------------------------------------

def _logging_limiter(pkg: str, log: list[str]) -> Any:
    base = load(pkg, "rate_limiters", "BaseRateLimiter")

    class Logging(base):  # type: ignore[misc, valid-type]
        def acquire(self, *, blocking: bool = True) -> bool:
            log.append(f"acquire blocking={blocking}")
            return True

        async def aacquire(self, *, blocking: bool = True) -> bool:
            log.append(f"aacquire blocking={blocking}")
            return True

    return Logging()


@pytest.mark.parametrize("pkg", PKGS)
def test_rate_limiter_is_acquired_after_the_start_and_not_on_cache_hits(pkg: str) -> None:
    log: list[str] = []
    base = load(pkg, "callbacks", "BaseCallbackHandler")

    class Order(base):  # type: ignore[misc, valid-type]
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            log.append("start")

        def on_llm_new_token(self, token: str, **kw: Any) -> None:
            log.append(f"token {token}")

        def on_llm_end(self, response: Any, **kw: Any) -> None:
            log.append("end")

    model = load(pkg, "language_models", "FakeListChatModel")(
        responses=["ab"], rate_limiter=_logging_limiter(pkg, log),
        cache=load(pkg, "caches", "InMemoryCache")())
    cfg = {"callbacks": [Order()]}

    async def astream() -> list[Any]:
        return [c async for c in model.astream("z", cfg)]

    calls = {
        "invoke": lambda: model.invoke("p", cfg),
        "invoke again": lambda: model.invoke("p", cfg),
        "ainvoke": lambda: asyncio.run(model.ainvoke("q", cfg)),
        "ainvoke again": lambda: asyncio.run(model.ainvoke("q", cfg)),
        "stream": lambda: list(model.stream("p", cfg)),
        "astream": lambda: asyncio.run(astream()),
    }
    seen = {}
    for name, call in calls.items():
        call()
        seen[name] = list(log)
        log.clear()
    assert seen == {
        "invoke": ["start", "acquire blocking=True", "end"],
        "invoke again": ["start", "end"],
        "ainvoke": ["start", "aacquire blocking=True", "end"],
        "ainvoke again": ["start", "end"],
        "stream": ["start", "acquire blocking=True", "token a", "token b", "end"],
        "astream": ["start", "aacquire blocking=True", "token a", "token b", "end"],
    }


@pytest.mark.parametrize("pkg", PKGS)
def test_in_memory_rate_limiter_token_bucket(pkg: str) -> None:
    limiter = load(pkg, "rate_limiters", "InMemoryRateLimiter")(
        requests_per_second=50, check_every_n_seconds=0.005, max_bucket_size=2)
    assert (limiter.requests_per_second, limiter.check_every_n_seconds,
            limiter.max_bucket_size) == (50, 0.005, 2)
    # the bucket starts empty and starts filling at the first attempt
    assert limiter.acquire(blocking=False) is False
    assert limiter.available_tokens == 0 and limiter.last is not None
    started = time.monotonic()
    assert limiter.acquire() is True
    assert time.monotonic() - started >= 0.015
    time.sleep(0.2)  # ten tokens' worth, but the bucket holds two
    assert [limiter.acquire(blocking=False) for _ in range(3)] == [True, True, False]
    assert asyncio.run(limiter.aacquire()) is True
    with pytest.raises(TypeError):
        load(pkg, "rate_limiters", "BaseRateLimiter")()


MODULE_NAMES = {
    "caches": ["BaseCache", "InMemoryCache", "RETURN_VAL_TYPE"],
    "rate_limiters": ["BaseRateLimiter", "InMemoryRateLimiter"],
    "globals": ["set_llm_cache", "get_llm_cache"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    for name in MODULE_NAMES[module]:
        assert hasattr(mod, name), f"{pkg}.{module}.{name}"


@pytest.mark.parametrize("pkg", PKGS)
def test_custom_models_identifying_params_start_their_invocation_params(pkg: str) -> None:
    """A subclass's ``_identifying_params`` are in its runs' ``invocation_params`` and so in
    its cache keys, chat model and LLM alike."""
    ai, gen, result = (load(pkg, "messages", "AIMessage"), load(pkg, "outputs", "ChatGeneration"),
                       load(pkg, "outputs", "ChatResult"))

    class Chat(load(pkg, "language_models", "BaseChatModel")):  # type: ignore[misc]
        temperature: float = 0.1

        @property
        def _llm_type(self) -> str:
            return "mine"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {"temperature": self.temperature}

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            return result(generations=[gen(message=ai("ok"))])

    class Text(load(pkg, "language_models", "LLM")):  # type: ignore[misc]
        n: int = 3

        @property
        def _llm_type(self) -> str:
            return "text"

        @property
        def _identifying_params(self) -> dict[str, Any]:
            return {"n": self.n}

        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            return "ok"

    params: list[Any] = []
    base = load(pkg, "callbacks", "BaseCallbackHandler")

    class Params(base):  # type: ignore[misc, valid-type]
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            params.append(kw["invocation_params"])

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            params.append(kw["invocation_params"])

    cache = _recording_cache(pkg)
    Chat(cache=cache, temperature=0.5).invoke("x", {"callbacks": [Params()]})
    Text(cache=cache).invoke("x", {"callbacks": [Params()]})
    fake = load(pkg, "language_models.fake_chat_models", "FakeChatModel")
    fake().invoke("x", {"callbacks": [Params()]})
    assert params == [{"temperature": 0.5, "_type": "mine", "stop": None},
                      {"n": 3, "_type": "text", "stop": None},
                      {"key": "fake", "_type": "fake-chat-model", "stop": None}]
    assert [e[2] for e in cache.log if e[0] == "lookup"] == [
        "[('_type', 'mine'), ('stop', None), ('temperature', 0.5)]",
        "[('_type', 'text'), ('n', 3), ('stop', None)]"]
