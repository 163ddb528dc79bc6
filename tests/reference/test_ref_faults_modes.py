"""R9 transparency, R10 handler-faults, R11 mode-parity, R12 isolation, R13 tags-metadata,
R14 root-config."""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from typing import Any

import pytest
from _ref_helpers import AsyncRecorder, Boom, Recorder, fail, lam

from reference.callbacks import BaseCallbackHandler
from reference.language_models import FakeListChatModel
from reference.prompts import ChatPromptTemplate
from reference.runnables import RunnableLambda, RunnableParallel
from reference.tools import StructuredTool

# ----------------------------------------------------------------------------- R9


def test_R9_handlers_change_no_output_or_exception() -> None:
    chain = lam("a", lambda x: x + 1) | RunnableParallel(x=lam("b"), y=lam("c", str))
    plain = chain.invoke(1)
    assert chain.invoke(1, {"callbacks": [Recorder()]}) == plain
    assert chain.with_config(callbacks=[Recorder()]).invoke(1) == plain
    # a streamed parallel yields its branches' chunks as they come: compared as a multiset
    streamed = list(chain.stream(1, {"callbacks": [Recorder()]}))
    assert sorted(streamed, key=str) == sorted(chain.stream(1), key=str) == [{"x": 2}, {"y": "2"}]
    err = ValueError("e")
    bad = lam("a") | fail("b", err)
    for cfg in (None, {"callbacks": [Recorder()]}):
        with pytest.raises(ValueError) as info:
            bad.invoke(1, cfg)  # type: ignore[arg-type]
        assert info.value is err


# ----------------------------------------------------------------------------- R10


class Raiser(BaseCallbackHandler):
    def __init__(self, *, raise_error: bool = False, on: str = "on_chain_start") -> None:
        self.raise_error = raise_error
        self.on = on

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        if self.on == "on_chain_start" and kw["name"] == "b":
            raise Boom("start")

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        if self.on == "on_chain_end":
            raise Boom("end")


def test_R10_raising_handler_logged_others_still_served(caplog: pytest.LogCaptureFixture) -> None:
    h = Recorder()
    chain = lam("a") | lam("b", lambda x: x * 2)
    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        assert chain.invoke(3, {"callbacks": [Raiser(), h]}) == 6
    assert len(h.events) == 6
    msgs = [r.getMessage() for r in caplog.records if r.name == "reference.callbacks"]
    assert len(msgs) == 1
    assert "Raiser" in msgs[0] and "on_chain_start" in msgs[0]


def test_R10_raise_error_reaches_caller_and_closes_started_runs() -> None:
    h = Recorder()
    chain = lam("a") | lam("b") | lam("c")
    with pytest.raises(Boom):
        chain.invoke(1, {"callbacks": [h, Raiser(raise_error=True)]})
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("error", "b"),
        ("error", "RunnableSequence"),
    ]


def test_R10_raise_error_handler_first_in_list_others_still_get_start() -> None:
    h = Recorder()
    with pytest.raises(Boom):
        (lam("a") | lam("b")).invoke(1, {"callbacks": [Raiser(raise_error=True), h]})
    assert h.terminal() == {"a": "end", "b": "error", "RunnableSequence": "error"}


def test_R10_raise_error_on_end_event_async() -> None:
    h = Recorder()
    with pytest.raises(Boom):
        asyncio.run(
            lam("a").ainvoke(1, {"callbacks": [h, Raiser(raise_error=True, on="on_chain_end")]})
        )
    assert h.seq() == [("start", "a"), ("end", "a")]


def test_R10_async_handler_fault_contained(caplog: pytest.LogCaptureFixture) -> None:
    from reference.callbacks import AsyncCallbackHandler

    class ABad(AsyncCallbackHandler):
        async def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            raise Boom("async")

    h = Recorder()
    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        assert lam("a").invoke(1, {"callbacks": [ABad(), h]}) == 1
        assert asyncio.run(lam("a").ainvoke(1, {"callbacks": [ABad(), h]})) == 1
    assert len(h.events) == 4
    assert sum("ABad.on_chain_start" in r.getMessage() for r in caplog.records) == 2


