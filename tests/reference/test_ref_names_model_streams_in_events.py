"""A chat model invoked (not streamed) streams its reply when a handler of its run taps streams,
as langchain-core 1.8.3's do: under ``astream_events`` and ``astream_log`` a model called with
``invoke`` / ``ainvoke`` inside a function or a tool goes through ``_stream`` / ``_astream``, so
every handler gets its tokens, the stream reports them, and the reply has the streamed id
(``lc_run--<run id>``, not ``...-0``). What forbids or forces that (``disable_streaming``,
``stream=`` keywords, a given ``streaming`` field), models that do not stream, the cache and the
rate limiter. Written once against a package prefix, expected values by hand; where
langchain-core 1.x is installed they must hold on it too.

Not compared: the error text of a stream with no chunk (the reference words it its own way),
and a stream root's start input (langchain_core gives ``{'input': ''}``: SPEC.md R15.3).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from itertools import cycle
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

pytestmark = pytest.mark.filterwarnings("ignore:astream_log is deprecated")


def _fake(pkg: str, text: str = "hi there", **kw: Any) -> Any:
    ai = load(pkg, "messages", "AIMessage")
    return load(pkg, "language_models", "GenericFakeChatModel")(
        messages=cycle([ai(content=text)]), **kw)


def _lam(pkg: str, f: Any, name: str = "f") -> Any:
    return load(pkg, "runnables", "RunnableLambda")(f, name=name)


def _events(runnable: Any, x: Any, config: Any = None) -> list[str]:
    """``astream_events``' events as ``event:name[:payload]``: a stream event's chunk, a model
    end's output, with message ids shown as ``stream`` (``lc_run--<that run's id>``), ``gen``
    (``...-0``) or as given."""

    async def go() -> list[dict[str, Any]]:
        return [e async for e in runnable.astream_events(x, config, version="v2")]

    out = []
    for e in asyncio.run(go()):
        data = e["data"]
        item = f'{e["event"]}:{e["name"]}'
        payload = data.get("chunk") if e["event"].endswith("_stream") else (
            data.get("output") if e["event"].endswith("model_end") else None)
        if payload is not None:
            item += f":{shape(payload)}"
            if hasattr(payload, "id"):
                item += f":{_id_form(payload.id, e['run_id'])}"
        out.append(item)
    return out


def _id_form(message_id: Any, run_id: Any) -> str:
    return {f"lc_run--{run_id}": "stream", f"lc_run--{run_id}-0": "gen"}.get(
        str(message_id), str(message_id))


HI = ["AIMessageChunk('hi')", "AIMessageChunk(' ')", "AIMessageChunk('there')"]
STREAMED_HI = [
    "on_chain_start:f",
    "on_chat_model_start:GenericFakeChatModel",
    *[f"on_chat_model_stream:GenericFakeChatModel:{c}:stream" for c in HI],
    "on_chat_model_end:GenericFakeChatModel:AIMessage('hi there'):stream",
    "on_chain_stream:f:'hi there'",
    "on_chain_end:f",
]


def _forwarding(pkg: str, model: Any) -> Any:
    return _lam(pkg, lambda x, config: model.invoke(x, config).content)


def _implicit(pkg: str, model: Any) -> Any:
    return _lam(pkg, lambda x: model.invoke(x).content)


def _async_implicit(pkg: str, model: Any) -> Any:
    async def f(x: Any) -> Any:
        return (await model.ainvoke(x)).content

    return _lam(pkg, f)


WAYS = {"forwarding": _forwarding, "implicit": _implicit, "async": _async_implicit}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("way", sorted(WAYS))
def test_a_model_invoked_in_a_function_streams_under_astream_events(pkg: str, way: str) -> None:
    """A sync function runs on a worker thread: its model's tokens reach the stream as well."""
    rec = recorder(pkg)
    assert _events(WAYS[way](pkg, _fake(pkg)), "q", {"callbacks": [rec]}) == STREAMED_HI
    # every handler of the run gets the tokens, the recorder beside astream_events' own
    assert [(e, p, d) for e, _, p, d in rec.seen[1:]] == [
        ("on_chat_model_start", "f", "[[HumanMessage('q')]]"),
        ("on_llm_new_token", "f", "'hi' ChatGenerationChunk"),
        ("on_llm_new_token", "f", "' ' ChatGenerationChunk"),
        ("on_llm_new_token", "f", "'there' ChatGenerationChunk"),
        ("on_llm_end", "f", "LLMResult([[ChatGeneration(AIMessage('hi there'))]])"),
        ("on_chain_end", None, "'hi there'"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_model_invoked_outside_astream_events_does_not_stream(pkg: str) -> None:
    rec = recorder(pkg)
    reply = _fake(pkg).invoke("q", {"callbacks": [rec]})
    assert [e for e, *_ in rec.seen] == ["on_chat_model_start", "on_llm_end"]
    assert reply.id.endswith("-0")


@pytest.mark.parametrize("pkg", PKGS)
def test_a_model_in_a_tool_and_in_a_sequence_inside_a_function_streams(pkg: str) -> None:
    tool = load(pkg, "tools", "tool")
    model = _fake(pkg)

    @tool
    def ask(q: str) -> str:
        """Ask the model."""
        return model.invoke(q).content  # type: ignore[no-any-return]

    assert _events(ask, {"q": "x"}) == [
        "on_tool_start:ask",
        "on_chat_model_start:GenericFakeChatModel",
        *[f"on_chat_model_stream:GenericFakeChatModel:{c}:stream" for c in HI],
        "on_chat_model_end:GenericFakeChatModel:AIMessage('hi there'):stream",
        "on_tool_end:ask",
    ]
    inner = _lam(pkg, lambda x: x, "pre") | model
    assert _events(_lam(pkg, lambda x: inner.invoke(x).content), "q") == [
        "on_chain_start:f",
        "on_chain_start:RunnableSequence",
        "on_chain_start:pre",
        "on_chain_end:pre",
        "on_chat_model_start:GenericFakeChatModel",
        *[f"on_chat_model_stream:GenericFakeChatModel:{c}:stream" for c in HI],
        "on_chat_model_end:GenericFakeChatModel:AIMessage('hi there'):stream",
        "on_chain_end:RunnableSequence",
        "on_chain_stream:f:'hi there'",
        "on_chain_end:f",
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_batch_inside_a_function_streams_each_input(pkg: str) -> None:
    events = _events(_lam(pkg, lambda x: _fake(pkg).batch([x, x])[0].content), "q")
    streams = [e for e in events if e.startswith("on_chat_model_stream")]
    assert len(streams) == 6 and all(e.endswith(":stream") for e in streams)


def _patch_values(runnable: Any, x: Any) -> list[tuple[str, str, str]]:
    async def go() -> list[Any]:
        return [p async for p in runnable.astream_log(x)]

    out = []
    for patch in asyncio.run(go()):
        for op in patch.ops:
            if op["path"].endswith("_time") or op["path"] == "":
                continue
            value = op.get("value")
            entry = op["path"].startswith("/logs/") and op["path"].count("/") == 2
            out.append((op["op"], op["path"], "entry" if entry else shape(value)))
    return out


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("way", ["implicit", "async"])
def test_a_model_invoked_in_a_function_streams_under_astream_log(pkg: str, way: str) -> None:
    logs = "/logs/GenericFakeChatModel"
    assert _patch_values(WAYS[way](pkg, _fake(pkg)), "q") == [
        ("add", logs, "entry"),
        ("add", f"{logs}/streamed_output_str/-", "'hi'"),
        ("add", f"{logs}/streamed_output/-", "AIMessageChunk('hi')"),
        ("add", f"{logs}/streamed_output_str/-", "' '"),
        ("add", f"{logs}/streamed_output/-", "AIMessageChunk(' ')"),
        ("add", f"{logs}/streamed_output_str/-", "'there'"),
        ("add", f"{logs}/streamed_output/-", "AIMessageChunk('there')"),
        ("add", f"{logs}/final_output",
         "{'generations': [[{'generation_info': NoneType, 'message': AIMessage('hi there'), "
         "'text': 'hi there', 'type': 'ChatGeneration'}]], 'llm_output': NoneType, "
         "'run': NoneType, 'type': 'LLMResult'}"),
        ("add", "/streamed_output/-", "'hi there'"),
        ("replace", "/final_output", "'hi there'"),
    ]


# -- custom models ---------------------------------------------------------------------------


def _models(pkg: str) -> dict[str, Any]:
    """Custom chat models: one with ``_generate`` only, one that streams sync, one async only."""
    base = load(pkg, "language_models", "BaseChatModel")
    ai = load(pkg, "messages", "AIMessage")
    chunk = load(pkg, "messages", "AIMessageChunk")
    result = load(pkg, "outputs", "ChatResult")
    gen = load(pkg, "outputs", "ChatGeneration")
    gen_chunk = load(pkg, "outputs", "ChatGenerationChunk")

    def _generate(self: Any, messages: Any, stop: Any = None, run_manager: Any = None,
                  **kw: Any) -> Any:
        return result(generations=[gen(message=ai(content="whole"))])

    def _stream(self: Any, messages: Any, stop: Any = None, run_manager: Any = None,
                **kw: Any) -> Iterator[Any]:
        yield gen_chunk(message=chunk(content="a"), generation_info={"stream": kw.get("stream")})
        yield gen_chunk(message=chunk(content="b"))

    async def _astream(self: Any, messages: Any, stop: Any = None, run_manager: Any = None,
                       **kw: Any) -> AsyncIterator[Any]:
        yield gen_chunk(message=chunk(content="x"))

    llm_type = property(lambda self: "custom")
    return {
        "Whole": type("Whole", (base,), {"_generate": _generate, "_llm_type": llm_type}),
        "Streams": type("Streams", (base,), {"_generate": _generate, "_stream": _stream,
                                             "_llm_type": llm_type}),
        "AsyncStreams": type("AsyncStreams", (base,), {"_generate": _generate,
                                                       "_astream": _astream,
                                                       "_llm_type": llm_type}),
    }


def _model_events(events: list[str]) -> list[str]:
    return [e.split(":", 1)[0] + ":" + e.split(":", 2)[2] for e in events
            if e.startswith("on_chat_model_") and e.count(":") >= 2]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_model_without_stream_is_invoked_whole(pkg: str) -> None:
    model = _models(pkg)["Whole"]()
    for way in WAYS.values():
        assert _model_events(_events(way(pkg, model), "q")) == [
            "on_chat_model_end:AIMessage('whole'):gen"]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_sync_stream_serves_both_apis_an_async_one_only_the_async(pkg: str) -> None:
    models = _models(pkg)
    streamed = [
        "on_chat_model_stream:AIMessageChunk('a'):stream",
        "on_chat_model_stream:AIMessageChunk('b'):stream",
        "on_chat_model_stream:AIMessageChunk(''):stream",  # the closing chunk_position='last'
        "on_chat_model_end:AIMessage('ab'):stream",
    ]
    sync_model = models["Streams"]()
    assert _model_events(_events(_implicit(pkg, sync_model), "q")) == streamed
    assert _model_events(_events(_async_implicit(pkg, sync_model), "q")) == streamed
    async_model = models["AsyncStreams"]()
    assert _model_events(_events(_implicit(pkg, async_model), "q")) == [
        "on_chat_model_end:AIMessage('whole'):gen"]
    assert _model_events(_events(_async_implicit(pkg, async_model), "q")) == [
        "on_chat_model_stream:AIMessageChunk('x'):stream",
        "on_chat_model_stream:AIMessageChunk(''):stream",
        "on_chat_model_end:AIMessage('x'):stream",
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_generation_info_joins_the_messages_response_metadata(pkg: str) -> None:
    """Each chunk's ``generation_info`` is in its message's ``response_metadata``, and in the
    reply's, whether streamed under astream_events, by ``stream`` or by ``stream=True``."""
    model = _models(pkg)["Streams"]()
    assert [c.response_metadata for c in model.stream("q")] == [{"stream": None}, {}, {}]
    assert model.invoke("q", stream=True).response_metadata == {"stream": True}
    assert model.invoke("q").response_metadata == {}  # _generate's reply has none

    async def f(x: Any) -> Any:
        return (await model.ainvoke(x)).response_metadata

    assert _events(_lam(pkg, f), "q")[-2] == "on_chain_stream:f:{'stream': NoneType}"


# -- what forbids or forces it ---------------------------------------------------------------


def _streams_in_events(pkg: str, model: Any, **kwargs: Any) -> bool:
    events = _events(_lam(pkg, lambda x: model.invoke(x, **kwargs).content), "q")
    return any(e.startswith("on_chat_model_stream") for e in events)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("disable", "kwargs", "streams"), [
    (False, {}, True),
    (False, {"tools": ["t"]}, True),
    (False, {"stream": False}, False),
    (True, {}, False),
    (True, {"stream": True}, False),
    ("tool_calling", {}, True),
    ("tool_calling", {"tools": ["t"]}, False),
    ("tool_calling", {"tools": []}, True),
    ("tool_calling", {"stream": False}, False),
])
def test_disable_streaming_and_the_stream_keyword_under_astream_events(
    pkg: str, disable: Any, kwargs: dict[str, Any], streams: bool
) -> None:
    model = _models(pkg)["Streams"](disable_streaming=disable)
    assert _streams_in_events(pkg, model, **kwargs) is streams
    fake = load(pkg, "language_models", "FakeListChatModel")(responses=["ab"],
                                                             disable_streaming=disable)
    assert _streams_in_events(pkg, fake, **kwargs) is streams


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "batch"])
def test_stream_true_streams_a_plain_call(pkg: str, mode: str) -> None:
    """``stream=True`` streams without any streaming handler (and reaches ``_stream``)."""
    model = _models(pkg)["Streams"]()
    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}
    reply = (model.invoke("q", cfg, stream=True) if mode == "invoke"
             else asyncio.run(model.ainvoke("q", cfg, stream=True)) if mode == "ainvoke"
             else model.batch(["q"], cfg, stream=True)[0])
    assert [d for _, _, _, d in rec.seen[1:]] == [
        "'a' ChatGenerationChunk", "'b' ChatGenerationChunk", "'' ChatGenerationChunk",
        "LLMResult([[ChatGeneration(AIMessage('ab'))]])",
    ]
    assert reply.id.startswith("lc_run--") and not reply.id.endswith("-0")


