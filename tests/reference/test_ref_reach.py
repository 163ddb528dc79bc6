"""R1 runtime-reach, R2 bound-reach, R3 constructor-locality, R4 additivity, R5 once-per-handler."""

from __future__ import annotations

import asyncio
from typing import Any

from _ref_helpers import Recorder, lam

from reference.callbacks import CallbackManager
from reference.language_models import FakeListChatModel
from reference.prompts import ChatPromptTemplate
from reference.runnables import RunnableConfig, RunnableLambda, RunnableParallel
from reference.tools import StructuredTool

# ----------------------------------------------------------------------------- R1


def test_R1_runtime_reaches_sequence_steps() -> None:
    h = Recorder()
    chain = lam("a") | lam("b") | lam("c")
    assert chain.invoke(1, {"callbacks": [h]}) == 1
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("start", "c"),
        ("end", "c"),
        ("end", "RunnableSequence"),
    ]


def test_R1_runtime_reaches_parallel_branches_in_threads() -> None:
    h = Recorder()
    chain = lam("a") | RunnableParallel(x=lam("b", delay=0.01), y=lam("c"))
    assert chain.invoke(1, {"callbacks": [h]}) == {"x": 1, "y": 1}
    assert h.parents() == {
        "RunnableSequence": None,
        "a": "RunnableSequence",
        "RunnableParallel<x,y>": "RunnableSequence",
        "b": "RunnableParallel<x,y>",
        "c": "RunnableParallel<x,y>",
    }
    assert set(h.terminal().values()) == {"end"}


def test_R1_runtime_reaches_parallel_branches_in_asyncio_tasks() -> None:
    h = Recorder()
    chain = lam("a") | RunnableParallel(x=lam("b"), y=lam("c"))
    assert asyncio.run(chain.ainvoke(1, {"callbacks": [h]})) == {"x": 1, "y": 1}
    assert h.parents()["b"] == "RunnableParallel<x,y>"
    assert h.parents()["c"] == "RunnableParallel<x,y>"
    assert len(h.events) == 10


def test_R1_runtime_reaches_every_batch_item_with_its_own_config() -> None:
    h1, h2 = Recorder("1"), Recorder("2")
    chain = lam("a") | lam("b")
    out = chain.batch([1, 2], [{"callbacks": [h1]}, {"callbacks": [h2]}])
    assert out == [1, 2]
    for h in (h1, h2):
        assert h.seq() == [
            ("start", "RunnableSequence"),
            ("start", "a"),
            ("end", "a"),
            ("start", "b"),
            ("end", "b"),
            ("end", "RunnableSequence"),
        ]
    assert {e.run_id for e in h1.events}.isdisjoint({e.run_id for e in h2.events})


def test_R1_runtime_reaches_every_abatch_item() -> None:
    h = Recorder()
    chain = lam("a") | lam("b")
    assert asyncio.run(chain.abatch([1, 2, 3], {"callbacks": [h]})) == [1, 2, 3]
    roots = [e for e in h.events if e.kind == "on_chain_start" and e.parent_run_id is None]
    assert len(roots) == 3
    assert len(h.events) == 18


def test_R1_runtime_reaches_streamed_runs() -> None:
    h = Recorder()
    chain = lam("a") | FakeListChatModel(responses=["hi"], name="m") | lam("b")
    chunks = list(chain.stream("q", {"callbacks": [h]}))
    assert "".join(c.content for c in chunks) == "hi"
    assert h.parents() == {
        "RunnableSequence": None,
        "a": "RunnableSequence",
        "m": "RunnableSequence",
        "b": "RunnableSequence",
    }
    assert h.seq(tokens=True).count(("token", "m")) == 2


def test_R1_runtime_reaches_astreamed_runs() -> None:
    h = Recorder()
    chain = lam("a") | FakeListChatModel(responses=["hi"], name="m")

    async def go() -> list[Any]:
        return [c async for c in chain.astream("q", {"callbacks": [h]})]

    assert len(asyncio.run(go())) == 2
    assert h.parents() == {
        "RunnableSequence": None,
        "a": "RunnableSequence",
        "m": "RunnableSequence",
    }
    assert h.seq(tokens=True).count(("token", "m")) == 2


