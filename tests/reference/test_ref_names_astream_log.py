"""``Runnable.astream_log`` and ``tracers.log_stream`` at langchain_core's names: the patches
(``RunLogPatch``, added up into a ``RunLog``), the final state (``diff=False``), the
``include_*`` / ``exclude_*`` filters, and the handlers of the config still served. Written once
against a package prefix, expected values by hand (ids, times, langchain_core's own
``seq:step:n`` / ``map:key:k`` tags and ``ls_*`` metadata, which the reference does not add,
normalised away); where langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

pytestmark = pytest.mark.filterwarnings("ignore:astream_log is deprecated")


def _norm(x: Any) -> Any:
    """``x`` with ids and times replaced, engine-added tags and metadata dropped, and any
    object that is not JSON data shown by :func:`shape`."""
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k == "id" and isinstance(v, str):
                v = "ID"
            elif v is not None and (k in ("start_time", "end_time") or (
                    k == "value" and str(x.get("path", "")).endswith("_time"))):
                v = "T"
            elif k == "tags" and isinstance(v, list):
                v = [t for t in v if not t.startswith(("seq:step:", "map:key:"))]
            elif k == "metadata" and isinstance(v, dict):
                v = {m: w for m, w in v.items() if not m.startswith(("ls_", "lc_"))}
            out[k] = _norm(v)
        return out
    if isinstance(x, list):
        return [_norm(v) for v in x]
    if x is None or isinstance(x, (str, int, float, bool)):
        return x
    return shape(x)


def _entry(name: str, type: str = "chain", *, tags: list[str] | None = None,
           streamed: list[Any] | None = None, tokens: list[str] | None = None,
           final: Any = None, ended: bool = False) -> dict[str, Any]:
    return {"id": "ID", "name": name, "type": type, "tags": tags or [], "metadata": {},
            "start_time": "T", "streamed_output": streamed or [],
            "streamed_output_str": tokens or [], "final_output": final,
            "end_time": "T" if ended else None}


def _patches(runnable: Any, x: Any, config: Any = None, **kw: Any) -> list[Any]:
    async def go() -> list[Any]:
        return [p async for p in runnable.astream_log(x, config, **kw)]

    return asyncio.run(go())


def _final_state(runnable: Any, x: Any, config: Any = None, **kw: Any) -> Any:
    async def go() -> Any:
        last = None
        async for log in runnable.astream_log(x, config, diff=False, **kw):
            last = log
        return last

    log = asyncio.run(go())
    assert type(log).__name__ == "RunLog"
    return _norm(log.state)


def _chain(pkg: str) -> Any:
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "hi {x}")])
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([load(pkg, "messages", "AIMessage")(content="hello world")]))
    return prompt | model | load(pkg, "output_parsers", "StrOutputParser")()


def _root(name: str) -> list[dict[str, Any]]:
    return [{"op": "replace", "path": "", "value": {
        "id": "ID", "streamed_output": [], "final_output": None, "logs": {}, "name": name,
        "type": "chain"}}]


def _tok(text: str) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/logs/GenericFakeChatModel/streamed_output_str/-",
             "value": text},
            {"op": "add", "path": "/logs/GenericFakeChatModel/streamed_output/-",
             "value": f"AIMessageChunk({text!r})"}]


def _out(chunk: str, total: str) -> list[dict[str, Any]]:
    return [{"op": "add", "path": "/streamed_output/-", "value": chunk},
            {"op": "replace", "path": "/final_output", "value": total}]


def _ended(key: str, final: Any) -> list[dict[str, Any]]:
    return [{"op": "add", "path": f"/logs/{key}/final_output", "value": final},
            {"op": "add", "path": f"/logs/{key}/end_time", "value": "T"}]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_lambda_root_logs_its_state_then_its_chunk(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")(lambda x: x + 1)
    patches = _patches(lam, 1)
    assert {type(p).__name__ for p in patches} == {"RunLogPatch"}
    assert [_norm(p.ops) for p in patches] == [
        [{"op": "replace", "path": "", "value": {
            "id": "ID", "streamed_output": [], "final_output": None, "logs": {},
            "name": "RunnableLambda", "type": "chain"}}],
        [{"op": "add", "path": "/streamed_output/-", "value": 2},
         {"op": "replace", "path": "/final_output", "value": 2}],
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_prompt_model_parser_patches_in_order(pkg: str) -> None:
    patches = _patches(_chain(pkg), {"x": "a"})
    parser = [{"op": "add", "path": "/logs/StrOutputParser/streamed_output/-"}]
    assert [_norm(p.ops) for p in patches] == [
        _root("RunnableSequence"),
        [{"op": "add", "path": "/logs/ChatPromptTemplate", "value": _entry(
            "ChatPromptTemplate", "prompt")}],
        _ended("ChatPromptTemplate", "ChatPromptValue('Human: hi a')"),
        # a chat model is an llm run in the log, its tokens and message chunks both logged
        [{"op": "add", "path": "/logs/GenericFakeChatModel", "value": _entry(
            "GenericFakeChatModel", "llm")}],
        _tok("hello"),
        [{"op": "add", "path": "/logs/StrOutputParser", "value": _entry(
            "StrOutputParser", "parser")}],
        [{**parser[0], "value": "hello"}],
        _out("hello", "hello"),
        _tok(" "), [{**parser[0], "value": " "}], _out(" ", "hello "),
        _tok("world"), [{**parser[0], "value": "world"}], _out("world", "hello world"),
        _ended("GenericFakeChatModel", {
            "generations": [[{"text": "hello world", "generation_info": None,
                              "type": "ChatGenerationChunk",
                              "message": "AIMessageChunk('hello world')"}]],
            "llm_output": None, "run": None, "type": "LLMResult"}),
        _ended("StrOutputParser", {"output": "hello world"}),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_the_final_log_of_prompt_model_parser(pkg: str) -> None:
    state = _final_state(_chain(pkg), {"x": "a"})
    tokens = ["hello", " ", "world"]
    assert state == {
        "id": "ID", "name": "RunnableSequence", "type": "chain",
        "streamed_output": tokens, "final_output": "hello world",
        "logs": {
            "ChatPromptTemplate": _entry("ChatPromptTemplate", "prompt",
                                         final="ChatPromptValue('Human: hi a')", ended=True),
            "GenericFakeChatModel": _entry(
                "GenericFakeChatModel", "llm", tokens=tokens,
                streamed=[f"AIMessageChunk({t!r})" for t in tokens], ended=True,
                final={"generations": [[{"text": "hello world", "generation_info": None,
                                         "type": "ChatGenerationChunk",
                                         "message": "AIMessageChunk('hello world')"}]],
                       "llm_output": None, "run": None, "type": "LLMResult"}),
            "StrOutputParser": _entry("StrOutputParser", "parser", streamed=tokens,
                                      final={"output": "hello world"}, ended=True),
        },
    }


@pytest.mark.parametrize("pkg", PKGS)
def test_patches_add_up_to_the_final_log(pkg: str) -> None:
    chain = _chain(pkg)
    patches = _patches(chain, {"x": "a"})
    total = patches[0] + patches[1]
    assert type(total).__name__ == "RunLog"
    for p in patches[2:]:
        total = total + p
    assert total.ops == [op for p in patches for op in p.ops]
    assert _norm(total.state) == _final_state(_chain(pkg), {"x": "a"})
    patch = load(pkg, "tracers.log_stream", "RunLogPatch")
    assert patch({"op": "add", "path": "/a", "value": 1}) == patch(
        {"op": "add", "path": "/a", "value": 1})
    with pytest.raises(TypeError):
        patches[0] + 1


@pytest.mark.parametrize("pkg", PKGS)
def test_a_repeated_name_is_numbered_and_steps_log_their_chunks(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    chain = lam(lambda x: x + 1) | lam(lambda x: x * 2) | lam(lambda x: [x], name="listify")
    state = _final_state(chain, 1)
    assert state == {
        "id": "ID", "name": "RunnableSequence", "type": "chain",
        "streamed_output": [[4]], "final_output": [4],
        "logs": {
            "RunnableLambda": _entry("RunnableLambda", streamed=[2], final={"output": 2},
                                     ended=True),
            "RunnableLambda:2": _entry("RunnableLambda", streamed=[4], final={"output": 4},
                                       ended=True),
            "listify": _entry("listify", streamed=[[4]], final={"output": [4]}, ended=True),
        },
    }


@pytest.mark.parametrize("pkg", PKGS)
def test_filters_pick_the_logged_runs(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    inner = (lam(lambda x: x + 1) | lam(lambda x: x + 2, name="two")).with_config(
        run_name="inner", tags=["t1"])
    chain = lam(lambda x: x, name="first") | inner

    def logged(**kw: Any) -> list[str]:
        return sorted(_final_state(chain, 1, **kw)["logs"])

    assert logged() == ["RunnableLambda", "first", "inner", "two"]
    assert logged(include_names=["two", "first"]) == ["first", "two"]
    assert logged(include_tags=["t1"]) == ["RunnableLambda", "inner", "two"]
    assert logged(include_tags=["t1"], include_names=["first"]) == [
        "RunnableLambda", "first", "inner", "two"]
    assert logged(include_tags=["t1"], exclude_names=["two"]) == ["RunnableLambda", "inner"]
    assert logged(exclude_tags=["t1"]) == ["first"]
    assert logged(include_types=["chain"], exclude_types=["chain"]) == []
    state = _final_state(_chain(pkg), {"x": "a"}, include_types=["llm", "parser"],
                         exclude_names=["StrOutputParser"])
    assert sorted(state["logs"]) == ["GenericFakeChatModel"]
    assert state["final_output"] == "hello world"  # the root is always logged
    # tags and metadata of the config reach every entry; run_name renames the root only
    state = _final_state(chain, 1, {"run_name": "top", "tags": ["x"], "metadata": {"m": 1}},
                         include_names=["first"])
    assert (state["name"], state["logs"]["first"]["tags"],
            state["logs"]["first"]["metadata"]) == ("top", ["x"], {"m": 1})


@pytest.mark.parametrize("pkg", PKGS)
def test_without_the_streamed_output_list(pkg: str) -> None:
    patches = _patches(_chain(pkg), {"x": "a"}, with_streamed_output_list=False,
                       include_names=["nothing"])
    assert [_norm(p.ops) for p in patches] == [
        _root("RunnableSequence"),
        [{"op": "replace", "path": "/final_output", "value": "hello"}],
        [{"op": "replace", "path": "/final_output", "value": "hello "}],
        [{"op": "replace", "path": "/final_output", "value": "hello world"}],
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_growing_dict_output_is_patched_member_by_member(pkg: str) -> None:
    addable = load(pkg, "runnables.utils", "AddableDict")

    async def parts(chunks: Any) -> Any:
        async for _ in chunks:
            for part in ({"a": [1]}, {"a": [2]}, {"b": "x"}, {"b": "y"}):
                yield addable(part)

    gen = load(pkg, "runnables", "RunnableGenerator")(parts)
    patches = _patches(gen, "q", with_streamed_output_list=False)
    assert [_norm(p.ops) for p in patches[1:]] == [
        [{"op": "replace", "path": "/final_output", "value": {"a": [1]}}],
        [{"op": "add", "path": "/final_output/a/1", "value": 2}],
        [{"op": "add", "path": "/final_output/b", "value": "x"}],
        [{"op": "replace", "path": "/final_output/b", "value": "xy"}],
    ]
    total = patches[0] + patches[1]
    for p in patches[2:]:
        total += p
    assert total.state["final_output"] == {"a": [1, 2], "b": "xy"}
    # a plain dict does not add up: each chunk replaces the output whole
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([load(pkg, "messages", "AIMessage")(content='{"a": 1}')]))
    chain = model | load(pkg, "output_parsers", "JsonOutputParser")()
    patches = _patches(chain, "q", include_names=["nothing"], with_streamed_output_list=False)
    assert [_norm(p.ops) for p in patches[1:]] == [
        [{"op": "replace", "path": "/final_output", "value": {}}],
        [{"op": "replace", "path": "/final_output", "value": {"a": 1}}],
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_the_handlers_of_the_config_still_get_their_callbacks(pkg: str) -> None:
    rec = recorder(pkg)
    state = _final_state(_chain(pkg), {"x": "a"}, {"callbacks": [rec]})
    assert state["final_output"] == "hello world"
    assert [(e, n, p) for e, n, p, _ in rec.seen] == [
        ("on_chain_start", "RunnableSequence", None),
        ("on_chain_start", "ChatPromptTemplate", "RunnableSequence"),
        ("on_chain_end", "ChatPromptTemplate", "RunnableSequence"),
        ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence"),
        ("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence"),
        ("on_chain_start", "StrOutputParser", "RunnableSequence"),
        ("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence"),
        ("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence"),
        ("on_llm_end", "GenericFakeChatModel", "RunnableSequence"),
        ("on_chain_end", "StrOutputParser", "RunnableSequence"),
        ("on_chain_end", "RunnableSequence", None),
    ]
    # a callback manager in the config keeps its handlers too
    manager = load(pkg, "callbacks.manager", "AsyncCallbackManager")
    rec = recorder(pkg)
    _final_state(_chain(pkg), {"x": "a"}, {"callbacks": manager(
        handlers=[rec], inheritable_handlers=[rec])})
    assert len(rec.seen) == 11


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_run_is_logged_ended_and_its_error_raised_last(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")

    def boom(x: int) -> int:
        raise ValueError("boom")

    chain = lam(lambda x: x + 1) | lam(boom)
    seen: list[Any] = []

    async def go() -> None:
        async for p in chain.astream_log(1):
            seen.append(p)

    with pytest.raises(ValueError, match="boom"):
        asyncio.run(go())
    total = seen[0] + seen[1]
    for p in seen[2:]:
        total += p
    assert _norm(total.state)["logs"]["boom"] == _entry("boom", final={}, ended=True)


@pytest.mark.parametrize("pkg", PKGS)
def test_a_consumer_stopping_early_still_lets_the_runs_end(pkg: str) -> None:
    rec = recorder(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")
    chain = lam(lambda x: x + 1, name="a") | lam(lambda x: x * 2, name="b")

    def ends() -> list[tuple[str, str | None]]:
        return sorted((e, n) for e, n, _, _ in rec.seen if e.endswith("_end"))

    async def go() -> None:
        log = chain.astream_log(1, {"callbacks": [rec]})
        await log.__anext__()
        # the reference waits here for the invocation to finish; langchain_core lets it
        # finish in the background (its task is cancelled if the loop closes first)
        await log.aclose()
        for _ in range(200):
            if len(ends()) == 3:
                break
            await asyncio.sleep(0.01)

    asyncio.run(go())
    assert ends() == [
        ("on_chain_end", "RunnableSequence"), ("on_chain_end", "a"), ("on_chain_end", "b")]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_parallel_logs_each_branch(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    par = load(pkg, "runnables", "RunnableParallel")(a=lam(lambda x: x + 1),
                                                     b=lam(lambda x: x * 2))
    state = _final_state(par, 3)
    # langchain_core streams a parallel branch by branch ({'a': 4} and {'b': 6} as two
    # chunks, each branch's chunk logged); the reference yields the whole dict once
    assert (state["name"], state["final_output"]) == ("RunnableParallel<a,b>",
                                                      {"a": 4, "b": 6})
    assert {k: (e["name"], e["final_output"]) for k, e in state["logs"].items()} == {
        "RunnableLambda": ("RunnableLambda", {"output": 4}),
        "RunnableLambda:2": ("RunnableLambda", {"output": 6}),
    }


def test_the_json_patch_helpers() -> None:
    from reference.tracers._json_patch import apply_ops, diff_ops

    doc = {"a/b": [1], "c~": {}}
    new = apply_ops(doc, [
        {"op": "add", "path": "/a~1b/-", "value": 2},
        {"op": "add", "path": "/a~1b/0", "value": 0},
        {"op": "replace", "path": "/c~0", "value": {"d": 1}},
        {"op": "remove", "path": "/c~0/d"},
    ])
    assert (new, doc) == ({"a/b": [0, 1, 2], "c~": {}}, {"a/b": [1], "c~": {}})
    assert apply_ops(None, [{"op": "replace", "path": "", "value": 1}]) == 1
    for bad in ({"op": "move", "path": "/x", "from": "/y"}, {"op": "replace", "path": "/x"},
                {"op": "add", "path": "/a~1b/5", "value": 1}):
        with pytest.raises(ValueError):
            apply_ops(doc, [bad])
    assert diff_ops([1, 2], [3]) == [{"op": "replace", "path": "/0", "value": 3},
                                     {"op": "remove", "path": "/1"}]
    assert diff_ops({"a": 1}, {"a": True, "b": [1]}) == [
        {"op": "add", "path": "/b", "value": [1]}, {"op": "replace", "path": "/a", "value": True}]
    assert diff_ops("a", "a") == []


@pytest.mark.parametrize("pkg", PKGS)
def test_astream_events_empty_filters_are_filters(pkg: str) -> None:
    """An empty ``include_*`` list includes nothing (it is a filter, not "no filter"); an empty
    ``exclude_*`` list excludes nothing; the two kinds of filter combine as in astream_log."""
    lam = load(pkg, "runnables", "RunnableLambda")
    tagged = lam(lambda x: x + 1, name="two").with_config(tags=["t1"])
    chain = lam(lambda x: x, name="first") | tagged

    def names(runnable: Any, **kw: Any) -> list[str]:
        async def go() -> list[str]:
            return [f'{e["event"]}:{e["name"]}'
                    async for e in runnable.astream_events(1, version="v2", **kw)]

        return asyncio.run(go())

    every = names(chain)
    assert {"on_chain_start:first", "on_chain_end:two", "on_chain_end:RunnableSequence"} <= set(
        every)
    assert names(chain, include_names=[]) == []
    assert names(chain, include_tags=[], include_types=[]) == []
    assert names(chain, exclude_names=[], exclude_tags=[]) == every
    assert names(chain, include_types=["chain"], exclude_names=["first"]) == [
        e for e in every if not e.endswith(":first")]
    assert names(tagged, include_names=[], include_tags=["t1"]) == [
        "on_chain_start:two", "on_chain_stream:two", "on_chain_end:two"]