@pytest.mark.parametrize("pkg", PKGS)
def test_a_given_streaming_field_forces_or_forbids_streaming(pkg: str) -> None:
    streams = _models(pkg)["Streams"]
    with_field = type("WithField", (streams,), {"__annotations__": {"streaming": bool},
                                                "streaming": False})
    default_true = type("DefaultTrue", (streams,), {"__annotations__": {"streaming": bool},
                                                    "streaming": True})

    def plain_tokens(model: Any) -> int:
        rec = recorder(pkg)
        model.invoke("q", {"callbacks": [rec]})
        return sum(e == "on_llm_new_token" for e, *_ in rec.seen)

    assert plain_tokens(with_field()) == 0
    assert plain_tokens(with_field(streaming=True)) == 3
    assert plain_tokens(default_true()) == 0  # a class default is not a given field
    assigned = with_field()
    assigned.streaming = True
    assert plain_tokens(assigned) == 3
    assert _streams_in_events(pkg, with_field()) is True  # not given: the handler decides
    assert _streams_in_events(pkg, with_field(streaming=False)) is False
    assert _streams_in_events(pkg, with_field(streaming=False), stream=True) is False


@pytest.mark.parametrize("pkg", PKGS)
def test_a_handler_that_taps_streams_makes_a_plain_invoke_stream(pkg: str) -> None:
    """langchain_core asks whether a handler has ``tap_output_iter`` and ``tap_output_aiter``
    (its streaming handler protocol): both make the model stream, one does not."""
    model = _models(pkg)["Streams"]()

    def tokens(*methods: str) -> int:
        rec = recorder(pkg)
        for m in methods:
            setattr(rec, m, lambda run_id, output: output)
        model.invoke("q", {"callbacks": [rec]})
        return sum(e == "on_llm_new_token" for e, *_ in rec.seen)

    assert tokens("tap_output_iter", "tap_output_aiter") == 3
    assert tokens("tap_output_iter") == 0