def test_R1_dynamic_child_without_forwarding_config_sync() -> None:
    h = Recorder()
    child = lam("child")

    def outer(x: int) -> int:
        return child.invoke(x) + child.invoke(x)

    RunnableLambda(outer).invoke(1, {"callbacks": [h]})
    assert h.seq() == [
        ("start", "outer"),
        ("start", "child"),
        ("end", "child"),
        ("start", "child"),
        ("end", "child"),
        ("end", "outer"),
    ]
    assert h.parents()["child"] == "outer"


def test_R1_dynamic_child_with_forwarded_config_sync() -> None:
    h = Recorder()
    child = lam("child")

    def outer(x: int, config: RunnableConfig) -> int:
        return child.invoke(x, config)  # type: ignore[no-any-return]

    RunnableLambda(outer).invoke(1, {"callbacks": [h]})
    assert h.parents() == {"outer": None, "child": "outer"}


def test_R1_dynamic_child_without_forwarding_config_async() -> None:
    h = Recorder()
    child = lam("child")

    async def outer(x: int) -> int:
        return await child.ainvoke(x)  # type: ignore[no-any-return]

    asyncio.run(RunnableLambda(outer).ainvoke(1, {"callbacks": [h]}))
    assert h.parents() == {"outer": None, "child": "outer"}


def test_R1_dynamic_child_in_asyncio_tasks_spawned_by_function() -> None:
    h = Recorder()
    child = lam("child")

    async def outer(x: int) -> list[int]:
        return list(await asyncio.gather(child.ainvoke(x), child.ainvoke(x)))

    asyncio.run(RunnableLambda(outer).ainvoke(1, {"callbacks": [h]}))
    assert [e.name for e in h.events if e.kind == "on_chain_start"] == ["outer", "child", "child"]
    assert h.parents()["child"] == "outer"


def test_R1_dynamic_child_of_sync_function_run_from_ainvoke() -> None:
    h = Recorder()
    child = lam("child")
    asyncio.run(
        RunnableLambda(lambda x: child.invoke(x), name="outer").ainvoke(1, {"callbacks": [h]})
    )
    assert h.parents() == {"outer": None, "child": "outer"}


def test_R1_dynamic_children_in_parallel_branches_threads_and_tasks() -> None:
    child = lam("child")
    par = RunnableParallel(
        x=RunnableLambda(lambda x: child.invoke(x), name="dx"),
        y=RunnableLambda(lambda x: child.invoke(x), name="dy"),
    )
    for mode in ("sync", "async"):
        h = Recorder()
        if mode == "sync":
            par.invoke(1, {"callbacks": [h]})
        else:
            asyncio.run(par.ainvoke(1, {"callbacks": [h]}))
        starts = {e.run_id: e for e in h.events if e.kind == "on_chain_start"}
        kids = [e for e in starts.values() if e.name == "child"]
        assert sorted(starts[k.parent_run_id].name for k in kids) == ["dx", "dy"], mode  # type: ignore[index]


def test_R1_tool_invoking_children_with_and_without_config() -> None:
    h = Recorder()
    child = lam("child")

    def search(query: str, config: RunnableConfig) -> str:
        child.invoke(query, config)
        child.invoke(query)
        return query

    t = StructuredTool.from_function(search)
    assert t.invoke("q", {"callbacks": [h]}) == "q"
    assert h.seq() == [
        ("start", "search"),
        ("start", "child"),
        ("end", "child"),
        ("start", "child"),
        ("end", "child"),
        ("end", "search"),
    ]
    assert h.parents()["child"] == "search"


def test_R1_runtime_manager_local_handlers_reach_the_root_run_only() -> None:
    # As in langchain_core: a manager's ``handlers`` are local to the run it is given to,
    # its ``inheritable_handlers`` reach the children too; a plain list is inheritable.
    local, inherited, listed = Recorder("local"), Recorder("inherited"), Recorder("listed")
    manager = CallbackManager(handlers=[local, inherited], inheritable_handlers=[inherited])
    (lam("a") | lam("b")).invoke(1, {"callbacks": manager})
    (lam("a") | lam("b")).invoke(1, {"callbacks": [listed]})
    assert local.names() == ["RunnableSequence"]
    assert local.seq() == [("start", "RunnableSequence"), ("end", "RunnableSequence")]
    assert inherited.names() == ["RunnableSequence", "a", "b"]
    assert listed.names() == ["RunnableSequence", "a", "b"]


