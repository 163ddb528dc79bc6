"""Streaming a ``RunnableParallel`` (and ``RunnablePassthrough``, ``assign``, ``pick``) at
langchain_core's names: the branches are streamed concurrently and each branch chunk comes out
as ``{key: chunk}`` as it arrives (the chunks add up to ``invoke``'s result); an assign yields
its input first, then the assigned keys' chunks; a pick yields the picked part of each chunk; a
passthrough yields its input chunks as they come. Branches interleave in any order (R7.5), so
chunks are compared as multisets and events as run trees. Written once against a package
prefix, expected values by hand; where langchain-core 1.x is installed they must hold on it too.

Where the two differ (a failing branch, a stream closed early, ``max_concurrency``), the
reference follows SPEC.md (R7.6, R8, §4) and the test says what langchain_core does instead.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
MODES = ["stream", "astream"]


def _r(pkg: str, name: str) -> Any:
    return load(pkg, "runnables", name)


def _lam(pkg: str, name: str, func: Any) -> Any:
    return _r(pkg, "RunnableLambda")(func, name=name)


def _gen(pkg: str) -> Any:
    """``gg``: three chunks per input chunk, ``x0 x1 x2``, a little apart."""

    def gg(chunks: Iterator[str]) -> Iterator[str]:
        for x in chunks:
            for i in range(3):
                time.sleep(0.005)
                yield f"{x}{i}"

    async def agg(chunks: AsyncIterator[str]) -> AsyncIterator[str]:
        async for x in chunks:
            for i in range(3):
                await asyncio.sleep(0.005)
                yield f"{x}{i}"

    return _r(pkg, "RunnableGenerator")(gg, agg, name="gg")


def _stream(r: Any, x: Any, mode: str, config: Any = None) -> list[Any]:
    if mode == "stream":
        return list(r.stream(x, config))

    async def go() -> list[Any]:
        return [c async for c in r.astream(x, config)]

    return asyncio.run(go())


def _total(chunks: list[Any]) -> Any:
    out = chunks[0]
    for c in chunks[1:]:
        out = out + c
    return out


def _runs(seen: list[Seen]) -> Counter[tuple[str, str | None, str | None]]:
    """The events as a multiset of (event, run, parent): the tree, whatever the interleaving."""
    return Counter((e, n, p) for e, n, p, _ in seen)


def _check_nesting(seen: list[Seen]) -> None:
    """R7: a run starts before its children's events and ends once, after them."""
    started: set[str | None] = set()
    ended: set[str | None] = set()
    for event, name, parent, _ in seen:
        assert parent is None or (parent in started and parent not in ended), (event, name)
        if event.endswith("_start"):
            started.add(name)
        elif event.endswith(("_end", "_error")):
            assert name in started and name not in ended, (event, name)
            ended.add(name)
    assert started == ended


def _ends(seen: list[Seen]) -> dict[str | None, tuple[str, str]]:
    return {n: (e, d) for e, n, _, d in seen if e.endswith(("_end", "_error"))}