# -- cache, rate limiter, errors, LLMs --------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_a_cache_hit_does_not_stream_a_miss_does(pkg: str) -> None:
    model = _fake(pkg, cache=load(pkg, "caches", "InMemoryCache")())
    chain = _implicit(pkg, model)
    first = _model_events(_events(chain, "q"))
    assert first[-1] == "on_chat_model_end:AIMessage('hi there'):stream"
    assert len(first) == 4
    second = _model_events(_events(chain, "q"))
    # the hit gives the stored reply, which keeps the first run's streamed id
    assert len(second) == 1 and second[0].startswith("on_chat_model_end:AIMessage('hi there')")
    assert second[0].rsplit(":", 1)[1].startswith("lc_run--")
    assert not second[0].endswith(("-0", ":stream"))


@pytest.mark.parametrize("pkg", PKGS)
def test_the_rate_limiter_is_acquired_once_before_the_stream(pkg: str) -> None:
    base = load(pkg, "rate_limiters", "InMemoryRateLimiter")
    calls: list[str] = []

    class Spy(base):  # type: ignore[misc, valid-type]
        def acquire(self, *, blocking: bool = True) -> bool:
            calls.append("acquire")
            return True

        async def aacquire(self, *, blocking: bool = True) -> bool:
            calls.append("aacquire")
            return True

    model = _fake(pkg, rate_limiter=Spy(requests_per_second=100))
    assert len(_model_events(_events(_implicit(pkg, model), "q"))) == 4
    assert len(_model_events(_events(_async_implicit(pkg, model), "q"))) == 4
    assert calls == ["acquire", "aacquire"]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_stream_fails_the_run_with_an_empty_response(pkg: str) -> None:
    base = load(pkg, "language_models", "BaseChatModel")
    chunk = load(pkg, "messages", "AIMessageChunk")
    gen_chunk = load(pkg, "outputs", "ChatGenerationChunk")

    class Boom(base):  # type: ignore[misc, valid-type]
        fail: bool = True

        def _generate(self, *a: Any, **kw: Any) -> Any:
            raise AssertionError("not called: the call streams")

        def _stream(self, *a: Any, **kw: Any) -> Iterator[Any]:
            if self.fail:
                yield gen_chunk(message=chunk(content="a"))
                raise RuntimeError("mid")

        @property
        def _llm_type(self) -> str:
            return "boom"

    class ErrorRecorder(type(recorder(pkg))):  # type: ignore[misc]
        def on_llm_error(self, error: BaseException, **kw: Any) -> None:
            self._add("on_llm_error", f"{type(error).__name__} {shape(kw.get('response'))}", kw)

    async def run(model: Any) -> list[Any]:
        rec = ErrorRecorder()
        chain = _implicit(pkg, model)
        with pytest.raises((RuntimeError, ValueError)):
            async for _ in chain.astream_events("q", {"callbacks": [rec]}, version="v2"):
                pass
        return [(e, d) for e, _, _, d in rec.seen[1:]]

    assert asyncio.run(run(Boom())) == [
        ("on_chat_model_start", "[[HumanMessage('q')]]"),
        ("on_llm_new_token", "'a' ChatGenerationChunk"),
        ("on_llm_error", "RuntimeError LLMResult([[]])"),
        ("on_chain_error", "RuntimeError(mid)"),
    ]
    seen = asyncio.run(run(Boom(fail=False)))  # no chunk at all: a ValueError
    assert [e for e, _ in seen] == ["on_chat_model_start", "on_llm_error", "on_chain_error"]
    assert seen[1][1] == "ValueError LLMResult([[]])"


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("cls", ["FakeListLLM", "FakeStreamingListLLM"])
def test_an_llm_invoked_in_a_function_does_not_stream(pkg: str, cls: str) -> None:
    llm = load(pkg, "language_models", cls)(responses=["abc"])
    rec = recorder(pkg)
    events = _events(_lam(pkg, lambda x: llm.invoke(x)), "q", {"callbacks": [rec]})
    assert [e for e in events if "_llm_" in e] == ["on_llm_start:" + cls, "on_llm_end:" + cls]
    assert [e for e, *_ in rec.seen] == [
        "on_chain_start", "on_llm_start", "on_llm_end", "on_chain_end"]


@pytest.mark.parametrize("pkg", PKGS)
def test_an_llm_end_event_names_each_generations_type(pkg: str) -> None:
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["abc"])

    async def go() -> list[Any]:
        return [e["data"]["output"] async for e in llm.astream_events("q", version="v2")
                if e["event"] == "on_llm_end"]

    assert asyncio.run(go()) == [{
        "generations": [[{"text": "abc", "generation_info": None, "type": "Generation"}]],
        "llm_output": None,
    }]
