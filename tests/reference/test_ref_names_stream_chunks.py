"""Streaming at langchain_core's names, found by a differential probe against langchain-core
1.8.3: a generator-function lambda streams its chunks one by one (and a sync one cannot stream
async), ``RunnablePassthrough(func)`` / ``(afunc=...)`` call their function outside the run,
a streamed chat model's run ends with its own chunks added up (not the closing
``chunk_position="last"`` one), and ``AIMessageChunk`` sums merge tool call chunks (parsing
the tool calls), content blocks of one index, metadata dicts and ids as langchain_core's do.
Written once against a package prefix, expected values by hand; where langchain-core 1.x is
installed they must hold on it too.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _g3(chunks: Any) -> Any:
    for x in chunks:
        for i in range(3):
            yield f"{x}{i}"


async def _ag3(chunks: Any) -> Any:
    async for x in chunks:
        for i in range(3):
            yield f"{x}{i}"


def _astream(r: Any, x: Any, config: Any = None) -> list[Any]:
    async def go() -> list[Any]:
        return [c async for c in r.astream(x, config)]

    return asyncio.run(go())


# -- generator-function lambdas ---------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_a_generator_lambda_streams_its_chunks_one_by_one(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    assert list(lam(_g3).stream("x", {"callbacks": [rec]})) == ["x0", "x1", "x2"]
    assert [e[0] for e in rec.seen] == ["on_chain_start", "on_chain_end"]
    assert rec.seen[-1][3] == "'x0x1x2'"  # the run ends with the chunks added up
    assert lam(_g3).invoke("x") == "x0x1x2"

    async def counted(x: str) -> Any:  # an async generator lambda gets the whole input
        for i in range(3):
            yield f"{x}{i}"

    assert _astream(lam(counted), "x") == ["x0", "x1", "x2"]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_sync_generator_lambda_does_not_stream_async(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    with pytest.raises(TypeError, match=r"stream\(\)"):
        _astream(lam(_g3), "x", {"callbacks": [rec]})
    assert [e[0] for e in rec.seen] == ["on_chain_start", "on_chain_error"]


@pytest.mark.parametrize("pkg", PKGS)
def test_an_async_only_function_names_the_async_method(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    gen = load(pkg, "runnables", "RunnableGenerator")

    async def af(x: Any) -> Any:
        return x

    with pytest.raises(TypeError, match="ainvoke"):
        lam(af).invoke(1)
    with pytest.raises(TypeError, match="astream"):
        list(lam(af).stream(1))
    with pytest.raises(NotImplementedError, match=r"RunnableGenerator\(ag\).* async"):
        gen(_ag3, name="ag").invoke("x")


# -- RunnablePassthrough(func) ----------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
def test_a_passthrough_calls_its_function_outside_its_run(pkg: str, mode: str) -> None:
    pt = load(pkg, "runnables", "RunnablePassthrough")
    gen = load(pkg, "runnables", "RunnableGenerator")
    seen: list[Any] = []
    rec = recorder(pkg)

    def func(x: Any, config: Any) -> None:
        seen.append(("func", x, "callbacks" in config))
        rec.seen.append(("func", None, None, repr(x)))

    async def afunc(x: Any) -> None:
        seen.append(("afunc", x))
        rec.seen.append(("afunc", None, None, repr(x)))

    chain = gen(_g3, _ag3, name="g3") | pt(func, afunc=afunc)
    cfg = {"callbacks": [rec]}
    if mode == "invoke":
        out: Any = chain.invoke("x", cfg)
    elif mode == "ainvoke":
        out = asyncio.run(chain.ainvoke("x", cfg))
    elif mode == "stream":
        out = list(chain.stream("x", cfg))
    else:
        out = _astream(chain, "x", cfg)
    whole = "x0x1x2"
    if mode in ("invoke", "ainvoke"):
        assert out == whole
        # called with the whole input before the passthrough's run starts
        events = [e[0] if e[0] in ("func", "afunc") else (e[0], e[1]) for e in rec.seen]
        call = "func" if mode == "invoke" else "afunc"
        assert events == [("on_chain_start", "RunnableSequence"), ("on_chain_start", "g3"),
                          ("on_chain_end", "g3"), call,
                          ("on_chain_start", "RunnablePassthrough"),
                          ("on_chain_end", "RunnablePassthrough"),
                          ("on_chain_end", "RunnableSequence")]
    else:
        assert out == ["x0", "x1", "x2"]
        # called with the chunks added up, once the passthrough's run has ended
        names = [e[0] if e[0] in ("func", "afunc") else (e[0], e[1]) for e in rec.seen]
        call = "func" if mode == "stream" else "afunc"
        assert names.index(call) == names.index(("on_chain_end", "RunnablePassthrough")) + 1
    assert seen == ([("func", whole, True)] if mode in ("invoke", "stream")
                    else [("afunc", whole)])


@pytest.mark.parametrize("pkg", PKGS)
def test_a_coroutine_function_given_as_func_is_the_afunc(pkg: str) -> None:
    pt = load(pkg, "runnables", "RunnablePassthrough")
    seen: list[Any] = []

    async def afunc(x: Any) -> None:
        seen.append(x)

    p = pt(afunc)
    assert p.func is None and p.afunc is afunc
    assert p.invoke(1) == 1 and seen == []  # no sync function: nothing called
    assert asyncio.run(p.ainvoke(2)) == 2 and seen == [2]


# -- chat models in streams -------------------------------------------------------------------


def _custom_model(pkg: str, kind: str) -> Any:
    base = load(pkg, "language_models.chat_models", "BaseChatModel")
    chunk = load(pkg, "messages", "AIMessageChunk")
    gen_chunk = load(pkg, "outputs", "ChatGenerationChunk")
    gen = load(pkg, "outputs", "ChatGeneration")
    result = load(pkg, "outputs", "ChatResult")
    ai = load(pkg, "messages", "AIMessage")

    class Streamer(base):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "streamer"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kw: Any) -> Any:
            return result(generations=[gen(message=ai(content="whole"))])

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None,
                    **kw: Any) -> Any:
            if kind == "tools":
                yield gen_chunk(message=chunk(content="", tool_call_chunks=[
                    {"name": "add", "args": '{"a"', "id": "c1", "index": 0}]))
                yield gen_chunk(message=chunk(content="", tool_call_chunks=[
                    {"name": None, "args": ": 1}", "id": None, "index": 0}]))
            else:
                yield gen_chunk(message=chunk(content="x", response_metadata={"a": 1}))
                yield gen_chunk(message=chunk(
                    content="y", response_metadata={"b": 2},
                    usage_metadata={"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}))

    return Streamer()


class _Ends:
    """The model run's end, as a handler of ``pkg`` receives it."""

    def __init__(self, pkg: str) -> None:
        base = load(pkg, "callbacks.base", "BaseCallbackHandler")
        ends: list[Any] = []
        tokens: list[Any] = []

        class H(base):  # type: ignore[misc, valid-type]
            def on_llm_new_token(self, token: str, **kw: Any) -> None:
                tokens.append(kw["chunk"].message)

            def on_llm_end(self, response: Any, **kw: Any) -> None:
                ends.append(response.generations[0][0].message)

        self.handler, self.ends, self.tokens = H(), ends, tokens


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_streamed_models_run_ends_without_the_closing_chunk(pkg: str, mode: str) -> None:
    model = _custom_model(pkg, "meta")
    h = _Ends(pkg)
    cfg = {"callbacks": [h.handler]}
    chunks = list(model.stream("hi", cfg)) if mode == "stream" else _astream(model, "hi", cfg)
    assert [c.content for c in chunks] == ["x", "y", ""]
    assert chunks[-1].chunk_position == "last"  # the closing chunk: yielded and a token ...
    assert [t.chunk_position for t in h.tokens] == [None, None, "last"]
    (end,) = h.ends  # ... but not part of the run's result
    assert end.content == "xy" and end.chunk_position is None
    assert end.response_metadata == {"a": 1, "b": 2}
    assert end.usage_metadata == {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}
    total = chunks[0]
    for c in chunks[1:]:
        total = total + c
    assert total.chunk_position == "last"  # adding the stream's chunks yourself keeps it


