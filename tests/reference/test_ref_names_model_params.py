"""What handlers see of model runs, at langchain_core's names: the ``ls_*`` metadata a model
adds about itself (provider, model type and name, temperature, max tokens, stop; chat models'
``ls_integration``), how it combines with the caller's and the constructor's metadata, the
``_get_ls_params`` override point, the ids given to the messages a model answers or streams,
the ``response=`` of ``on_llm_error``, and ``GenericFakeChatModel``'s streamed
``function_call``. Written once against a package prefix, expected values by hand (from
langchain-core 1.8.3); where langchain-core 1.x is installed they must hold on it too.

langchain_core also puts ``lc_versions`` in every run's metadata, which the reference does not
add: the views leave it out."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

FAKE_LIST = {"ls_provider": "fakelistchatmodel", "ls_model_type": "chat",
             "ls_integration": "langchain_chat_model"}
FAKE_LLM = {"ls_provider": "fakelist", "ls_model_type": "llm"}


def _meta(kw: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (kw.get("metadata") or {}).items() if k != "lc_versions"}


def _recorder(pkg: str) -> Any:
    """A handler keeping, per start, (event, name, metadata); per error, the ``response``."""
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")

    class Rec(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.starts: list[tuple[str, str, dict[str, Any]]] = []
            self.run_ids: list[UUID] = []
            self.errors: list[tuple[str, str]] = []
            self.tokens: list[Any] = []

        def _start(self, event: str, serialized: Any, kw: dict[str, Any]) -> None:
            name = kw.get("name") or serialized.get("name")
            self.starts.append((event, name, _meta(kw)))
            self.run_ids.append(kw["run_id"])

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            self._start("chat", serialized, kw)

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            self._start("llm", serialized, kw)

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            self._start("chain", serialized or {}, kw)

        def on_llm_new_token(self, token: str, **kw: Any) -> None:
            self.tokens.append(kw.get("chunk"))

        def on_llm_error(self, error: BaseException, **kw: Any) -> None:
            self.errors.append((type(error).__name__, shape(kw.get("response"))))

    return Rec()


def _models(pkg: str) -> dict[str, Any]:
    """Custom models on langchain_core's contracts, made for ``pkg``."""
    base_chat = load(pkg, "language_models", "BaseChatModel")
    simple = load(pkg, "language_models", "SimpleChatModel")
    llm = load(pkg, "language_models", "LLM")
    ai = load(pkg, "messages", "AIMessage")
    ai_chunk = load(pkg, "messages", "AIMessageChunk")
    result = load(pkg, "outputs", "ChatResult")
    gen = load(pkg, "outputs", "ChatGeneration")
    gen_chunk = load(pkg, "outputs", "ChatGenerationChunk")
    text_chunk = load(pkg, "outputs", "GenerationChunk")

    class ChatAcme(base_chat):  # type: ignore[misc, valid-type]
        model: str = "acme-1"
        temperature: float = 0.25
        max_tokens: int = 64

        @property
        def _llm_type(self) -> str:
            return "acme"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            return result(generations=[gen(message=ai(content="one")),
                                       gen(message=ai(content="two"))])

    class AcmeChat(simple):  # type: ignore[misc, valid-type]
        model_name: str = "named"
        temperature: str = "warm"  # not a number: no ls_temperature

        @property
        def _llm_type(self) -> str:
            return "acme-simple"

        def _call(self, messages: Any, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            return "hi"

    class Streamer(base_chat):  # type: ignore[misc, valid-type]
        fail_at: int = -1
        pieces: int = 2

        @property
        def _llm_type(self) -> str:
            return "streamer"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            raise NotImplementedError

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None,
                    **kwargs: Any) -> Any:
            for i in range(self.pieces):
                if i == self.fail_at:
                    raise KeyError("stream broke")
                yield gen_chunk(message=ai_chunk(content="ab"[i]))

    class Branded(base_chat):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "branded"

        def _get_ls_params(self, stop: Any = None, **kwargs: Any) -> Any:
            return {"ls_provider": "brand", "ls_model_type": "chat", "ls_model_name": "b-2",
                    "ls_integration": "overridden"}

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            return result(generations=[gen(message=ai(content="x", id="own-id"))])

    class AcmeLLM(llm):  # type: ignore[misc, valid-type]
        model: str = "text-1"
        fail: bool = False

        @property
        def _llm_type(self) -> str:
            return "acme-llm"

        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            if self.fail:
                raise KeyError("llm broke")
            return "done"

        def _stream(self, prompt: str, stop: Any = None, run_manager: Any = None,
                    **kwargs: Any) -> Any:
            yield text_chunk(text="d")
            raise KeyError("llm stream broke")

    return {"ChatAcme": ChatAcme, "AcmeChat": AcmeChat, "Streamer": Streamer,
            "Branded": Branded, "AcmeLLM": AcmeLLM}