def test_R1_runtime_manager_added_with_inherit_reaches_the_whole_tree() -> None:
    h = Recorder()
    manager = CallbackManager(handlers=[])
    manager.add_handler(h, inherit=True)
    (lam("a") | lam("b")).invoke(1, {"callbacks": manager})
    assert h.names() == ["RunnableSequence", "a", "b"]


def test_R1_runtime_manager_local_tags_stay_on_the_root_run() -> None:
    h = Recorder()
    manager = CallbackManager(
        handlers=[h], inheritable_handlers=[h], tags=["local"], inheritable_tags=["inherited"]
    )
    (lam("a") | lam("b")).invoke(1, {"callbacks": manager})
    assert h.tags_of("RunnableSequence") == {"local"}
    assert h.tags_of("a") == {"inherited"} and h.tags_of("b") == {"inherited"}


def test_R2_bound_manager_local_handlers_reach_the_bound_run_only() -> None:
    h, outer = Recorder("bound-local"), Recorder("runtime")
    inner = (lam("b1") | lam("b2")).with_config(callbacks=CallbackManager(handlers=[h]))
    (lam("a") | inner).invoke(1, {"callbacks": [outer]})
    assert h.seq() == [("start", "RunnableSequence"), ("end", "RunnableSequence")]
    runs = {e.run_id for e in h.events}
    assert len(runs) == 1
    assert outer.names() == ["RunnableSequence", "a", "RunnableSequence", "b1", "b2"]
    inner_id = next(e.run_id for e in outer.events if e.kind == "on_chain_start"
                    and e.parent_run_id is not None and e.name == "RunnableSequence")
    assert runs == {inner_id}


# ----------------------------------------------------------------------------- R2


def test_R2_bound_reaches_exactly_the_bound_subtree() -> None:
    h = Recorder()
    inner = lam("b1") | lam("b2")
    chain = lam("a") | inner.with_config(callbacks=[h]) | lam("c")
    chain.invoke(1)
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "b1"),
        ("end", "b1"),
        ("start", "b2"),
        ("end", "b2"),
        ("end", "RunnableSequence"),
    ]


def test_R2_bound_not_seen_when_object_used_without_binding() -> None:
    h = Recorder()
    b = lam("b")
    chain = b.with_config(callbacks=[h]) | b
    chain.invoke(1)
    assert h.names() == ["b"]


def test_R2_bound_reaches_dynamic_children() -> None:
    h = Recorder()
    child = lam("child")
    outer = RunnableLambda(lambda x: child.invoke(x), name="outer")
    (lam("a") | outer.with_config(callbacks=[h])).invoke(1)
    assert h.parents() == {"outer": None, "child": "outer"} or h.parents() == {
        "outer": "RunnableSequence",
        "child": "outer",
    }
    assert h.names() == ["outer", "child"]


def test_R2_seed_with_config_on_whole_chain() -> None:
    h = Recorder()
    chain = ChatPromptTemplate.from_template("q {x}") | FakeListChatModel(responses=["r"])
    chain.with_config(callbacks=[h]).invoke({"x": 1})
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "ChatPromptTemplate"),
        ("end", "ChatPromptTemplate"),
        ("start", "FakeListChatModel"),
        ("end", "FakeListChatModel"),
        ("end", "RunnableSequence"),
    ]


# ----------------------------------------------------------------------------- R3


def test_R3_constructor_handler_sees_own_runs_only() -> None:
    h = Recorder()
    chain = lam("a") | lam("b", callbacks=[h]) | lam("c")
    chain.invoke(1)
    assert h.seq() == [("start", "b"), ("end", "b")]