@pytest.mark.parametrize("pkg", PKGS)
def test_streamed_tool_call_chunks_add_up_to_tool_calls(pkg: str) -> None:
    model = _custom_model(pkg, "tools")
    lam = load(pkg, "runnables", "RunnableLambda")
    h = _Ends(pkg)
    chain = model | lam(lambda m: m.tool_calls, name="calls")
    out = list(chain.stream("hi", {"callbacks": [h.handler]}))
    call = {"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    assert out == [[call]]
    (end,) = h.ends
    assert end.tool_calls == [call]
    assert end.tool_call_chunks == [
        {"name": "add", "args": '{"a": 1}', "id": "c1", "index": 0, "type": "tool_call_chunk"}]
    # each token's chunk parses what it has (the second's ': 1}' is no object)
    assert [t.tool_calls for t in h.tokens[:2]] == [
        [{"name": "add", "args": {}, "id": "c1", "type": "tool_call"}], []]
    assert h.tokens[1].invalid_tool_calls == [
        {"name": None, "args": ": 1}", "id": None, "error": None, "type": "invalid_tool_call"}]


# -- AIMessageChunk arithmetic ----------------------------------------------------------------


def _chunk(pkg: str, **kw: Any) -> Any:
    return load(pkg, "messages", "AIMessageChunk")(**kw)


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_call_chunks_merge_by_index_and_parse(pkg: str) -> None:
    def tcc(name: Any, args: str, id: Any, index: Any) -> dict[str, Any]:
        return {"name": name, "args": args, "id": id, "index": index}

    c = _chunk(pkg, content="", tool_call_chunks=[tcc("add", '{"a": 1}', "c1", 0)]) + _chunk(
        pkg, content="", tool_call_chunks=[tcc("mul", '{"b": 2}', "c2", 1)])
    assert [t["name"] for t in c.tool_calls] == ["add", "mul"]
    partial = _chunk(pkg, content="", tool_call_chunks=[tcc("add", '{"a": "hel', "c1", 0)])
    assert partial.tool_calls == [
        {"name": "add", "args": {"a": "hel"}, "id": "c1", "type": "tool_call"}]
    assert _chunk(pkg, content="", tool_call_chunks=[tcc("add", "", "c1", 0)]).tool_calls[0][
        "args"] == {}
    bad = _chunk(pkg, content="", tool_call_chunks=[tcc("add", "[1]", "c1", 0)])
    assert bad.tool_calls == [] and bad.invalid_tool_calls == [
        {"name": "add", "args": "[1]", "id": "c1", "error": None, "type": "invalid_tool_call"}]
    # no index: chunks follow each other
    two = _chunk(pkg, content="", tool_call_chunks=[tcc("add", "{}", "c1", None)]) + _chunk(
        pkg, content="", tool_call_chunks=[tcc("add", "{}", "c2", None)])
    assert [t["id"] for t in two.tool_calls] == ["c1", "c2"]
    # tool calls given whole make their chunks (args as JSON text, no index)
    whole = _chunk(pkg, content="", tool_calls=[{"name": "add", "args": {"a": 1}, "id": "c1"}])
    assert whole.tool_call_chunks == [
        {"name": "add", "args": '{"a": 1}', "id": "c1", "index": None, "type": "tool_call_chunk"}]


@pytest.mark.parametrize("pkg", PKGS)
def test_contents_metadata_usage_ids_and_names_add_up(pkg: str) -> None:
    def add(*chunks: Any) -> Any:
        total = chunks[0]
        for c in chunks[1:]:
            total = total + c
        return total

    blocks = add(_chunk(pkg, content=[{"type": "text", "text": "a", "index": 0}]),
                 _chunk(pkg, content=[{"type": "text", "text": "b", "index": 0}]))
    assert blocks.content == [{"type": "text", "text": "ab", "index": 0}]
    assert add(_chunk(pkg, content="x"), _chunk(pkg, content=[{"type": "text", "text": "b"}])
               ).content == ["x", {"type": "text", "text": "b"}]
    assert add(_chunk(pkg, content=[{"type": "text", "text": "b"}]), _chunk(pkg, content="x")
               ).content == [{"type": "text", "text": "b"}, "x"]
    meta = add(_chunk(pkg, content="a", response_metadata={"model": "x", "n": 1, "l": [1]}),
               _chunk(pkg, content="b", response_metadata={"model": "x", "n": 2, "l": [2],
                                                           "stop": "s"}))
    assert meta.response_metadata == {"model": "xx", "n": 3, "l": [1, 2], "stop": "s"}
    fc = add(_chunk(pkg, content="", additional_kwargs={
        "function_call": {"name": "f", "arguments": "{"}}), _chunk(
        pkg, content="", additional_kwargs={"function_call": {"name": None, "arguments": "}"}}))
    assert fc.additional_kwargs == {"function_call": {"name": "f", "arguments": "{}"}}
    usage = add(_chunk(pkg, content="a"), _chunk(pkg, content="b", usage_metadata={
        "input_tokens": 4, "output_tokens": 5, "total_tokens": 9}))
    assert usage.usage_metadata == {"input_tokens": 4, "output_tokens": 5, "total_tokens": 9}
    # a provider's id wins over a run-made one, wherever it comes
    assert add(_chunk(pkg, content="a", id="lc_run--1"), _chunk(pkg, content="b", id="real")
               ).id == "real"
    assert add(_chunk(pkg, content="a", id="lc_1"), _chunk(pkg, content="b", id="lc_run--2")
               ).id == "lc_run--2"
    assert add(_chunk(pkg, content="a", name="n1"), _chunk(pkg, content="b")).name is None
    assert add(_chunk(pkg, content="a"), [_chunk(pkg, content="b"), _chunk(pkg, content="c")]
               ).content == "abc"