async def _collect(stream: Any) -> list[Any]:
    return [c async for c in stream]


# ----------------------------------------------------------------------------- ls_* metadata

def _entry_points(pkg: str, rec: Any) -> None:
    """A fake chat model through every entry point, once each."""
    fake = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")
    human = load(pkg, "messages", "HumanMessage")
    cfg = {"callbacks": [rec]}
    model = fake(responses=["ab"])
    model.invoke("x", cfg)
    asyncio.run(model.ainvoke("x", cfg))
    list(model.stream("x", cfg))
    asyncio.run(_collect(model.astream("x", cfg)))
    model.batch(["x"], cfg)
    asyncio.run(model.abatch(["x"], cfg))
    model.generate([[human(content="x")]], callbacks=[rec])
    asyncio.run(model.agenerate([[human(content="x")]], callbacks=[rec]))


@pytest.mark.parametrize("pkg", PKGS)
def test_every_chat_entry_point_adds_the_models_ls_metadata(pkg: str) -> None:
    rec = _recorder(pkg)
    _entry_points(pkg, rec)
    assert rec.starts == [("chat", "FakeListChatModel", FAKE_LIST)] * 8


@pytest.mark.parametrize("pkg", PKGS)
def test_each_fake_and_custom_model_names_its_provider_and_settings(pkg: str) -> None:
    rec = _recorder(pkg)
    cfg = {"callbacks": [rec]}
    ai = load(pkg, "messages", "AIMessage")
    load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter(["g"])).invoke("x", cfg)
    load(pkg, "language_models.fake_chat_models", "FakeMessagesListChatModel")(
        responses=[ai(content="m")]).invoke("x", cfg)
    load(pkg, "language_models.fake", "FakeListLLM")(responses=["l"]).invoke("x", cfg)
    list(load(pkg, "language_models.fake", "FakeStreamingListLLM")(responses=["s"]).stream(
        "x", cfg))
    models = _models(pkg)
    models["ChatAcme"]().invoke("x", cfg)
    models["AcmeChat"]().invoke("x", cfg)
    models["AcmeLLM"]().invoke("x", cfg)
    chat = {"ls_model_type": "chat", "ls_integration": "langchain_chat_model"}
    assert rec.starts == [
        ("chat", "GenericFakeChatModel", {"ls_provider": "genericfakechatmodel", **chat}),
        ("chat", "FakeMessagesListChatModel",
         {"ls_provider": "fakemessageslistchatmodel", **chat}),
        ("llm", "FakeListLLM", FAKE_LLM),
        ("llm", "FakeStreamingListLLM",
         {"ls_provider": "fakestreaminglist", "ls_model_type": "llm"}),
        # a leading "Chat" goes, a trailing one too; attributes model / temperature / max_tokens
        ("chat", "ChatAcme", {"ls_provider": "acme", "ls_model_name": "acme-1",
                              "ls_temperature": 0.25, "ls_max_tokens": 64, **chat}),
        # model_name when there is no model; a temperature that is not a number is left out
        ("chat", "AcmeChat", {"ls_provider": "acme", "ls_model_name": "named", **chat}),
        ("llm", "AcmeLLM", {"ls_provider": "acme", "ls_model_type": "llm",
                            "ls_model_name": "text-1"}),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_the_calls_stop_and_keywords_win_over_the_models_attributes(pkg: str) -> None:
    rec = _recorder(pkg)
    cfg = {"callbacks": [rec]}
    acme = _models(pkg)["ChatAcme"]()
    acme.invoke("x", cfg, stop=["\n"], model="acme-2", temperature=1, max_tokens=8)
    # keywords of the wrong type do not count: the attributes do (a bool is an int)
    acme.invoke("x", cfg, model=2, temperature="hot", max_tokens=True)
    acme.bind(temperature=0.5).invoke("x", cfg)
    acme.invoke("x", cfg, stop=[])  # an empty stop is no ls_stop
    fake_llm = load(pkg, "language_models.fake", "FakeListLLM")(responses=["l"])
    fake_llm.invoke("x", cfg, stop=["."])
    chat = {"ls_provider": "acme", "ls_model_type": "chat",
            "ls_integration": "langchain_chat_model"}
    assert [m for _, _, m in rec.starts] == [
        {**chat, "ls_stop": ["\n"], "ls_model_name": "acme-2", "ls_temperature": 1,
         "ls_max_tokens": 8},
        {**chat, "ls_model_name": "acme-1", "ls_temperature": 0.25, "ls_max_tokens": True},
        {**chat, "ls_model_name": "acme-1", "ls_temperature": 0.5, "ls_max_tokens": 64},
        {**chat, "ls_model_name": "acme-1", "ls_temperature": 0.25, "ls_max_tokens": 64},
        {**FAKE_LLM, "ls_stop": ["."]},
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_ls_keys_replace_the_callers_and_the_constructors_replace_them(pkg: str) -> None:
    rec = _recorder(pkg)
    fake = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")
    clash = {"ls_provider": "caller", "ls_model_type": "caller", "k": "caller"}
    fake(responses=["r"]).invoke("x", {"callbacks": [rec], "metadata": clash})
    fake(responses=["r"]).with_config(metadata=clash).invoke("x", {"callbacks": [rec]})
    fake(responses=["r"], metadata={"ls_provider": "mine", "c": 1}).invoke(
        "x", {"callbacks": [rec], "metadata": clash})
    assert [m for _, _, m in rec.starts] == [
        {**FAKE_LIST, "k": "caller"},
        {**FAKE_LIST, "k": "caller"},
        {**FAKE_LIST, "k": "caller", "ls_provider": "mine", "c": 1},
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_subclass_names_itself_through_get_ls_params(pkg: str) -> None:
    """An override of ``_get_ls_params`` decides the keys; chat models' ``ls_integration``
    is set after it."""
    rec = _recorder(pkg)
    branded = _models(pkg)["Branded"]()
    out = branded.invoke("x", {"callbacks": [rec]})
    assert rec.starts == [("chat", "Branded", {
        "ls_provider": "brand", "ls_model_type": "chat", "ls_model_name": "b-2",
        "ls_integration": "langchain_chat_model"})]
    assert out.id == "own-id"  # a model's own message id is kept


@pytest.mark.parametrize("pkg", PKGS)
def test_llm_generate_adds_ls_keys_only_with_metadata(pkg: str) -> None:
    """An LLM's ``generate`` adds them when given ``metadata`` (a dict, or one per prompt):
    its ``invoke`` always gives some, a bare ``generate`` none. A chat model's always does."""
    rec = _recorder(pkg)
    fake_llm = load(pkg, "language_models.fake", "FakeListLLM")(responses=["l"])
    fake_llm.generate(["a"], callbacks=[rec])
    fake_llm.generate(["a"], callbacks=[rec], metadata={})
    fake_llm.generate(["a", "b"], callbacks=[[rec], [rec]], metadata=[{"p": 1}, {"p": 2}])
    fake_llm.generate(["a"], callbacks=[[rec]])
    asyncio.run(fake_llm.agenerate(["a"], callbacks=[rec], metadata={"q": 1}))
    asyncio.run(fake_llm.agenerate(["a"], callbacks=[rec]))
    assert [m for _, _, m in rec.starts] == [
        {}, FAKE_LLM, {**FAKE_LLM, "p": 1}, {**FAKE_LLM, "p": 2}, {}, {**FAKE_LLM, "q": 1}, {}]


@pytest.mark.parametrize("pkg", PKGS)
def test_the_ls_keys_stay_on_the_model_run(pkg: str) -> None:
    """Steps around the model and a runnable its body invokes do not get them."""
    rec = _recorder(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")
    chat_acme = _models(pkg)["ChatAcme"]

    class Calling(chat_acme):  # type: ignore[misc, valid-type]
        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            lam(lambda x: x, name="inner").invoke(1)
            return super()._generate(messages, stop=stop, run_manager=run_manager, **kwargs)

    chain = lam(lambda x: x, name="pre") | Calling() | lam(lambda m: m.content, name="post")
    assert chain.invoke("x", {"callbacks": [rec], "metadata": {"u": 1}}) == "one"
    metadata = {name: m for _, name, m in rec.starts}
    assert metadata["pre"] == metadata["post"] == metadata["inner"] == {"u": 1}
    assert metadata["Calling"]["ls_provider"] == "calling"


@pytest.mark.parametrize("pkg", PKGS)
def test_astream_events_show_the_ls_keys_on_the_models_events(pkg: str) -> None:
    fake = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")

    async def events() -> list[tuple[str, dict[str, Any]]]:
        return [(e["event"], {k: v for k, v in e["metadata"].items() if k != "lc_versions"})
                async for e in fake(responses=["ab"]).astream_events(
                    "x", {"metadata": {"u": 1}}, version="v2")]

    assert asyncio.run(events()) == [
        ("on_chat_model_start", {"u": 1, **FAKE_LIST}),
        ("on_chat_model_stream", {"u": 1, **FAKE_LIST}),
        ("on_chat_model_stream", {"u": 1, **FAKE_LIST}),
        ("on_chat_model_end", {"u": 1, **FAKE_LIST}),
    ]


# ----------------------------------------------------------------------------- message ids

@pytest.mark.parametrize("pkg", PKGS)
def test_answered_messages_get_ids_from_their_run(pkg: str) -> None:
    """``lc_run--<run id>-<generation index>`` when invoked or generated; streamed chunks
    ``lc_run--<run id>``; a model's own id is kept."""
    rec = _recorder(pkg)
    cfg = {"callbacks": [rec]}
    fake = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["ab"])
    human = load(pkg, "messages", "HumanMessage")
    invoked = fake.invoke("x", cfg)
    ainvoked = asyncio.run(fake.ainvoke("x", cfg))
    streamed = list(fake.stream("x", cfg))
    astreamed = asyncio.run(_collect(fake.astream("x", cfg)))
    generated = fake.generate([[human(content="x")], [human(content="y")]], callbacks=[rec])
    two = _models(pkg)["ChatAcme"]().invoke("x", cfg)  # the first of its two generations
    two_result = _models(pkg)["ChatAcme"]().generate([[human(content="x")]], callbacks=[rec])
    ids = [str(r) for r in rec.run_ids]
    assert invoked.id == f"lc_run--{ids[0]}-0"
    assert ainvoked.id == f"lc_run--{ids[1]}-0"
    assert [c.id for c in streamed] == [f"lc_run--{ids[2]}"] * 2
    assert [c.id for c in astreamed] == [f"lc_run--{ids[3]}"] * 2
    assert [g[0].message.id for g in generated.generations] == [
        f"lc_run--{ids[4]}-0", f"lc_run--{ids[5]}-0"]
    assert two.id == f"lc_run--{ids[6]}-0"
    assert [g.message.id for g in two_result.generations[0]] == [
        f"lc_run--{ids[7]}-0", f"lc_run--{ids[7]}-1"]
    assert [c.message.id for c in rec.tokens] == [f"lc_run--{ids[2]}"] * 2 + [
        f"lc_run--{ids[3]}"] * 2


# ----------------------------------------------------------------------------- on_llm_error

@pytest.mark.parametrize("pkg", PKGS)
def test_on_llm_error_gets_the_response_so_far(pkg: str) -> None:
    rec = _recorder(pkg)
    cfg = {"callbacks": [rec]}
    models = _models(pkg)
    streamer = models["Streamer"]
    calls = [
        lambda: streamer(fail_at=0).invoke("x", cfg),  # invoke: _generate raises
        lambda: list(streamer(fail_at=0).stream("x", cfg)),
        lambda: list(streamer(fail_at=1).stream("x", cfg)),
        lambda: asyncio.run(_collect(streamer(fail_at=1).astream("x", cfg))),
        lambda: list(streamer(pieces=0).stream("x", cfg)),
        lambda: models["AcmeLLM"](fail=True).invoke("x", cfg),
        lambda: asyncio.run(models["AcmeLLM"](fail=True).ainvoke("x", cfg)),
        lambda: list(models["AcmeLLM"]().stream("x", cfg)),
        lambda: models["AcmeLLM"](fail=True).generate(["a", "b"], callbacks=[rec]),
    ]
    for call in calls:
        with pytest.raises((KeyError, NotImplementedError, ValueError)):
            call()
    assert rec.errors == [
        ("NotImplementedError", "LLMResult([[]])"),
        ("KeyError", "LLMResult([[]])"),
        ("KeyError", "LLMResult([[ChatGenerationChunk(AIMessageChunk('a'))], []])"),
        ("KeyError", "LLMResult([[ChatGenerationChunk(AIMessageChunk('a'))], []])"),
        ("ValueError", "LLMResult([])"),
        ("KeyError", "LLMResult([])"),
        ("KeyError", "LLMResult([])"),
        ("KeyError", "LLMResult([[GenerationChunk('d')]])"),
        ("KeyError", "LLMResult([])"),
        ("KeyError", "LLMResult([])"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_chat_error_with_an_http_response_describes_it(pkg: str) -> None:
    """An error carrying a ``response`` (as HTTP clients' do) is described in the error
    event's response: an empty reply whose ``response_metadata`` has the body, headers and
    status code, and the error's ``request_id``."""
    base_chat = load(pkg, "language_models", "BaseChatModel")
    seen: list[Any] = []
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")

    class Keep(base):  # type: ignore[misc, valid-type]
        def on_llm_error(self, error: BaseException, **kw: Any) -> None:
            seen.append(kw["response"])

    class Response:
        status_code = 429
        headers = {"retry-after": "1"}

        def json(self) -> Any:
            return {"error": "slow down"}

    class HttpError(Exception):
        response = Response()
        request_id = "req-1"

    class Failing(base_chat):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "failing"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            raise HttpError("429")

    with pytest.raises(HttpError):
        Failing().invoke("x", {"callbacks": [Keep()]})
    [[generation]] = seen[0].generations
    assert generation.message.content == ""
    assert generation.message.response_metadata == {
        "body": {"error": "slow down"}, "headers": {"retry-after": "1"}, "status_code": 429,
        "request_id": "req-1"}


# ----------------------------------------------------------------------------- function_call

@pytest.mark.parametrize("pkg", PKGS)
def test_generic_fake_streams_a_function_call_field_by_field(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    call = {"name": "add", "arguments": '{"a": 1, "b": 2}', "n": 3}
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content="ok go", additional_kwargs={"function_call": call,
                                                             "other": [1]})]))
    chunks = list(model.stream("x"))
    assert [(c.content, c.additional_kwargs) for c in chunks] == [
        ("ok", {}), (" ", {}), ("go", {}),
        ("", {"function_call": {"name": "add"}}),
        ("", {"function_call": {"arguments": '{"a": 1'}}),
        ("", {"function_call": {"arguments": ","}}),
        ("", {"function_call": {"arguments": ' "b": 2}'}}),
        ("", {"function_call": {"n": 3}}),
        ("", {"other": [1]}),
        ("", {}),  # the closing chunk
    ]
    total = chunks[0]
    for c in chunks[1:-1]:
        total = total + c
    assert total.additional_kwargs == {"function_call": {"name": "add",
                                                         "arguments": '{"a": 1, "b": 2}',
                                                         "n": 3},
                                       "other": [1]}