# ----------------------------------------------------------------------------- parallels


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_parallel_yields_each_branch_chunk_under_its_key(pkg: str, mode: str) -> None:
    par = _r(pkg, "RunnableParallel")(a=_lam(pkg, "la", lambda x: x + 1),
                                      b=_lam(pkg, "lb", lambda x: x * 2))
    rec = recorder(pkg)
    chunks = _stream(par, 1, mode, {"callbacks": [rec]})
    assert sorted(chunks, key=str) == [{"a": 2}, {"b": 2}]
    assert _total(chunks) == par.invoke(1) == {"a": 2, "b": 2}
    assert _runs(rec.seen) == Counter([
        ("on_chain_start", "RunnableParallel<a,b>", None),
        ("on_chain_start", "la", "RunnableParallel<a,b>"),
        ("on_chain_start", "lb", "RunnableParallel<a,b>"),
        ("on_chain_end", "la", "RunnableParallel<a,b>"),
        ("on_chain_end", "lb", "RunnableParallel<a,b>"),
        ("on_chain_end", "RunnableParallel<a,b>", None),
    ])
    _check_nesting(rec.seen)
    # the parallel's run ends with the whole dict, the branches' with their outputs
    assert rec.seen[-1] == ("on_chain_end", "RunnableParallel<a,b>", None, "{'a': int, 'b': int}")
    assert _ends(rec.seen)["la"] == ("on_chain_end", "int")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_parallel_inside_a_streamed_sequence(pkg: str, mode: str) -> None:
    par = _r(pkg, "RunnableParallel")(a=_lam(pkg, "la", lambda x: x + 1),
                                      b=_lam(pkg, "lb", lambda x: x * 2))
    seq = _lam(pkg, "pre", lambda x: x) | par | _lam(pkg, "post", lambda d: d)
    rec = recorder(pkg)
    # the last lambda reads its whole input (the parallel's chunks added up), then yields once
    assert _stream(seq, 1, mode, {"callbacks": [rec]}) == [{"a": 2, "b": 2}]
    p = "RunnableParallel<a,b>"
    assert _runs(rec.seen) == Counter([
        ("on_chain_start", "RunnableSequence", None),
        ("on_chain_start", "pre", "RunnableSequence"),
        ("on_chain_start", p, "RunnableSequence"),
        ("on_chain_start", "la", p), ("on_chain_start", "lb", p),
        ("on_chain_start", "post", "RunnableSequence"),
        ("on_chain_end", "pre", "RunnableSequence"),
        ("on_chain_end", "la", p), ("on_chain_end", "lb", p),
        ("on_chain_end", p, "RunnableSequence"),
        ("on_chain_end", "post", "RunnableSequence"),
        ("on_chain_end", "RunnableSequence", None),
    ])
    _check_nesting(rec.seen)
    assert _ends(rec.seen)[p] == ("on_chain_end", "{'a': int, 'b': int}")
    assert rec.seen[-1] == ("on_chain_end", "RunnableSequence", None, "{'a': int, 'b': int}")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("as_sequence", [False, True])
def test_a_streaming_branch_yields_its_chunks_one_by_one(
    pkg: str, mode: str, as_sequence: bool
) -> None:
    branch = (_lam(pkg, "l0", lambda x: x) | _gen(pkg)) if as_sequence else _gen(pkg)
    par = _r(pkg, "RunnableParallel")(a=branch, b=_lam(pkg, "lb", lambda x: x * 2))
    rec = recorder(pkg)
    chunks = _stream(par, "x", mode, {"callbacks": [rec]})
    assert sorted(chunks, key=str) == [{"a": "x0"}, {"a": "x1"}, {"a": "x2"}, {"b": "xx"}]
    assert [c["a"] for c in chunks if "a" in c] == ["x0", "x1", "x2"]  # in order, per branch
    assert _total(chunks) == par.invoke("x") == {"a": "x0x1x2", "b": "xx"}
    _check_nesting(rec.seen)
    ends = _ends(rec.seen)
    assert ends["gg"] == ("on_chain_end", "'x0x1x2'")
    assert ends["RunnableParallel<a,b>"] == ("on_chain_end", "{'a': 'x0x1x2', 'b': 'xx'}")
    parents = {n: p for e, n, p, _ in rec.seen if e == "on_chain_start"}
    assert parents["gg"] == ("RunnableSequence" if as_sequence else "RunnableParallel<a,b>")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_chat_model_branch_streams_its_tokens(pkg: str, mode: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content="hi there")]), name="m")
    par = _r(pkg, "RunnableParallel")(a=model, b=_lam(pkg, "lb", lambda x: x * 2))
    rec = recorder(pkg)
    chunks = _stream(par, "x", mode, {"callbacks": [rec]})
    assert [c["a"].content for c in chunks if "a" in c] == ["hi", " ", "there"]
    assert [c for c in chunks if "b" in c] == [{"b": "xx"}]
    assert _total(chunks)["a"].content == "hi there"
    p = "RunnableParallel<a,b>"
    assert [(e, n, pa, d) for e, n, pa, d in rec.seen if n == "m"] == [
        ("on_chat_model_start", "m", p, "[[HumanMessage('x')]]"),
        ("on_llm_new_token", "m", p, "'hi' ChatGenerationChunk"),
        ("on_llm_new_token", "m", p, "' ' ChatGenerationChunk"),
        ("on_llm_new_token", "m", p, "'there' ChatGenerationChunk"),
        ("on_llm_end", "m", p, "LLMResult([[ChatGenerationChunk(AIMessageChunk('hi there'))]])"),
    ]
    _check_nesting(rec.seen)
    assert rec.seen[-1] == ("on_chain_end", p, None,
                            "{'a': AIMessageChunk('hi there'), 'b': 'xx'}")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_passthrough_branch_and_an_empty_parallel(pkg: str, mode: str) -> None:
    par = _r(pkg, "RunnableParallel")(a=_r(pkg, "RunnablePassthrough")(),
                                      b=_lam(pkg, "lb", lambda d: 5))
    chunks = _stream(par, {"x": 1}, mode)
    assert sorted(chunks, key=str) == [{"a": {"x": 1}}, {"b": 5}]
    # no branch, no chunk (invoke gives {}); the run still starts and ends
    rec = recorder(pkg)
    empty = _r(pkg, "RunnableParallel")()
    assert _stream(empty, 1, mode, {"callbacks": [rec]}) == []
    assert empty.invoke(1) == {}
    assert [(e, n, d) for e, n, _, d in rec.seen[1:]] == [
        ("on_chain_end", "RunnableParallel<>", "NoneType")]