def test_R3_constructor_handler_not_inherited_by_sequence_children() -> None:
    h = Recorder()
    from reference.runnables import RunnableSequence

    seq = RunnableSequence(lam("a"), lam("b"), name="outer", callbacks=[h])
    seq.invoke(1)
    assert h.seq() == [("start", "outer"), ("end", "outer")]


def test_R3_constructor_handler_not_inherited_by_tool_children() -> None:
    h = Recorder()
    child = lam("child")

    def work(x: str) -> str:
        return child.invoke(x)  # type: ignore[no-any-return]

    t = StructuredTool.from_function(work, callbacks=[h])
    t.invoke("x")
    assert h.seq() == [("start", "work"), ("end", "work")]


def test_R3_constructor_handler_sees_every_reuse() -> None:
    h = Recorder()
    b = lam("b", callbacks=[h])
    (b | lam("x") | b).invoke(1)
    assert h.seq() == [("start", "b"), ("end", "b"), ("start", "b"), ("end", "b")]


def test_R3_constructor_handler_on_lambda_not_given_to_dynamic_children() -> None:
    h = Recorder()
    child = lam("child")
    RunnableLambda(lambda x: child.invoke(x), name="outer", callbacks=[h]).invoke(1)
    assert h.names() == ["outer"]


# ----------------------------------------------------------------------------- R4


def test_R4_runtime_kept_when_binding_adds_handlers() -> None:
    h1, h2 = Recorder("1"), Recorder("2")
    chain = lam("a") | lam("b").with_config(callbacks=[h2])
    chain.invoke(1, {"callbacks": [h1]})
    assert h1.names() == ["RunnableSequence", "a", "b"]
    assert h2.names() == ["b"]


def test_R4_runtime_kept_when_constructor_adds_handlers() -> None:
    h1, h2 = Recorder("1"), Recorder("2")
    (lam("a") | lam("b", callbacks=[h2])).invoke(1, {"callbacks": [h1]})
    assert h1.names() == ["RunnableSequence", "a", "b"]
    assert h2.names() == ["b"]


def test_R4_nested_bindings_keep_both() -> None:
    h1, h2 = Recorder("1"), Recorder("2")
    b = lam("b").with_config(callbacks=[h1]).with_config(callbacks=[h2])
    (lam("a") | b).invoke(1)
    assert h1.names() == ["b"] and h2.names() == ["b"]
    outer = (lam("a") | lam("b").with_config(callbacks=[h2])).with_config(callbacks=[h1])
    h1.events.clear()
    h2.events.clear()
    outer.invoke(1)
    assert h1.names() == ["RunnableSequence", "a", "b"]
    assert h2.names() == ["b"]


def test_R4_scopes_of_one_handler_unite() -> None:
    h = Recorder()
    chain = lam("a", callbacks=[h]) | (lam("b") | lam("c")).with_config(callbacks=[h])
    chain.invoke(1)
    assert h.names() == ["a", "RunnableSequence", "b", "c"]


# ----------------------------------------------------------------------------- R5


def test_R5_same_handler_twice_in_a_list() -> None:
    h = Recorder()
    (lam("a") | lam("b")).invoke(1, {"callbacks": [h, h]})
    assert len(h.events) == 6


def test_R5_list_and_manager() -> None:
    h = Recorder()
    b = lam("b").with_config(callbacks=CallbackManager(handlers=[h]))
    (lam("a") | b).invoke(1, {"callbacks": [h]})
    assert h.seq().count(("start", "b")) == 1
    assert len(h.events) == 6


def test_R5_runtime_and_bound_and_constructor() -> None:
    h = Recorder()
    b = lam("b", callbacks=[h]).with_config(callbacks=[h])
    (lam("a") | b).with_config(callbacks=[h]).invoke(1, {"callbacks": [h]})
    assert h.seq() == [
        ("start", "RunnableSequence"),
        ("start", "a"),
        ("end", "a"),
        ("start", "b"),
        ("end", "b"),
        ("end", "RunnableSequence"),
    ]


def test_R5_manager_add_handler_twice() -> None:
    h = Recorder()
    m = CallbackManager(handlers=[h], inheritable_handlers=[h])
    m.add_handler(h)
    assert m.handlers == [h] and m.inheritable_handlers == [h]
