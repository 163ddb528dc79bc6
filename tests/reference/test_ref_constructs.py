"""The composed runnables, model kinds, handler options and modes of SPEC.md §8, on the reference.

Each test builds the construct with langchain_core's public names (import prefix
``reference``) and checks where its runs sit in the run tree and which handlers see them.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from _ref_helpers import Recorder, fail, lam

from reference.callbacks import (
    BaseCallbackHandler,
    CallbackManager,
    adispatch_custom_event,
    dispatch_custom_event,
)
from reference.language_models import FakeListChatModel, FakeListLLM, FakeStreamingListLLM
from reference.messages import HumanMessage
from reference.prompt_values import StringPromptValue
from reference.runnables import (
    Runnable,
    RunnableAssign,
    RunnableBranch,
    RunnableEach,
    RunnableGenerator,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableRetry,
    RunnableSequence,
    RunnableWithFallbacks,
)
from reference.tools import tool

MODES = ("invoke", "ainvoke", "stream", "astream", "batch", "abatch")


def call(r: Runnable[Any, Any], x: Any, config: Any, mode: str) -> Any:
    """Run ``r`` on ``x`` in ``mode``; returns the output (streams: the chunks as a list)."""
    if mode == "invoke":
        return r.invoke(x, config)
    if mode == "ainvoke":
        return asyncio.run(r.ainvoke(x, config))
    if mode == "stream":
        return list(r.stream(x, config))
    if mode == "batch":
        return r.batch([x], config)[0]
    if mode == "abatch":
        return asyncio.run(r.abatch([x], config))[0]

    async def consume() -> list[Any]:
        return [c async for c in r.astream(x, config)]

    return asyncio.run(consume())


def tree(h: Recorder) -> list[tuple[str, str | None, str | None]]:
    """(short event, run name, parent run name) per event: the tree as the handler saw it."""
    names = {e.run_id: e.name for e in h.events if e.kind.endswith("_start")}
    return [
        (e.kind.rsplit("_", 1)[-1], e.name, names.get(e.parent_run_id) if e.parent_run_id else None)
        for e in h.events
        if not e.kind.endswith("_token")
    ]


def in_every_mode(make: Callable[[], Runnable[Any, Any]], x: Any) -> list[Any]:
    """The tree a runtime handler sees in each mode (a fresh chain each time)."""
    trees = []
    for mode in MODES:
        h = Recorder(mode)
        with contextlib.suppress(ValueError):
            call(make(), x, {"callbacks": [h]}, mode)
        trees.append(tree(h))
    return trees


def started_ended_once(h: Recorder) -> bool:
    starts = [e.run_id for e in h.events if e.kind.endswith("_start")]
    ends = [e.run_id for e in h.events if e.kind.endswith(("_end", "_error"))]
    return len(starts) == len(set(starts)) and sorted(map(str, starts)) == sorted(map(str, ends))


# ------------------------------------------------------------------------------ RunnableBranch


def make_branch() -> RunnableBranch:
    return RunnableBranch(
        (lam("big", lambda x: x > 5), lam("then_big")),
        (lam("positive", lambda x: x > 0), lam("then_positive")),
        lam("otherwise"),
    )


def test_branch_each_condition_then_the_chosen_branch_is_a_child_run_in_every_mode() -> None:
    expected = [
        ("start", "RunnableBranch", None),
        ("start", "big", "RunnableBranch"),
        ("end", "big", "RunnableBranch"),
        ("start", "positive", "RunnableBranch"),
        ("end", "positive", "RunnableBranch"),
        ("start", "then_positive", "RunnableBranch"),
        ("end", "then_positive", "RunnableBranch"),
        ("end", "RunnableBranch", None),
    ]
    assert in_every_mode(make_branch, 1) == [expected] * len(MODES)


def test_branch_default_runs_when_no_condition_holds() -> None:
    h = Recorder()
    assert make_branch().invoke(-1, {"callbacks": [h]}) == -1
    assert h.names() == ["RunnableBranch", "big", "positive", "otherwise"]


def test_R8_branch_failing_condition_fails_the_branch_and_nothing_else_starts() -> None:
    h = Recorder()
    branch = RunnableBranch((fail("cond"), lam("then")), lam("otherwise"))
    with pytest.raises(ValueError, match="cond"):
        branch.invoke(1, {"callbacks": [h]})
    assert h.seq() == [("start", "RunnableBranch"), ("start", "cond"), ("error", "cond"),
                       ("error", "RunnableBranch")]


def test_branch_takes_callables_and_rejects_a_missing_default() -> None:
    assert RunnableBranch((lambda x: x == 1, lambda x: "one"), lambda x: "other").invoke(1) == "one"
    with pytest.raises(ValueError, match="default"):
        RunnableBranch(lam("only"))
    with pytest.raises(TypeError, match="default branch"):
        RunnableBranch((lam("c"), lam("t")), (lam("c2"), lam("t2")))


# ------------------------------------------------------------------------------- fallbacks


def test_fallbacks_every_attempt_is_a_child_run_of_the_fallbacks_run_in_every_mode() -> None:
    def make() -> Runnable[Any, Any]:
        return fail("primary").with_fallbacks([fail("second"), lam("third")])

    expected = [
        ("start", "RunnableWithFallbacks", None),
        ("start", "primary", "RunnableWithFallbacks"),
        ("error", "primary", "RunnableWithFallbacks"),
        ("start", "second", "RunnableWithFallbacks"),
        ("error", "second", "RunnableWithFallbacks"),
        ("start", "third", "RunnableWithFallbacks"),
        ("end", "third", "RunnableWithFallbacks"),
        ("end", "RunnableWithFallbacks", None),
    ]
    assert in_every_mode(make, 1) == [expected] * len(MODES)


def test_R8_fallbacks_all_failing_raise_the_first_error_after_every_attempt() -> None:
    h = Recorder()
    first = ValueError("first")
    chain = fail("primary", first).with_fallbacks([fail("second")])
    with pytest.raises(ValueError) as info:
        chain.invoke(1, {"callbacks": [h]})
    assert info.value is first
    assert h.seq()[-1] == ("error", "RunnableWithFallbacks")
    assert h.terminal() == {"primary": "error", "second": "error", "RunnableWithFallbacks": "error"}


def test_fallbacks_unhandled_exception_type_stops_at_once() -> None:
    h = Recorder()
    chain = fail("primary").with_fallbacks([lam("second")], exceptions_to_handle=(KeyError,))
    with pytest.raises(ValueError):
        chain.invoke(1, {"callbacks": [h]})
    assert h.names() == ["RunnableWithFallbacks", "primary"]


def test_fallbacks_exception_key_hands_the_error_on_without_changing_the_callers_dict() -> None:
    error = ValueError("primary")
    chain = fail("primary", error).with_fallbacks([lam("second")], exception_key="err")
    given = {"x": 1}
    assert chain.invoke(given) == {"x": 1, "err": error}
    assert given == {"x": 1}
    with pytest.raises(ValueError, match="dict input"):
        chain.invoke(1)


def test_R4_fallbacks_bound_handler_sees_every_attempt_constructor_handler_its_own() -> None:
    bound, runtime, ctor = Recorder("bound"), Recorder("runtime"), Recorder("ctor")
    second = RunnableLambda(lambda x: x, name="second", callbacks=[ctor])
    chain = lam("a") | fail("primary").with_fallbacks([second]).with_config(callbacks=[bound])
    chain.invoke(1, {"callbacks": [runtime]})
    assert bound.names() == ["RunnableWithFallbacks", "primary", "second"]
    assert runtime.names() == [
        "RunnableSequence", "a", "RunnableWithFallbacks", "primary", "second"]
    assert ctor.names() == ["second"]


def test_fallbacks_stream_falls_back_only_before_the_first_chunk() -> None:
    def broken_after_one(chunks: Any) -> Any:
        for x in chunks:
            yield x
            raise ValueError("mid-stream")

    h = Recorder()
    chain = RunnableGenerator(broken_after_one).with_fallbacks([lam("second")])
    with pytest.raises(ValueError, match="mid-stream"):
        list(chain.stream(1, {"callbacks": [h]}))
    assert h.names() == ["RunnableWithFallbacks", "broken_after_one"]
    assert h.terminal() == {"broken_after_one": "error", "RunnableWithFallbacks": "error"}
    assert chain.invoke(1) == 1  # invoke: the whole attempt failed, so the fallback ran


def test_fallbacks_api() -> None:
    chain = fail("p").with_fallbacks([lam("s")])
    assert isinstance(chain, RunnableWithFallbacks)
    assert [r.get_name() for r in chain.runnables] == ["p", "s"]
    with pytest.raises(TypeError, match="list"):
        fail("p").with_fallbacks(lam("s"))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------- retry


def flaky(name: str, failures: int, exc: type[Exception] = ValueError) -> RunnableLambda:
    """A lambda failing its first ``failures`` calls."""
    calls = {"n": 0}
    lock = threading.Lock()

    def body(x: Any) -> Any:
        with lock:
            calls["n"] += 1
            n = calls["n"]
        if n <= failures:
            raise exc(f"{name} attempt {n}")
        return x

    return RunnableLambda(body, name=name)


def test_retry_each_attempt_is_a_child_run_with_its_own_id() -> None:
    h = Recorder()
    chain = flaky("flaky", 1).with_retry(stop_after_attempt=3, wait_exponential_jitter=False)
    assert isinstance(chain, RunnableRetry)
    assert chain.invoke(1, {"callbacks": [h]}) == 1
    assert tree(h) == [
        ("start", "flaky", None),
        ("start", "flaky", "flaky"),
        ("error", "flaky", "flaky"),
        ("start", "flaky", "flaky"),
        ("end", "flaky", "flaky"),
        ("end", "flaky", None),
    ]
    starts = [e.run_id for e in h.events if e.kind == "on_chain_start"]
    assert len(set(starts)) == 3


def test_retry_in_every_mode_retries_and_builds_the_same_tree() -> None:
    trees = in_every_mode(
        lambda: flaky("f", 1).with_retry(stop_after_attempt=2, wait_exponential_jitter=False), 1
    )
    assert all(t == trees[0] for t in trees)
    attempts = [event for event, _, parent in trees[0] if parent == "f"]
    assert attempts == ["start", "error", "start", "end"]


def test_R8_retry_gives_up_after_stop_after_attempt_with_the_last_error() -> None:
    h = Recorder()
    chain = flaky("f", 5).with_retry(stop_after_attempt=2, wait_exponential_jitter=False)
    with pytest.raises(ValueError, match="attempt 2"):
        chain.invoke(1, {"callbacks": [h]})
    assert [s for s, _ in h.seq()] == ["start", "start", "error", "start", "error", "error"]


def test_retry_does_not_retry_other_exception_types() -> None:
    h = Recorder()
    chain = flaky("f", 1, KeyError).with_retry(
        retry_if_exception_type=(ValueError,), wait_exponential_jitter=False
    )
    with pytest.raises(KeyError):
        chain.invoke(1, {"callbacks": [h]})
    assert h.names() == ["f", "f"]


def test_retry_waits_with_exponential_jitter_between_attempts() -> None:
    chain = flaky("f", 1).with_retry(
        exponential_jitter_params={"initial": 0.05, "jitter": 0.0, "max": 1.0}
    )
    began = time.perf_counter()
    assert chain.invoke(1) == 1
    assert time.perf_counter() - began >= 0.05
    with pytest.raises(ValueError):
        lam("a").with_retry(stop_after_attempt=0)


# ------------------------------------------------------------------------------- generator


def double_then_triple(chunks: Any) -> Any:
    for x in chunks:
        yield x * 2
        yield x * 3


def test_generator_is_one_run_whose_end_carries_its_chunks_added_up() -> None:
    class Outputs(Recorder):
        def on_chain_end(self, outputs: Any, **kw: Any) -> None:
            self.outputs.append(outputs)
            super().on_chain_end(outputs, **kw)

    h = Outputs()
    h.outputs: list[Any] = []  # type: ignore[misc]
    g = RunnableGenerator(double_then_triple)
    assert g.get_name() == "double_then_triple"
    assert g.invoke(1, {"callbacks": [h]}) == 5
    assert list(g.stream(1, {"callbacks": [h]})) == [2, 3]
    assert h.outputs == [5, 5]
    assert in_every_mode(lambda: RunnableGenerator(double_then_triple), 1) == [
        [("start", "double_then_triple", None), ("end", "double_then_triple", None)]
    ] * len(MODES)


def test_R7_generator_in_a_streamed_sequence_starts_after_its_upstream_step() -> None:
    h = Recorder()
    chain = lam("a") | RunnableGenerator(double_then_triple) | RunnableGenerator(double_then_triple)
    assert list(chain.stream(1, {"callbacks": [h]})) == [4, 6, 6, 9]
    names = h.names()
    assert names == ["RunnableSequence", "a", "double_then_triple", "double_then_triple"]
    assert started_ended_once(h)


def test_R1_generator_dynamic_children_are_its_children_in_every_mode() -> None:
    child = lam("child")

    def calls_child(chunks: Any) -> Any:
        for x in chunks:
            yield child.invoke(x)

    async def acalls_child(chunks: Any) -> Any:
        async for x in chunks:
            yield await child.ainvoke(x)

    for make in (lambda: RunnableGenerator(calls_child),
                 lambda: RunnableGenerator(calls_child, acalls_child)):
        for t in in_every_mode(make, 1):
            assert ("start", "child", "calls_child") in t, t


def test_generator_async_only_and_sync_only_functions() -> None:
    async def agen(chunks: Any) -> Any:
        async for x in chunks:
            yield x + 1

    g = RunnableGenerator(agen)
    assert g.get_name() == "agen"
    assert asyncio.run(g.ainvoke(1)) == 2
    with pytest.raises(NotImplementedError, match="async"):
        g.invoke(1)
    assert asyncio.run(RunnableGenerator(double_then_triple).ainvoke(2)) == 10


def test_generator_closed_early_ends_its_run_with_an_error() -> None:
    h = Recorder()
    stream = RunnableGenerator(double_then_triple).stream(1, {"callbacks": [h]})
    assert next(stream) == 2
    stream.close()
    assert h.seq() == [("start", "double_then_triple"), ("error", "double_then_triple")]


# ------------------------------------------------------------------------------ map / each


def test_map_gives_one_child_run_per_item() -> None:
    h = Recorder()
    each = lam("inc", lambda x: x + 1).map()
    assert isinstance(each, RunnableEach)
    assert each.invoke([1, 2, 3], {"callbacks": [h]}) == [2, 3, 4]
    assert h.names() == ["RunnableEach<inc>", "inc", "inc", "inc"]
    assert set(h.parents().values()) == {None, "RunnableEach<inc>"}
    for t in in_every_mode(lambda: lam("inc", lambda x: x + 1).map(), [1, 2]):
        assert sorted(t) == sorted([("start", "RunnableEach<inc>", None)]
                                   + [("start", "inc", "RunnableEach<inc>"),
                                      ("end", "inc", "RunnableEach<inc>")] * 2
                                   + [("end", "RunnableEach<inc>", None)])


def test_R8_map_fails_with_the_first_failing_item_after_every_item_ended() -> None:
    h = Recorder()

    def maybe(x: int) -> int:
        if x % 2:
            raise ValueError(f"odd {x}")
        return x

    with pytest.raises(ValueError, match="odd 1"):
        RunnableLambda(maybe, name="maybe").map().invoke([0, 1, 2, 3], {"callbacks": [h]})
    assert h.seq()[-1] == ("error", "RunnableEach<maybe>")
    assert len(h.events) == 10 and started_ended_once(h)


def test_map_rejects_a_non_list() -> None:
    with pytest.raises(TypeError, match="list"):
        lam("a").map().invoke("abc")


# ---------------------------------------------------------------------- assign / pick


def test_assign_run_holds_the_parallel_whose_branches_are_its_children() -> None:
    h = Recorder()
    assign = RunnablePassthrough.assign(y=lam("double", lambda d: d["x"] * 2), z=lam("zero"))
    assert isinstance(assign, RunnableAssign)
    out = assign.invoke({"x": 1}, {"callbacks": [h]})
    assert out == {"x": 1, "y": 2, "z": {"x": 1}}
    assert h.parents() == {
        "RunnableAssign<y,z>": None,
        "RunnableParallel<y,z>": "RunnableAssign<y,z>",
        "double": "RunnableParallel<y,z>",
        "zero": "RunnableParallel<y,z>",
    }
    assert started_ended_once(h)


def test_pick_is_a_run_without_children() -> None:
    h = Recorder()
    chain = (lam("a") | RunnablePassthrough.assign(y=lam("five", lambda d: 5))).pick("y")
    assert isinstance(chain, RunnableSequence)
    assert chain.invoke({"x": 1}, {"callbacks": [h]}) == 5
    assert h.names() == ["RunnableSequence", "a", "RunnableAssign<y>", "RunnableParallel<y>",
                         "five", "RunnablePick<y>"]
    assert RunnablePick(["x", "w"]).invoke({"x": 1, "y": 2}) == {"x": 1}
    assert RunnablePick(["w"]).invoke({"x": 1}) is None
    assert RunnablePassthrough().pick(["x"]).invoke({"x": 1, "y": 2}) == {"x": 1}
    assert lam("a").assign(b=lam("b", lambda d: 2)).invoke({"a": 1}) == {"a": 1, "b": 2}


# ----------------------------------------------------------------------- nested sequences


def test_nested_sequences_are_flattened_into_one_run() -> None:
    for chain in ((lam("a") | lam("b")) | lam("c"), lam("a") | (lam("b") | lam("c")),
                  RunnableSequence(lam("a") | lam("b"), lam("c"))):
        h = Recorder()
        chain.invoke(1, {"callbacks": [h]})
        assert h.names() == ["RunnableSequence", "a", "b", "c"]
        assert h.parents() == {"RunnableSequence": None, "a": "RunnableSequence",
                               "b": "RunnableSequence", "c": "RunnableSequence"}


def test_a_bound_inner_sequence_keeps_its_run() -> None:
    h = Recorder()
    ((lam("a") | lam("b")).with_config(run_name="inner") | lam("c")).invoke(1, {"callbacks": [h]})
    assert h.parents() == {"RunnableSequence": None, "inner": "RunnableSequence",
                           "a": "inner", "b": "inner", "c": "RunnableSequence"}


# --------------------------------------------------------------------- tools calling tools


def test_R3_a_tool_calling_a_tool_nests_their_runs_and_keeps_constructor_scope() -> None:
    inner_ctor, outer_ctor, runtime = Recorder("inner"), Recorder("outer"), Recorder("runtime")

    @tool(callbacks=[inner_ctor])
    def inner(x: str) -> str:
        """Inner tool."""
        return x + "!"

    @tool(callbacks=[outer_ctor])
    def outer(x: str) -> str:
        """Outer tool: calls the inner one without forwarding config."""
        return inner.invoke(x)

    @tool
    def outer_forwarding(x: str, config: Any) -> str:
        """Outer tool forwarding its config."""
        return inner.invoke(x, config)

    assert outer.invoke("a", {"callbacks": [runtime]}) == "a!"
    assert outer_forwarding.invoke("a", {"callbacks": [runtime]}) == "a!"
    assert runtime.parents() == {"outer": None, "inner": "outer_forwarding",
                                 "outer_forwarding": None}
    assert [p for e, n, p in tree(runtime) if n == "inner"] == ["outer"] * 2 + [
        "outer_forwarding"] * 2
    assert outer_ctor.names() == ["outer"]
    assert inner_ctor.names() == ["inner", "inner"]


# ----------------------------------------------------------------------------- LLMs


class Payloads(Recorder):
    def __init__(self) -> None:
        super().__init__()
        self.prompts: list[Any] = []
        self.texts: list[str] = []
        self.tokens: list[str] = []

    def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
        assert serialized["name"] == kw["name"]
        self.prompts.append(prompts)
        super().on_llm_start(serialized, prompts, **kw)

    def on_llm_new_token(self, token: str, **kw: Any) -> None:
        self.tokens.append(token)
        super().on_llm_new_token(token, **kw)

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        self.texts.append(response.generations[0][0].text)
        super().on_llm_end(response, **kw)


def test_llm_run_starts_with_on_llm_start_and_its_prompts_and_ends_with_on_llm_end() -> None:
    h = Payloads()
    llm = FakeListLLM(responses=["one", "two"])
    assert llm.invoke("q", {"callbacks": [h]}) == "one"
    assert llm.invoke(StringPromptValue("p"), {"callbacks": [h]}) == "two"
    assert llm.invoke([HumanMessage("m")], {"callbacks": [h]}) == "one"
    assert [e.kind for e in h.events] == ["on_llm_start", "on_llm_end"] * 3
    assert h.prompts == [["q"], ["p"], ["Human: m"]]
    assert h.texts == ["one", "two", "one"]
    assert list(llm.stream("q")) == ["two"]  # FakeListLLM does not stream: no tokens


def test_streaming_llm_emits_one_token_per_character_in_stream_modes() -> None:
    h = Payloads()
    llm = FakeStreamingListLLM(responses=["hey"])
    assert list(llm.stream("q", {"callbacks": [h]})) == ["h", "e", "y"]
    assert h.tokens == ["h", "e", "y"] and h.texts == ["hey"]
    assert next(e.kind for e in h.events) == "on_llm_start"
    assert call(llm, "q", None, "astream") == ["h", "e", "y"]


def test_R8_failing_llm_ends_with_on_llm_error() -> None:
    class Broken(FakeListLLM):
        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            raise ValueError("down")

    h = Recorder()
    with pytest.raises(ValueError):
        (lam("a", lambda x: "q") | Broken(responses=["x"])).invoke(1, {"callbacks": [h]})
    assert [e.kind for e in h.events][-2:] == ["on_llm_error", "on_chain_error"]


def test_R3_llm_constructor_handler_sees_only_its_runs() -> None:
    ctor, runtime = Recorder("ctor"), Recorder("runtime")
    chain = lam("a", lambda x: "q") | FakeListLLM(responses=["r"], callbacks=[ctor])
    assert chain.invoke(1, {"callbacks": [runtime]}) == "r"
    assert ctor.names() == ["FakeListLLM"]
    assert runtime.names() == ["RunnableSequence", "a", "FakeListLLM"]


# ------------------------------------------------------------------------- ignore_* flags


def flagged(**flags: bool) -> Recorder:
    cls = type("Flagged", (Recorder,), {k: property(lambda self, v=v: v) for k, v in flags.items()})
    return cls()  # type: ignore[no-any-return]


def model_chain() -> Runnable[Any, Any]:
    return lam("a", lambda x: "q") | FakeListChatModel(responses=["ok"]) | lam("c", str)


def test_ignore_chain_silences_chain_runs_but_not_the_model_run_inside_them() -> None:
    h = flagged(ignore_chain=True)
    call(model_chain(), 1, {"callbacks": [h]}, "stream")
    assert h.seq() == [("start", "FakeListChatModel"), ("end", "FakeListChatModel")]


@pytest.mark.parametrize("flag", ["ignore_chat_model", "ignore_llm"])
def test_ignore_chat_model_or_llm_silences_whole_chat_model_runs_tokens_included(flag: str) -> None:
    for mode in ("invoke", "stream", "astream"):
        h = flagged(**{flag: True})
        call(model_chain(), 1, {"callbacks": [h]}, mode)
        assert h.names() == ["RunnableSequence", "a", "c"], mode
        assert all("llm" not in e.kind for e in h.events), mode


def test_ignore_llm_silences_llm_runs_and_ignore_chat_model_does_not() -> None:
    chain = lam("a", lambda x: "q") | FakeStreamingListLLM(responses=["ok"])
    h_llm, h_chat = flagged(ignore_llm=True), flagged(ignore_chat_model=True)
    list(chain.stream(1, {"callbacks": [h_llm, h_chat]}))
    assert h_llm.names() == ["RunnableSequence", "a"]
    assert h_chat.names() == ["RunnableSequence", "a", "FakeStreamingListLLM"]


def test_ignore_agent_silences_tools_and_ignore_retriever_retrievers() -> None:
    from reference.documents import Document
    from reference.retrievers import BaseRetriever

    class Docs(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            return [Document(page_content=query)]

    @tool
    def echo(x: str) -> str:
        """Echo."""
        return x

    chain = lam("a", lambda x: "q") | echo | Docs()
    h_agent, h_retr = flagged(ignore_agent=True), flagged(ignore_retriever=True)
    chain.invoke(1, {"callbacks": [h_agent, h_retr]})
    assert h_agent.names() == ["RunnableSequence", "a", "Docs"]
    assert h_retr.names() == ["RunnableSequence", "a", "echo"]


def test_ignore_flags_do_not_touch_other_handlers() -> None:
    quiet, loud = flagged(ignore_chain=True, ignore_chat_model=True), Recorder()
    model_chain().invoke(1, {"callbacks": [quiet, loud]})
    assert quiet.events == []
    assert loud.names() == ["RunnableSequence", "a", "FakeListChatModel", "c"]


# ----------------------------------------------------------------------- custom events


class Custom(BaseCallbackHandler):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any, Any]] = []

    def on_custom_event(self, name: str, data: Any, **kw: Any) -> None:
        self.events.append((name, data, kw["run_id"]))


def test_dispatch_custom_event_goes_to_the_inherited_handlers_with_the_current_run_id() -> None:
    runtime, ctor, seen = Custom(), Custom(), Recorder()

    def body(x: Any) -> Any:
        dispatch_custom_event("progress", {"x": x})
        return x

    async def abody(x: Any) -> Any:
        await adispatch_custom_event("progress", {"x": x})
        return x

    fn = RunnableLambda(body, abody, name="fn", callbacks=[ctor])
    fn.invoke(1, {"callbacks": [runtime, seen]})
    asyncio.run(fn.ainvoke(2, {"callbacks": [runtime, seen]}))
    run_ids = [e.run_id for e in seen.events if e.kind == "on_chain_start"]
    assert runtime.events == [
        ("progress", {"x": 1}, run_ids[0]), ("progress", {"x": 2}, run_ids[1])]
    assert ctor.events == []  # constructor handlers are not inherited (R3)


def test_dispatch_custom_event_outside_a_run_raises_and_ignore_custom_event_silences() -> None:
    with pytest.raises(RuntimeError, match="inside a run"):
        dispatch_custom_event("x", 1)
    quiet = type("Quiet", (Custom,), {"ignore_custom_event": True})()
    lam("fn", lambda x: dispatch_custom_event("e", x)).invoke(1, {"callbacks": [quiet]})
    assert quiet.events == []


def test_on_retry_is_silenced_by_ignore_retry() -> None:
    got: list[Any] = []

    class Retry(BaseCallbackHandler):
        def on_retry(self, retry_state: Any, **kw: Any) -> None:
            got.append(retry_state)

    quiet = type("Quiet", (Retry,), {"ignore_retry": True})()
    rm = CallbackManager(handlers=[Retry(), quiet]).on_chain_start({"name": "x"}, 1, name="x")
    rm.on_retry("state")
    assert got == ["state"]


# -------------------------------------------------------------- run_inline, max_concurrency


def test_run_inline_sync_handler_runs_on_the_event_loop_thread_in_async_modes() -> None:
    threads: dict[str, set[int]] = {"inline": set(), "default": set()}

    class Where(BaseCallbackHandler):
        def __init__(self, key: str) -> None:
            self.key = key

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            threads[self.key].add(threading.get_ident())

    inline = Where("inline")
    inline.run_inline = True

    async def main() -> int:
        await (lam("a") | lam("b")).ainvoke(1, {"callbacks": [inline, Where("default")]})
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert threads["inline"] == {loop_thread}
    assert loop_thread not in threads["default"]


def test_max_concurrency_bounds_batch_map_and_parallel() -> None:
    running, peak = [0], [0]
    lock = threading.Lock()

    def slow(x: Any) -> Any:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return x

    step = RunnableLambda(slow, name="slow")
    for run in (lambda: step.batch([1, 2, 3, 4], {"max_concurrency": 2}),
                lambda: step.map().invoke([1, 2, 3, 4], {"max_concurrency": 2}),
                lambda: RunnableParallel(a=step, b=step, c=step).invoke(1, {"max_concurrency": 2})):
        peak[0] = 0
        run()
        assert peak[0] <= 2


# ------------------------------------------------------------------ batch_as_completed


def test_batch_as_completed_yields_index_pairs_each_item_its_own_tree() -> None:
    h = Recorder()
    chain = lam("a") | lam("b", lambda x: x * 10)
    assert sorted(chain.batch_as_completed([1, 2, 3], {"callbacks": [h]})) == [
        (0, 10), (1, 20), (2, 30)]
    assert [n for n in h.names() if n == "RunnableSequence"] == ["RunnableSequence"] * 3
    assert sum(1 for e in h.events if e.parent_run_id is None) == 6

    async def collect() -> list[tuple[int, Any]]:
        return [pair async for pair in chain.abatch_as_completed([1, 2], {"callbacks": [h]})]

    assert sorted(asyncio.run(collect())) == [(0, 10), (1, 20)]
    assert started_ended_once(h)


def test_batch_as_completed_yields_in_completion_order() -> None:
    step = RunnableLambda(lambda x: time.sleep(x) or x, name="sleepy")
    assert [i for i, _ in step.batch_as_completed([0.15, 0.0])] == [1, 0]


def test_batch_as_completed_failures_with_and_without_return_exceptions() -> None:
    h = Recorder()
    chain = RunnableLambda(lambda x: 1 / x, name="inv")
    pairs = dict(chain.batch_as_completed([1, 0], return_exceptions=True))
    assert pairs[0] == 1 and isinstance(pairs[1], ZeroDivisionError)
    with pytest.raises(ZeroDivisionError):
        list(chain.batch_as_completed([0, 1, 2], {"callbacks": [h]}))
    assert started_ended_once(h)

    async def collect() -> list[Any]:
        return [p async for p in chain.abatch_as_completed([1, 0], return_exceptions=True)]

    assert sorted(type(v).__name__ for _, v in asyncio.run(collect())) == [
        "ZeroDivisionError", "float"]


def test_R7_batch_as_completed_closed_early_ends_every_started_run() -> None:
    h = Recorder()
    step = RunnableLambda(lambda x: time.sleep(0.02 * x) or x, name="s")
    stream = step.batch_as_completed([0, 3, 3, 3], {"callbacks": [h], "max_concurrency": 2})
    assert next(stream) == (0, 0)
    stream.close()
    assert started_ended_once(h)


# ---------------------------------------------------------------------- astream_events


def test_astream_events_reports_exactly_the_runs_the_handlers_of_the_call_see() -> None:
    h = Recorder()
    chain = lam("a", lambda x: "hi") | FakeListChatModel(responses=["ok"], name="m") | lam(
        "c", lambda m: m.content)

    async def collect() -> list[dict[str, Any]]:
        return [e async for e in chain.astream_events(1, {"callbacks": [h], "tags": ["t"]},
                                                      version="v2")]

    events = asyncio.run(collect())
    kinds = [(e["event"], e["name"]) for e in events]
    assert kinds == [
        ("on_chain_start", "RunnableSequence"), ("on_chain_start", "a"),
        ("on_chain_stream", "a"), ("on_chain_end", "a"),
        ("on_chat_model_start", "m"), ("on_chat_model_stream", "m"),
        ("on_chat_model_stream", "m"), ("on_chat_model_end", "m"),
        # a streamed lambda ends once its chunk has been consumed, as in langchain_core
        ("on_chain_start", "c"), ("on_chain_stream", "c"), ("on_chain_stream", "RunnableSequence"),
        ("on_chain_end", "c"), ("on_chain_end", "RunnableSequence"),
    ]
    handler_runs = {str(e.run_id) for e in h.events}
    assert {e["run_id"] for e in events} == handler_runs
    root = events[0]["run_id"]
    assert all(e["parent_ids"] == ([] if e["run_id"] == root else [root]) for e in events)
    assert all("t" in e["tags"] for e in events)
    assert events[-1]["data"]["output"] == "ok"
    assert "".join(e["data"]["chunk"].content for e in events
                   if e["event"] == "on_chat_model_stream") == "ok"


def test_astream_events_failure_is_raised_after_the_events_of_runs_that_ended() -> None:
    async def collect() -> tuple[list[str], BaseException | None]:
        seen: list[str] = []
        try:
            async for e in (lam("a") | fail("f")).astream_events(1, version="v2"):
                seen.append(f'{e["event"]}:{e["name"]}')
        except ValueError as exc:
            return seen, exc
        return seen, None

    seen, exc = asyncio.run(collect())
    assert isinstance(exc, ValueError)
    assert seen == ["on_chain_start:RunnableSequence", "on_chain_start:a", "on_chain_stream:a",
                    "on_chain_end:a", "on_chain_start:f"]


def test_astream_events_filters_by_name_type_and_tag() -> None:
    chain = lam("a") | lam("b").with_config(tags=["keep"]) | FakeListLLM(responses=["r"])

    async def names(**filters: Any) -> list[str]:
        return [e["name"] async for e in chain.astream_events("q", version="v2", **filters)]

    assert set(asyncio.run(names(include_names=["a"]))) == {"a"}
    assert set(asyncio.run(names(include_types=["llm"]))) == {"FakeListLLM"}
    assert set(asyncio.run(names(include_tags=["keep"]))) == {"b"}
    assert "a" not in asyncio.run(names(exclude_names=["a"]))

    async def v1() -> None:
        async for _ in chain.astream_events("q", version="v1"):
            pass

    with pytest.raises(NotImplementedError, match="v2"):
        asyncio.run(v1())


def _plain(x: Any, config: Any) -> Any:
    return config is not None


def _keyword_only(x: Any, *, config: Any = None) -> Any:
    return config is not None


def _positional_only(x: Any, config: Any, /) -> Any:
    return config is not None


def _kwargs(x: Any, **kwargs: Any) -> Any:
    return "config" in kwargs


def _local_named_config(x: Any, *args: Any) -> Any:
    config = None
    return config is not None


def test_lambda_passes_config_to_exactly_the_functions_inspect_says_take_it() -> None:
    """The code-object shortcut agrees with inspect.signature, wrappers included."""
    import functools
    import inspect

    @functools.wraps(_plain)
    def wrapper(x: Any) -> Any:  # claims _plain's signature, as inspect reads it
        return _plain(x, None)

    for func in (_plain, _keyword_only, _positional_only, _kwargs, _local_named_config,
                 wrapper, lambda x: x, lambda x, config: x):
        expected = "config" in inspect.signature(func).parameters
        assert RunnableLambda(func)._func_cfg is expected, func