# ----------------------------------------------------------------------------- passthrough


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_passthrough_yields_its_input_chunks_as_they_come(pkg: str, mode: str) -> None:
    seq = _gen(pkg) | _r(pkg, "RunnablePassthrough")()
    rec = recorder(pkg)
    assert _stream(seq, "x", mode, {"callbacks": [rec]}) == ["x0", "x1", "x2"]
    assert _runs(rec.seen) == Counter([
        ("on_chain_start", "RunnableSequence", None),
        ("on_chain_start", "gg", "RunnableSequence"),
        ("on_chain_start", "RunnablePassthrough", "RunnableSequence"),
        ("on_chain_end", "gg", "RunnableSequence"),
        ("on_chain_end", "RunnablePassthrough", "RunnableSequence"),
        ("on_chain_end", "RunnableSequence", None),
    ])
    _check_nesting(rec.seen)
    assert _ends(rec.seen)["RunnablePassthrough"] == ("on_chain_end", "'x0x1x2'")


# ----------------------------------------------------------------------------- assign, pick


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_assign_yields_its_input_then_the_assigned_keys(pkg: str, mode: str) -> None:
    assign = _r(pkg, "RunnablePassthrough").assign(a=_lam(pkg, "la", lambda d: d["x"] + 1))
    rec = recorder(pkg)
    assert _stream(assign, {"x": 1}, mode, {"callbacks": [rec]}) == [{"x": 1}, {"a": 2}]
    assert [(e, n, p, d) for e, n, p, d in rec.seen if not e.endswith("_start")] == [
        ("on_chain_end", "la", "RunnableParallel<a>", "int"),
        ("on_chain_end", "RunnableParallel<a>", "RunnableAssign<a>", "{'a': int}"),
        ("on_chain_end", "RunnableAssign<a>", None, "{'a': int, 'x': int}"),
    ]
    assert [(e, n, p) for e, n, p, _ in rec.seen if e.endswith("_start")] == [
        ("on_chain_start", "RunnableAssign<a>", None),
        ("on_chain_start", "RunnableParallel<a>", "RunnableAssign<a>"),
        ("on_chain_start", "la", "RunnableParallel<a>"),
    ]
    _check_nesting(rec.seen)
    # an assigned key replaces the input's: the input chunk comes without it
    over = _r(pkg, "RunnablePassthrough").assign(x=_lam(pkg, "lx", lambda d: 5))
    assert _stream(over, {"x": 1, "y": 2}, mode) == [{"y": 2}, {"x": 5}]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_pick_yields_the_picked_part_of_each_chunk(pkg: str, mode: str) -> None:
    par = _r(pkg, "RunnableParallel")(a=_lam(pkg, "la", lambda x: x + 1),
                                      b=_lam(pkg, "lb", lambda x: x * 2),
                                      c=_lam(pkg, "lc", lambda x: 3))
    rec = recorder(pkg)
    # one key: its value, from the one chunk that has it
    assert _stream(par.pick("a"), 1, mode, {"callbacks": [rec]}) == [2]
    assert _ends(rec.seen)["RunnablePick<a>"] == ("on_chain_end", "int")
    assert _ends(rec.seen)["RunnableParallel<a,b,c>"] == (
        "on_chain_end", "{'a': int, 'b': int, 'c': int}")
    _check_nesting(rec.seen)
    # a list: the keys each chunk has, chunks with none of them left out
    rec = recorder(pkg)
    chunks = _stream(par.pick(["a", "b"]), 1, mode, {"callbacks": [rec]})
    assert sorted(chunks, key=str) == [{"a": 2}, {"b": 2}]
    assert _ends(rec.seen)["RunnablePick<a,b>"] == ("on_chain_end", "{'a': int, 'b': int}")
    assert _stream(par.pick(["z"]), 1, mode) == []