def test_R10_async_handler_awaited_in_async_and_run_in_sync_paths() -> None:
    chain = lam("a") | lam("b")
    for run in (
        lambda h: chain.invoke(1, {"callbacks": [h]}),
        lambda h: asyncio.run(chain.ainvoke(1, {"callbacks": [h]})),
    ):
        h = AsyncRecorder()
        run(h)
        assert h.events == [
            ("start", "RunnableSequence"),
            ("start", "a"),
            ("end", "a"),
            ("start", "b"),
            ("end", "b"),
            ("end", "RunnableSequence"),
        ]


# ----------------------------------------------------------------------------- R11


def _shape(h: Recorder) -> list[tuple[str, str | None, str | None, tuple[str, ...]]]:
    by_id = {e.run_id: e.name for e in h.events if e.kind.endswith("_start")}
    return sorted(
        (e.kind, e.name, by_id.get(e.parent_run_id) if e.parent_run_id else None, e.tags)
        for e in h.events
        if e.kind != "on_llm_new_token"
    )


def test_R11_all_modes_build_the_same_trees() -> None:
    model = FakeListChatModel(responses=["ok"], name="model")
    chain = (
        lam("a")
        | ChatPromptTemplate.from_template("q {x}")
        | RunnableParallel(m=model, p=lam("p"))
        | lam("z")
    )
    shapes = []
    for mode in ("invoke", "ainvoke", "stream", "astream", "batch", "abatch"):
        h = Recorder()
        cfg: Any = {"callbacks": [h], "tags": ["t"]}
        if mode == "invoke":
            chain.invoke("v", cfg)
        elif mode == "ainvoke":
            asyncio.run(chain.ainvoke("v", cfg))
        elif mode == "stream":
            list(chain.stream("v", cfg))
        elif mode == "astream":

            async def go(cfg: Any = cfg) -> None:
                async for _ in chain.astream("v", cfg):
                    pass

            asyncio.run(go())
        elif mode == "batch":
            chain.batch(["v"], cfg)
        else:
            asyncio.run(chain.abatch(["v"], cfg))
        shapes.append((mode, _shape(h)))
    for mode, shape in shapes[1:]:
        assert shape == shapes[0][1], mode


def test_R11_streamed_chat_model_emits_one_token_event_per_character() -> None:
    h = Recorder()
    out = list(FakeListChatModel(responses=["abc"]).stream("q", {"callbacks": [h]}))
    assert [c.content for c in out] == ["a", "b", "c"]
    assert [e.kind for e in h.events] == [
        "on_chat_model_start",
        "on_llm_new_token",
        "on_llm_new_token",
        "on_llm_new_token",
        "on_llm_end",
    ]


# ----------------------------------------------------------------------------- R12


