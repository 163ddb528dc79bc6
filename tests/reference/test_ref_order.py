"""R6 run-identity, R7 order, R8 errors."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

import pytest
from _ref_helpers import Recorder, fail, lam

from reference.callbacks import BaseCallbackHandler
from reference.runnables import RunnableLambda, RunnableParallel

# ----------------------------------------------------------------------------- R6


def test_R6_all_handlers_see_same_ids_and_parent_links() -> None:
    h1, h2 = Recorder("1"), Recorder("2")
    chain = lam("a") | RunnableParallel(x=lam("b"), y=lam("c"))
    chain.invoke(1, {"callbacks": [h1, h2]})
    assert [(e.kind, e.run_id, e.parent_run_id) for e in h1.events if "start" in e.kind] == [
        (e.kind, e.run_id, e.parent_run_id) for e in h2.events if "start" in e.kind
    ]
    ids = [e.run_id for e in h1.events if e.kind == "on_chain_start"]
    assert len(set(ids)) == len(ids) == 5
    root = h1.events[0]
    assert root.parent_run_id is None
    for e in h1.events:
        same = [x for x in h1.events if x.run_id == e.run_id]
        assert {x.parent_run_id for x in same} == {e.parent_run_id}


def test_R6_binding_creates_no_run_and_keeps_bound_name() -> None:
    h = Recorder()
    b = lam("b").with_config(tags=["t"])
    (lam("a") | b).invoke(1, {"callbacks": [h]})
    assert h.names() == ["RunnableSequence", "a", "b"]
    assert b.get_name() == "b"


def test_R6_bound_run_name_names_the_bound_run() -> None:
    h = Recorder()
    (lam("a") | lam("b").with_config(run_name="renamed")).invoke(1, {"callbacks": [h]})
    assert h.names() == ["RunnableSequence", "a", "renamed"]


def test_R6_run_ids_are_version_4_uuids_and_unique() -> None:
    h = Recorder()
    lam("a").batch(list(range(50)), {"callbacks": [h]})
    ids = {e.run_id for e in h.events}
    assert len(ids) == 50
    assert all(isinstance(i, uuid.UUID) and i.version == 4 for i in ids)


def test_R6_dynamic_child_parent_is_the_function_run() -> None:
    h = Recorder()
    child = lam("child")
    chain = lam("a") | RunnableLambda(lambda x: child.invoke(x), name="fn")
    chain.invoke(1, {"callbacks": [h]})
    assert h.parents() == {
        "RunnableSequence": None,
        "a": "RunnableSequence",
        "fn": "RunnableSequence",
        "child": "fn",
    }


# ----------------------------------------------------------------------------- R7


def test_R7_sequence_steps_strictly_ordered_in_invoke_and_ainvoke() -> None:
    chain = lam("a") | lam("b") | lam("c")
    expected = [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("start", "c"),
        ("end", "c"),
        ("end", "RunnableSequence"),
    ]
    h = Recorder()
    chain.invoke(1, {"callbacks": [h]})
    assert h.seq() == expected
    h = Recorder()
    asyncio.run(chain.ainvoke(1, {"callbacks": [h]}))
    assert h.seq() == expected


def test_R7_stream_is_pipelined_but_next_step_never_starts_first() -> None:
    from reference.language_models import FakeListChatModel
    from reference.output_parsers import StrOutputParser

    h = Recorder()
    chain = lam("a") | FakeListChatModel(responses=["xy"], name="m") | StrOutputParser()
    assert list(chain.stream("q", {"callbacks": [h]})) == ["x", "y"]
    assert h.seq(tokens=True) == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "m"),
        ("token", "m"),
        ("start", "StrOutputParser"),
        ("token", "m"),
        ("end", "m"),
        ("end", "StrOutputParser"),
        ("end", "RunnableSequence"),
    ]


def test_R7_parallel_waits_for_siblings_when_one_fails() -> None:
    h = Recorder()
    started = threading.Event()

    def slow(x: Any) -> Any:
        started.wait(1)
        import time

        time.sleep(0.05)
        return x

    def quick_fail(x: Any) -> Any:
        started.set()
        raise ValueError("boom")

    par = RunnableParallel(
        ok=RunnableLambda(slow, name="slow"), bad=RunnableLambda(quick_fail, name="bad")
    )
    with pytest.raises(ValueError, match="boom"):
        par.invoke(1, {"callbacks": [h]})
    seq = h.seq()
    assert seq[-1] == ("error", "RunnableParallel<ok,bad>")
    assert seq.index(("end", "slow")) < seq.index(("error", "RunnableParallel<ok,bad>"))
    assert ("error", "bad") in seq


def test_R7_async_parallel_waits_for_siblings_when_one_fails() -> None:
    h = Recorder()

    async def slow(x: Any) -> Any:
        await asyncio.sleep(0.05)
        return x

    async def quick_fail(x: Any) -> Any:
        raise ValueError("boom")

    par = RunnableParallel(
        ok=RunnableLambda(slow, name="slow"), bad=RunnableLambda(quick_fail, name="bad")
    )
    with pytest.raises(ValueError):
        asyncio.run(par.ainvoke(1, {"callbacks": [h]}))
    seq = h.seq()
    assert seq.index(("end", "slow")) < seq.index(("error", "RunnableParallel<ok,bad>"))


def test_R7_dynamic_children_run_in_call_order() -> None:
    h = Recorder()
    c1, c2 = lam("c1"), lam("c2")
    RunnableLambda(lambda x: c2.invoke(c1.invoke(x)), name="fn").invoke(1, {"callbacks": [h]})
    assert h.seq() == [
        ("start", "fn"),
        ("start", "c1"),
        ("end", "c1"),
        ("start", "c2"),
        ("end", "c2"),
        ("end", "fn"),
    ]


# ----------------------------------------------------------------------------- R8


def test_R8_failing_step_and_ancestors_error_later_steps_never_start() -> None:
    h = Recorder()
    err = ValueError("x")
    chain = lam("a") | (fail("b", err) | lam("c")).with_config(run_name="inner") | lam("d")
    with pytest.raises(ValueError) as info:
        chain.invoke(1, {"callbacks": [h]})
    assert info.value is err
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "inner"),
        ("start", "b"),
        ("error", "b"),
        ("error", "inner"),
        ("error", "RunnableSequence"),
    ]


def test_R8_async_failure_reported_all_the_way_up() -> None:
    h = Recorder()
    err = KeyError("k")
    chain = lam("a") | fail("b", err) | lam("c")
    with pytest.raises(KeyError) as info:
        asyncio.run(chain.ainvoke(1, {"callbacks": [h]}))
    assert info.value is err
    assert h.terminal() == {"a": "end", "b": "error", "RunnableSequence": "error"}


def test_R8_later_dynamic_children_never_start() -> None:
    h = Recorder()
    bad, later = fail("bad"), lam("later")

    def fn(x: Any) -> Any:
        bad.invoke(x)
        return later.invoke(x)

    with pytest.raises(ValueError):
        RunnableLambda(fn).invoke(1, {"callbacks": [h]})
    assert h.seq() == [("start", "fn"), ("start", "bad"), ("error", "bad"), ("error", "fn")]


def test_R8_first_failing_branch_in_declaration_order_is_raised() -> None:
    e1, e2 = ValueError("first"), ValueError("second")
    par = RunnableParallel(a=fail("a", e1, delay=0.05), b=fail("b", e2))
    with pytest.raises(ValueError) as info:
        par.invoke(1)
    assert info.value is e1
    with pytest.raises(ValueError) as info:
        asyncio.run(par.ainvoke(1))
    assert info.value is e1


def test_R8_stream_failure_errors_started_runs_only() -> None:
    h = Recorder()
    chain = lam("a") | fail("b") | lam("c")
    with pytest.raises(ValueError):
        list(chain.stream(1, {"callbacks": [h]}))
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("error", "b"),
        ("error", "RunnableSequence"),
    ]


def test_R8_tool_and_retriever_errors() -> None:
    from reference.retrievers import BaseRetriever
    from reference.tools import tool

    @tool
    def broken(x: str) -> str:
        """Always fails."""
        raise RuntimeError("tool")

    class R(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            raise RuntimeError("retriever")

    h = Recorder()
    with pytest.raises(RuntimeError):
        broken.invoke("x", {"callbacks": [h]})
    with pytest.raises(RuntimeError):
        R().invoke("q", {"callbacks": [h]})
    assert [e.kind for e in h.events] == [
        "on_tool_start",
        "on_tool_error",
        "on_retriever_start",
        "on_retriever_error",
    ]


def test_R8_handler_sees_original_exception_object() -> None:
    seen: list[BaseException] = []

    class H(BaseCallbackHandler):
        def on_chain_error(self, error: BaseException, **kw: Any) -> None:
            seen.append(error)

    err = ValueError("orig")
    with pytest.raises(ValueError):
        (lam("a") | fail("b", err)).invoke(1, {"callbacks": [H()]})
    assert seen == [err, err]