# ----------------------------------------------------------------------------- failures


def _failing(pkg: str, second: Any = None) -> Any:
    def boom(x: Any) -> Any:
        raise ValueError("boom")

    return _r(pkg, "RunnableParallel")(a=second or _gen(pkg), b=_lam(pkg, "bad", boom))


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_failing_branch_fails_the_stream(pkg: str, mode: str) -> None:
    rec = recorder(pkg)
    with pytest.raises(ValueError, match="boom"):
        _stream(_failing(pkg), "x", mode, {"callbacks": [rec]})
    gc.collect()  # langchain_core ends the abandoned branch when it is collected
    ends = _ends(rec.seen)
    assert ends["bad"] == ("on_chain_error", "ValueError(boom)")
    assert ends["RunnableParallel<a,b>"] == ("on_chain_error", "ValueError(boom)")
    assert "gg" in ends  # the sibling's run ends too


@pytest.mark.parametrize("mode", MODES)
def test_reference_a_failing_branch_waits_for_its_siblings(mode: str) -> None:
    """R7.6: the sibling runs to its end (an end event) before the parallel's error event.
    langchain_core raises at once: its parallel's error comes first, and the sibling ends
    later, when collected (sync, with None) or cancelled (async, a CancelledError)."""
    rec = recorder("reference")
    with pytest.raises(ValueError, match="boom"):
        _stream(_failing("reference"), "x", mode, {"callbacks": [rec]})
    _check_nesting(rec.seen)
    assert _ends(rec.seen)["gg"] == ("on_chain_end", "'x0x1x2'")
    assert rec.seen[-1] == ("on_chain_error", "RunnableParallel<a,b>", None, "ValueError(boom)")


@pytest.mark.parametrize("mode", MODES)
def test_reference_several_failing_branches_raise_the_first_declared(mode: str) -> None:
    """R8: the first failing branch in declaration order raises, whichever failed first
    (langchain_core's stream raises the first to fail in time)."""
    def slow_boom(x: Any) -> Any:
        time.sleep(0.02)
        raise KeyError("slow")

    rec = recorder("reference")
    par = _failing("reference", _lam("reference", "slow", slow_boom))
    with pytest.raises(KeyError, match="slow"):
        _stream(par, "x", mode, {"callbacks": [rec]})
    _check_nesting(rec.seen)
    assert _ends(rec.seen) == {
        "bad": ("on_chain_error", "ValueError(boom)"),
        "slow": ("on_chain_error", "KeyError('slow')"),
        "RunnableParallel<a,b>": ("on_chain_error", "KeyError('slow')"),
    }