def test_R12_concurrent_threads_do_not_mix() -> None:
    child = lam("child", delay=0.001)
    chain = lam("a") | RunnableLambda(lambda x: child.invoke(x), name="fn")
    recs = [Recorder(str(i)) for i in range(4)]
    barrier = threading.Barrier(4)

    def run(h: Recorder) -> None:
        barrier.wait()
        for _ in range(10):
            chain.invoke(1, {"callbacks": [h]})

    threads = [threading.Thread(target=run, args=(h,)) for h in recs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for h in recs:
        assert len(h.events) == 80
        ids = {e.run_id for e in h.events}
        assert all(e.parent_run_id is None or e.parent_run_id in ids for e in h.events)
    all_ids = [{e.run_id for e in h.events} for h in recs]
    assert sum(len(s) for s in all_ids) == len(set().union(*all_ids))


def test_R12_concurrent_asyncio_tasks_do_not_mix() -> None:
    child = lam("child")

    async def fn(x: Any) -> Any:
        await asyncio.sleep(0.001)
        return await child.ainvoke(x)

    chain = lam("a") | RunnableLambda(fn, name="fn")
    h1, h2 = Recorder("1"), Recorder("2")

    async def main() -> None:
        await asyncio.gather(*(chain.ainvoke(1, {"callbacks": [h]}) for h in (h1, h2, h1, h2)))

    asyncio.run(main())
    for h in (h1, h2):
        assert len(h.events) == 16
        ids = {e.run_id for e in h.events}
        assert all(e.parent_run_id is None or e.parent_run_id in ids for e in h.events)


def test_R12_top_level_invocation_inside_no_run_is_a_fresh_root() -> None:
    h = Recorder()
    lam("a").invoke(1, {"callbacks": [h]})
    lam("b").invoke(1, {"callbacks": [h]})
    assert [e.parent_run_id for e in h.events] == [None] * 4


# ----------------------------------------------------------------------------- R13


def test_R13_runtime_tags_metadata_reach_whole_tree() -> None:
    h = Recorder()
    chain = lam("a") | RunnableParallel(x=lam("b"))
    chain.invoke(1, {"callbacks": [h], "tags": ["rt"], "metadata": {"rk": 1}})
    assert all("rt" in e.tags and e.metadata.get("rk") == 1 for e in h.events)


def test_R13_bound_tags_metadata_only_in_subtree() -> None:
    h = Recorder()
    chain = lam("a") | (lam("b") | lam("c")).with_config(tags=["bt"], metadata={"bk": 2}) | lam("d")
    chain.invoke(1, {"callbacks": [h]})
    tagged = {e.name for e in h.events if "bt" in e.tags}
    assert tagged == {"RunnableSequence", "b", "c"}
    # The outer sequence is also named RunnableSequence: check by root-ness.
    root = h.events[0]
    assert "bt" not in root.tags and "bk" not in root.metadata
    assert "bt" not in h.tags_of("a") and "bt" not in h.tags_of("d")
    assert {e.name for e in h.events if "bk" in e.metadata} == {"RunnableSequence", "b", "c"}


def test_R13_constructor_tags_metadata_only_on_own_runs() -> None:
    h = Recorder()
    child = lam("child")
    fn = RunnableLambda(lambda x: child.invoke(x), name="fn", tags=["ct"], metadata={"ck": 3})
    (lam("a") | fn).invoke(1, {"callbacks": [h], "tags": ["rt"]})
    assert {e.name for e in h.events if "ct" in e.tags} == {"fn"}
    assert {e.name for e in h.events if "ck" in e.metadata} == {"fn"}
    assert all("rt" in e.tags for e in h.events)


def test_R13_tags_on_tool_and_chat_model_events() -> None:
    h = Recorder()
    t = StructuredTool.from_function(lambda x: x, name="t", tags=["tt"])
    m = FakeListChatModel(responses=["r"], tags=["mt"], metadata={"mk": 1})
    t.invoke("x", {"callbacks": [h]})
    m.invoke("x", {"callbacks": [h]})
    assert [e.tags for e in h.events] == [("tt",), ("tt",), ("mt",), ("mt",)]
    # the model's own ls_* keys beside the constructor's (language_models._ls_params)
    assert h.events[-1].metadata == {"mk": 1, "ls_provider": "fakelistchatmodel",
                                     "ls_model_type": "chat",
                                     "ls_integration": "langchain_chat_model"}


# ----------------------------------------------------------------------------- R14


def test_R14_run_name_and_run_id_apply_to_root_only() -> None:
    h = Recorder()
    rid = uuid.uuid4()
    chain = lam("a") | lam("b")
    chain.invoke(1, {"callbacks": [h], "run_name": "root", "run_id": rid})
    assert h.names() == ["root", "a", "b"]
    assert h.events[0].run_id == rid
    assert sum(e.run_id == rid for e in h.events) == 2


def test_R14_root_only_for_dynamic_children_with_forwarded_config() -> None:
    h = Recorder()
    rid = uuid.uuid4()
    child = lam("child")
    fn = RunnableLambda(lambda x, config: child.invoke(x, config), name="fn")
    fn.invoke(1, {"callbacks": [h], "run_name": "root", "run_id": rid})
    assert h.names() == ["root", "child"]
    assert [e.run_id == rid for e in h.events] == [True, False, False, True]


def test_R14_batch_run_id_only_for_first_item() -> None:
    h = Recorder()
    rid = uuid.uuid4()
    with pytest.warns(RuntimeWarning, match="first"):
        lam("a").batch([1, 2], {"callbacks": [h], "run_id": rid, "run_name": "r"})
    assert sum(e.run_id == rid for e in h.events) == 2
    assert h.names() == ["r", "r"]


def test_R10_raise_error_in_parallel_branch_closes_every_started_run() -> None:
    h = Recorder()
    par = lam("a") | RunnableParallel(b=lam("b"), c=lam("c", delay=0.02))
    with pytest.raises(Boom):
        par.invoke(1, {"callbacks": [h, Raiser(raise_error=True)]})
    starts = [e.run_id for e in h.events if e.kind.endswith("_start")]
    ends = [e.run_id for e in h.events if e.kind.endswith(("_end", "_error"))]
    assert sorted(map(str, starts)) == sorted(map(str, ends))
    assert h.terminal()["b"] == "error" and h.terminal()["c"] == "end"


def test_R10_raise_error_on_token_closes_model_run_with_error() -> None:
    class TokenRaiser(BaseCallbackHandler):
        raise_error = True

        def on_llm_new_token(self, token: str, **kw: Any) -> None:
            raise Boom("token")

    h = Recorder()
    with pytest.raises(Boom):
        list(FakeListChatModel(responses=["ab"]).stream("q", {"callbacks": [h, TokenRaiser()]}))
    assert [e.kind for e in h.events] == ["on_chat_model_start", "on_llm_new_token", "on_llm_error"]


def test_R10_async_handler_in_sync_invoke_inside_running_loop() -> None:
    h = AsyncRecorder()

    async def main() -> Any:
        return lam("a").invoke(1, {"callbacks": [h]})

    assert asyncio.run(main()) == 1
    assert h.events == [("start", "a"), ("end", "a")]


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_R10_raise_error_on_a_later_steps_start_ends_the_streaming_step_before_it(
        mode: str) -> None:
    """A raise_error handler raising on the parser's start, while the chat model before it is
    mid-stream: the model's run ends (with an error) before the sequence's, never left open
    (the parser's run never started, so it must close the stream it was reading)."""
    from reference.output_parsers import StrOutputParser

    class StartRaiser(BaseCallbackHandler):
        raise_error = True

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            raise Boom("parser start")

    h = Recorder()
    parser = StrOutputParser(name="parser").with_config(callbacks=[StartRaiser()])
    chain = ChatPromptTemplate.from_template("{q}") | FakeListChatModel(responses=["ab"]) | parser
    with pytest.raises(Boom):
        if mode == "stream":
            list(chain.stream({"q": "x"}, {"callbacks": [h]}))
        else:
            async def consume() -> None:
                async for _ in chain.astream({"q": "x"}, {"callbacks": [h]}):
                    pass
            asyncio.run(consume())
    starts = [e for e in h.events if e.kind.endswith("_start")]
    ends = [e for e in h.events if e.kind.endswith(("_end", "_error"))]
    assert {e.run_id for e in starts} == {e.run_id for e in ends}, h.events
    model_end = next(i for i, e in enumerate(h.events) if e.kind == "on_llm_error")
    root_end = next(i for i, e in enumerate(h.events)
                    if e.kind == "on_chain_error" and e.parent_run_id is None)
    assert model_end < root_end