# ----------------------------------------------------------------------------- early close


def test_reference_closing_the_stream_early_ends_every_run_once() -> None:
    """§4: the runs the stream holds open end with a GeneratorExit, the branches first.
    (langchain_core's sync stream ends its parallel run normally with the chunks so far and
    the unfinished branch when collected; its async one errors the parallel first.)"""
    rec = recorder("reference")
    par = _r("reference", "RunnableParallel")(a=_gen("reference"),
                                              b=_lam("reference", "lb", lambda x: x * 2))
    stream = par.stream("x", {"callbacks": [rec]})
    first_a = next(c for c in stream if "a" in c)
    stream.close()
    assert first_a == {"a": "x0"}
    _check_nesting(rec.seen)
    assert _ends(rec.seen)["gg"] == ("on_chain_error", "GeneratorExit()")
    assert rec.seen[-1] == ("on_chain_error", "RunnableParallel<a,b>", None, "GeneratorExit()")


def test_reference_closing_the_astream_early_ends_every_run_once() -> None:
    rec = recorder("reference")
    par = _r("reference", "RunnableParallel")(a=_gen("reference"),
                                              b=_lam("reference", "lb", lambda x: x * 2))

    async def go() -> Any:
        stream = par.astream("x", {"callbacks": [rec]})
        async for chunk in stream:
            if "a" in chunk:
                await stream.aclose()
                return chunk
        return None

    assert asyncio.run(go()) == {"a": "x0"}
    _check_nesting(rec.seen)
    assert _ends(rec.seen)["gg"] == ("on_chain_error", "GeneratorExit()")
    assert rec.seen[-1] == ("on_chain_error", "RunnableParallel<a,b>", None, "GeneratorExit()")


def test_reference_closing_a_streamed_sequence_closes_the_parallel_and_upstream() -> None:
    rec = recorder("reference")
    par = _r("reference", "RunnableParallel")(a=_r("reference", "RunnablePassthrough")(),
                                              b=_lam("reference", "lb", lambda x: x * 2))
    stream = (_gen("reference") | par).stream("x", {"callbacks": [rec]})
    next(stream)
    stream.close()
    _check_nesting(rec.seen)
    assert rec.seen[-1] == ("on_chain_error", "RunnableSequence", None, "GeneratorExit()")


# ----------------------------------------------------------------------------- concurrency


@pytest.mark.parametrize("mode", MODES)
def test_reference_nested_parallels_and_max_concurrency(mode: str) -> None:
    """Nested parallels stream without deadlock (each level waits on the worker pool), and
    ``max_concurrency`` bounds how many branches are under way: with 1, one after another
    (langchain_core bounds its worker threads instead, and its branch runs overlap)."""
    lam = _lam
    inner = _r("reference", "RunnableParallel")(
        a=lam("reference", "la", lambda x: x + 1), b=lam("reference", "lb", lambda x: x + 2))
    outer = _r("reference", "RunnableParallel")(i=inner, c=lam("reference", "lc", lambda x: 0))
    chunks = _stream(outer, 1, mode)
    assert sorted(chunks, key=str) == [{"c": 0}, {"i": {"a": 2}}, {"i": {"b": 3}}]
    assert _total(chunks) == outer.invoke(1)
    rec = recorder("reference")
    flat = _r("reference", "RunnableParallel")(
        a=lam("reference", "la", lambda x: x), b=lam("reference", "lb", lambda x: x),
        c=lam("reference", "lc", lambda x: x))
    chunks = _stream(flat, 1, mode, {"callbacks": [rec], "max_concurrency": 1})
    assert chunks == [{"a": 1}, {"b": 1}, {"c": 1}]
    assert [(e, n) for e, n, _, _ in rec.seen[1:-1]] == [
        (e, n) for n in ("la", "lb", "lc") for e in ("on_chain_start", "on_chain_end")]
