"""langchain_core's callback API names on the reference: handler mixins, run manager classes,
chain groups, and starting runs by hand from a config.

Scenarios are written once against a package prefix (``_lc_scenarios``); the events they give
are written out by hand from langchain-core 1.8.3's, and where langchain-core 1.x is installed
the scenarios also run on it and must give the same.
"""

from __future__ import annotations

import asyncio
import importlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

MIXINS = ["CallbackManagerMixin", "ChainManagerMixin", "LLMManagerMixin", "RetrieverManagerMixin",
          "ToolManagerMixin", "RunManagerMixin"]
RUN_MANAGERS = ["RunManager", "ParentRunManager", "AsyncRunManager", "AsyncParentRunManager"]
GROUPS = ["trace_as_chain_group", "atrace_as_chain_group", "CallbackManagerForChainGroup",
          "AsyncCallbackManagerForChainGroup"]

#: Module paths and the names this file's scenarios need from each (as langchain_core's offer).
MODULE_NAMES: dict[str, list[str]] = {
    "callbacks": [*MIXINS, *RUN_MANAGERS, *GROUPS[2:]],
    "callbacks.base": MIXINS,
    "callbacks.manager": [*MIXINS[1:], *RUN_MANAGERS, *GROUPS, "BaseCallbackHandler",
                          "StdOutCallbackHandler"],
    "runnables": ["run_in_executor"],
    "runnables.config": ["get_callback_manager_for_config",
                         "get_async_callback_manager_for_config", "run_in_executor",
                         "get_executor_for_config", "ContextThreadPoolExecutor"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths_offer_langchain_cores_callback_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    assert [n for n in MODULE_NAMES[module] if not hasattr(mod, n)] == []


def _name(serialized: Any, kw: dict[str, Any]) -> str | None:
    """The run's name as a handler finds it (langchain_core passes a chat model's as
    ``serialized["name"]`` with ``name=None``, the reference as ``name``)."""
    return kw.get("name") or (serialized or {}).get("name")


def tag_recorder(pkg: str) -> Any:
    """:func:`recorder`, with each event's tags after its detail (not the ``seq:step:N`` tags
    langchain_core adds: SPEC.md R13 leaves an engine's own tags free)."""
    base = type(recorder(pkg))

    class TagRecorder(base):  # type: ignore[misc, valid-type]
        def _add(self, event: str, detail: str, kw: dict[str, Any],
                 serialized: Any = None) -> None:
            tags = sorted(t for t in kw.get("tags") or [] if not t.startswith("seq:step:"))
            super()._add(event, f"{detail} tags={tags}", kw, serialized)

    return TagRecorder()


# ----------------------------------------------------------------------------- class hierarchy


@pytest.mark.parametrize("pkg", PKGS)
def test_handlers_and_run_managers_are_instances_of_langchain_cores_bases(pkg: str) -> None:
    cb = importlib.import_module(f"{pkg}.callbacks")
    # The same linearization: a class mixing the mixins in after the base resolves the same way.
    assert [c.__name__ for c in cb.BaseCallbackHandler.__mro__] == [
        "BaseCallbackHandler", "LLMManagerMixin", "ChainManagerMixin", "ToolManagerMixin",
        "RetrieverManagerMixin", "CallbackManagerMixin", "RunManagerMixin", "object"]
    handler = cb.AsyncCallbackHandler()
    assert all(isinstance(handler, getattr(cb, m)) for m in MIXINS)
    assert isinstance(cb.CallbackManager([]), cb.CallbackManagerMixin)
    with pytest.raises(TypeError):  # mixins before the base contradict its order, as in Python
        type("Bad", (cb.ChainManagerMixin, cb.LLMManagerMixin, cb.BaseCallbackHandler), {})

    rm = cb.CallbackManager([]).on_chain_start({"name": "x"}, {})
    expected = {
        cb.CallbackManagerForChainRun: ("ParentRunManager", "ChainManagerMixin"),
        cb.CallbackManagerForToolRun: ("ParentRunManager", "ToolManagerMixin"),
        cb.CallbackManagerForRetrieverRun: ("ParentRunManager", "RetrieverManagerMixin"),
        cb.CallbackManagerForLLMRun: ("RunManager", "LLMManagerMixin"),
        cb.AsyncCallbackManagerForChainRun: ("AsyncParentRunManager", "ChainManagerMixin"),
        cb.AsyncCallbackManagerForToolRun: ("AsyncParentRunManager", "ToolManagerMixin"),
        cb.AsyncCallbackManagerForRetrieverRun: ("AsyncParentRunManager",
                                                 "RetrieverManagerMixin"),
        cb.AsyncCallbackManagerForLLMRun: ("AsyncRunManager", "LLMManagerMixin"),
    }
    for cls, (base, mixin) in expected.items():
        assert issubclass(cls, getattr(cb, base)) and issubclass(cls, getattr(cb, mixin)), cls
        assert issubclass(cls, cb.BaseRunManager) and issubclass(cls, cb.RunManagerMixin), cls
        assert hasattr(cls, "get_child") == ("Parent" in base), cls
        assert hasattr(cls, "get_sync") == base.startswith("Async"), cls
    assert isinstance(rm, cb.ParentRunManager) and isinstance(rm, cb.RunManager)
    assert not isinstance(rm, cb.AsyncRunManager)
    assert issubclass(cb.ParentRunManager, cb.RunManager)
    assert issubclass(cb.AsyncParentRunManager, cb.AsyncRunManager)


@pytest.mark.parametrize("pkg", PKGS)
def test_run_manager_events_and_noop_manager(pkg: str) -> None:
    """``on_text`` (any run), ``on_agent_action``/``on_agent_finish`` (chain runs) reach the
    handlers' methods; ``ignore_agent`` silences the agent events; a no-op manager sends none."""
    cb = importlib.import_module(f"{pkg}.callbacks")
    got: list[tuple[str, Any, bool]] = []

    class Agentish(cb.BaseCallbackHandler):
        def on_text(self, text: str, **kw: Any) -> None:
            got.append(("text", text, kw["run_id"] == rm.run_id))

        def on_agent_action(self, action: Any, **kw: Any) -> None:
            got.append(("action", action, kw["run_id"] == rm.run_id))

        def on_agent_finish(self, finish: Any, **kw: Any) -> None:
            got.append(("finish", finish, kw["run_id"] == rm.run_id))

    quiet = type("Quiet", (Agentish,), {"ignore_agent": True})()
    rm = cb.CallbackManager([Agentish(), quiet]).on_chain_start({"name": "agent"}, {})
    rm.on_text("thinking")
    rm.on_agent_action("act")
    rm.on_agent_finish("done")
    rm.on_chain_end({})
    assert got == [("text", "thinking", True), ("text", "thinking", True),
                   ("action", "act", True), ("finish", "done", True)]

    async def go() -> None:
        arm = await cb.AsyncCallbackManager([Agentish()]).on_chain_start({"name": "a"}, {})
        await arm.on_text("async")
        assert type(arm.get_sync()).__name__ == "CallbackManagerForChainRun"
        assert arm.get_sync().run_id == arm.run_id

    got.clear()
    asyncio.run(go())
    assert [g[:2] for g in got] == [("text", "async")]
    noop = cb.CallbackManagerForChainRun.get_noop_manager()
    assert noop.handlers == [] and noop.parent_run_id is None
    noop.on_chain_end({})


# ----------------------------------------------------------------------------- scenarios


def handler_from_mixins(pkg: str) -> list[Seen]:
    """A handler class that names the mixins of the events it handles next to its base class,
    overriding a few methods and calling ``super()`` in each; ``on_chat_model_start`` is not
    overridden, so a chat model's start reaches ``on_llm_start``."""
    base = load(pkg, "callbacks", "BaseCallbackHandler")
    llm_mixin = load(pkg, "callbacks.base", "LLMManagerMixin")
    chain_mixin = load(pkg, "callbacks.base", "ChainManagerMixin")
    lam = load(pkg, "runnables", "RunnableLambda")
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["pong"])
    seen: list[Seen] = []

    class Watch(base, llm_mixin, chain_mixin):  # type: ignore[misc, valid-type]
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> Any:
            seen.append(("on_chain_start", _name(serialized, kw), None, shape(inputs)))
            return super().on_chain_start(serialized, inputs, **kw)

        def on_chain_end(self, outputs: Any, **kw: Any) -> Any:
            seen.append(("on_chain_end", None, None, shape(outputs)))
            return super().on_chain_end(outputs, **kw)

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> Any:
            seen.append(("on_llm_start", _name(serialized, kw), None, shape(prompts)))
            return super().on_llm_start(serialized, prompts, **kw)

        def on_llm_end(self, response: Any, **kw: Any) -> Any:
            seen.append(("on_llm_end", None, None, shape(response)))
            return super().on_llm_end(response, **kw)

    def ask(x: str) -> str:
        return x + "?"

    watch = Watch()
    assert isinstance(watch, llm_mixin) and isinstance(watch, chain_mixin)
    msg = (lam(ask) | model).invoke("ping", {"callbacks": [watch]})
    assert msg.content == "pong"
    return seen


HANDLER_FROM_MIXINS: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "'ping'"),
    ("on_chain_start", "ask", None, "'ping'"),
    ("on_chain_end", None, None, "'ping?'"),
    ("on_llm_start", "FakeListChatModel", None, "['Human: ping?']"),
    ("on_llm_end", None, None, "LLMResult([[ChatGeneration(AIMessage('pong'))]])"),
    ("on_chain_end", None, None, "AIMessage('pong')"),
]


def super_calls(pkg: str) -> list[Seen]:
    """Handlers deriving from the base classes whose overrides call ``super()`` (sync and
    async): each base no-op does nothing; ``super().on_chat_model_start`` raises
    NotImplementedError, which sends the start to ``on_llm_start`` instead."""
    base = type(recorder(pkg))
    async_base = load(pkg, "callbacks", "AsyncCallbackHandler")
    handler_base = load(pkg, "callbacks", "BaseCallbackHandler")
    lam = load(pkg, "runnables", "RunnableLambda")
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")

    class Super(base):  # type: ignore[misc, valid-type]
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> Any:
            assert handler_base.on_chain_start(self, serialized, inputs, **kw) is None
            return super().on_chain_start(serialized, inputs, **kw)

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> Any:
            super().on_chat_model_start(serialized, messages, **kw)  # records it
            return handler_base.on_chat_model_start(self, serialized, messages, **kw)

    seen: list[str] = []

    class AsyncSuper(async_base):  # type: ignore[misc, valid-type]
        async def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            seen.append(f"astart {shape(inputs)}")
            await super().on_chain_start(serialized, inputs, **kw)

        async def on_chain_end(self, outputs: Any, **kw: Any) -> None:
            await super().on_chain_end(outputs, **kw)
            seen.append(f"aend {shape(outputs)}")

        async def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            seen.append("achat")
            await super().on_chat_model_start(serialized, messages, **kw)

        async def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            seen.append(f"allm {shape(prompts)}")
            await super().on_llm_start(serialized, prompts, **kw)

    def shout(x: str) -> str:
        return x.upper()

    rec, arec = Super(), AsyncSuper()
    chain = lam(shout) | model(responses=["ok"])
    assert chain.invoke("hi", {"callbacks": [rec, arec]}).content == "ok"
    assert asyncio.run(chain.ainvoke("yo", {"callbacks": [rec, arec]})).content == "ok"
    return [*rec.seen, *[("async", None, None, s) for s in seen]]  # type: ignore[list-item]


SUPER_CALLS: list[Seen] = [
    *[
        seen
        for word in ("hi", "yo")
        for seen in [
            ("on_chain_start", "RunnableSequence", None, repr(word)),
            ("on_chain_start", "shout", "RunnableSequence", repr(word)),
            ("on_chain_end", "shout", "RunnableSequence", repr(word.upper())),
            ("on_chat_model_start", "FakeListChatModel", "RunnableSequence",
             f"[[HumanMessage({word.upper()!r})]]"),
            ("on_llm_start", "FakeListChatModel", "RunnableSequence",
             f"['Human: {word.upper()}']"),
            ("on_llm_end", "FakeListChatModel", "RunnableSequence",
             "LLMResult([[ChatGeneration(AIMessage('ok'))]])"),
            ("on_chain_end", "RunnableSequence", None, "AIMessage('ok')"),
        ]
    ],
    *[
        ("async", None, None, s)
        for word in ("hi", "yo")
        for s in [f"astart {word!r}", f"astart {word!r}", f"aend {word.upper()!r}", "achat",
                  f"allm ['Human: {word.upper()}']", "aend AIMessage('ok')"]
    ],
]


def _steps(pkg: str) -> tuple[Any, Any]:
    lam = load(pkg, "runnables", "RunnableLambda")

    def add_one(x: str) -> str:
        return x + "a"

    def double(x: str) -> str:
        return x + x

    return lam(add_one), lam(double)


def chain_group(pkg: str) -> list[Seen]:
    """``trace_as_chain_group``: runs given the group's manager are children of the group run
    (its ``run_id``), with its tags and metadata; copies and merges keep the group. As in
    langchain_core without LangSmith tracing, the ``callback_manager`` argument is not used:
    handlers come from the group manager (``add_handler``), and none sees the group run itself.
    A failing block's exception goes through."""
    group = load(pkg, "callbacks.manager", "trace_as_chain_group")
    manager = load(pkg, "callbacks.manager", "CallbackManager")
    add_one, double = _steps(pkg)
    rec = tag_recorder(pkg)
    gid = uuid.uuid4()
    rec.names[gid] = "<ask>"
    with group("ask", manager.configure([rec]), inputs={"q": "x"}, run_id=gid, tags=["grp"],
               metadata={"k": 1}) as g:
        assert g.parent_run_id == gid == g.parent_run_manager.run_id
        assert (g.handlers, g.tags, g.metadata, g.ended) == ([], ["grp"], {"k": 1}, False)
        g.add_handler(rec)
        a = add_one.invoke("x", {"callbacks": g})
        b = double.invoke(a, {"callbacks": g, "tags": ["own"]})
        merged = g.merge(manager(handlers=[], tags=["more"]))
        assert type(merged) is type(g) and merged.parent_run_manager is g.parent_run_manager
        assert type(g.copy()) is type(g) and g.copy().parent_run_manager is g.parent_run_manager
        (add_one | double).invoke(b, {"callbacks": merged})
        g.on_chain_end({"answer": b})
        assert g.ended and not merged.ended
    with pytest.raises(ValueError, match="boom"), group("fails") as g:
        g.add_handler(rec)
        rec.names[g.parent_run_manager.run_id] = "<fails>"
        add_one.invoke("z", {"callbacks": g})
        raise ValueError("boom")
    return rec.seen  # type: ignore[no-any-return]


CHAIN_GROUP: list[Seen] = [
    ("on_chain_start", "add_one", "<ask>", "'x' tags=['grp']"),
    ("on_chain_end", "add_one", "<ask>", "'xa' tags=['grp']"),
    ("on_chain_start", "double", "<ask>", "'xa' tags=['grp', 'own']"),
    ("on_chain_end", "double", "<ask>", "'xaxa' tags=['grp', 'own']"),
    ("on_chain_start", "RunnableSequence", "<ask>", "'xaxa' tags=['grp', 'more']"),
    ("on_chain_start", "add_one", "RunnableSequence", "'xaxa' tags=['grp']"),
    ("on_chain_end", "add_one", "RunnableSequence", "'xaxaa' tags=['grp']"),
    ("on_chain_start", "double", "RunnableSequence", "'xaxaa' tags=['grp']"),
    ("on_chain_end", "double", "RunnableSequence", "'xaxaaxaxaa' tags=['grp']"),
    ("on_chain_end", "RunnableSequence", "<ask>", "'xaxaaxaxaa' tags=['grp', 'more']"),
    ("on_chain_start", "add_one", "<fails>", "'z' tags=[]"),
    ("on_chain_end", "add_one", "<fails>", "'za' tags=[]"),
]


def chain_group_async(pkg: str) -> list[Seen]:
    """``atrace_as_chain_group``: the async twin, with async and sync children."""
    group = load(pkg, "callbacks.manager", "atrace_as_chain_group")
    manager = load(pkg, "callbacks.manager", "AsyncCallbackManager")
    add_one, double = _steps(pkg)
    rec = tag_recorder(pkg)

    async def main() -> None:
        async with group("ask", manager.configure([rec]), inputs={"q": "x"},
                         tags=["grp"]) as g:
            assert type(g).__name__ == "AsyncCallbackManagerForChainGroup"
            assert g.handlers == [] and g.parent_run_id == g.parent_run_manager.run_id
            rec.names[g.parent_run_id] = "<ask>"
            g.add_handler(rec)
            a = await add_one.ainvoke("x", {"callbacks": g})
            b = double.invoke(a, {"callbacks": g})
            await g.on_chain_end({"answer": b})
            assert g.ended
        with pytest.raises(KeyError):
            async with group("fails") as g:
                g.add_handler(rec)
                rec.names[g.parent_run_id] = "<fails>"
                await add_one.ainvoke("z", {"callbacks": g})
                raise KeyError("k")

    asyncio.run(main())
    return rec.seen  # type: ignore[no-any-return]


CHAIN_GROUP_ASYNC: list[Seen] = [
    ("on_chain_start", "add_one", "<ask>", "'x' tags=['grp']"),
    ("on_chain_end", "add_one", "<ask>", "'xa' tags=['grp']"),
    ("on_chain_start", "double", "<ask>", "'xa' tags=['grp']"),
    ("on_chain_end", "double", "<ask>", "'xaxa' tags=['grp']"),
    ("on_chain_start", "add_one", "<fails>", "'z' tags=[]"),
    ("on_chain_end", "add_one", "<fails>", "'za' tags=[]"),
]


def executor_nesting(pkg: str) -> list[Seen]:
    """``run_in_executor`` with None or a config runs the function in a copy of the context:
    a runnable it invokes without config nests under the current run. Through a plain
    executor it does not (no context: no handlers); through ``get_executor_for_config``'s it
    does."""
    lam = load(pkg, "runnables", "RunnableLambda")
    run_in_executor = load(pkg, "runnables", "run_in_executor")
    get_executor_for_config = load(pkg, "runnables.config", "get_executor_for_config")
    add_one, double = _steps(pkg)

    async def outer(x: str, config: Any) -> str:
        a = await run_in_executor(None, add_one.invoke, x)
        b = await run_in_executor(config, double.invoke, a)
        with ThreadPoolExecutor(1) as plain:
            c = await run_in_executor(plain, add_one.invoke, b)  # a root run, no handlers
        return await run_in_executor(config, lambda: double.invoke(c))  # type: ignore[no-any-return]

    def fan(x: str, config: Any) -> list[str]:
        with get_executor_for_config(config) as pool:
            first = pool.submit(add_one.invoke, x).result()
            return list(pool.map(double.invoke, [first, x]))

    rec = recorder(pkg)
    assert asyncio.run(lam(outer).ainvoke("x", {"callbacks": [rec]})) == "xaxaaxaxaa"
    assert lam(fan).invoke("f", {"callbacks": [rec], "max_concurrency": 1}) == ["fafa", "ff"]
    return rec.seen  # type: ignore[no-any-return]


EXECUTOR_NESTING: list[Seen] = [
    ("on_chain_start", "outer", None, "'x'"),
    ("on_chain_start", "add_one", "outer", "'x'"),
    ("on_chain_end", "add_one", "outer", "'xa'"),
    ("on_chain_start", "double", "outer", "'xa'"),
    ("on_chain_end", "double", "outer", "'xaxa'"),
    # add_one through the plain executor: a root run without handlers, unseen
    ("on_chain_start", "double", "outer", "'xaxaa'"),
    ("on_chain_end", "double", "outer", "'xaxaaxaxaa'"),
    ("on_chain_end", "outer", None, "'xaxaaxaxaa'"),
    ("on_chain_start", "fan", None, "'f'"),
    ("on_chain_start", "add_one", "fan", "'f'"),
    ("on_chain_end", "add_one", "fan", "'fa'"),
    ("on_chain_start", "double", "fan", "'fa'"),
    ("on_chain_end", "double", "fan", "'fafa'"),
    ("on_chain_start", "double", "fan", "'f'"),
    ("on_chain_end", "double", "fan", "'ff'"),
    ("on_chain_end", "fan", None, "['fafa', 'ff']"),
]


def manual_run(pkg: str) -> list[Seen]:
    """``get_callback_manager_for_config`` starts a run by hand (``on_chain_start`` with a
    name), its children get ``run_manager.get_child()``; a tag given to ``get_child`` is the
    child run's own, not its children's. From a function's config, the run nests under the
    function's run; from a plain config it is a root with the config's tags."""
    get_manager = load(pkg, "runnables.config", "get_callback_manager_for_config")
    patch_config = load(pkg, "runnables.config", "patch_config")
    lam = load(pkg, "runnables", "RunnableLambda")
    add_one, double = _steps(pkg)

    def by_hand(x: str, config: Any) -> str:
        rm = get_manager(config).on_chain_start(None, {"x": x}, name="manual")
        try:
            a = add_one.invoke(x, patch_config(config, callbacks=rm.get_child()))
            b = (add_one | double).invoke(a, {"callbacks": rm.get_child("second")})
            if b.startswith("!"):
                raise ValueError(b)
        except Exception as exc:
            rm.on_chain_error(exc)
            raise
        rm.on_chain_end({"b": b})
        return b  # type: ignore[no-any-return]

    rec = tag_recorder(pkg)
    assert lam(by_hand).invoke("x", {"callbacks": [rec], "tags": ["t"]}) == "xaaxaa"
    with pytest.raises(ValueError):
        by_hand("!", {"callbacks": [rec], "tags": ["top"]})
    return rec.seen  # type: ignore[no-any-return]


MANUAL_RUN: list[Seen] = [
    ("on_chain_start", "by_hand", None, "'x' tags=['t']"),
    ("on_chain_start", "manual", "by_hand", "{'x': 'x'} tags=['t']"),
    ("on_chain_start", "add_one", "manual", "'x' tags=['t']"),
    ("on_chain_end", "add_one", "manual", "'xa' tags=['t']"),
    ("on_chain_start", "RunnableSequence", "manual", "'xa' tags=['second', 't']"),
    ("on_chain_start", "add_one", "RunnableSequence", "'xa' tags=['t']"),
    ("on_chain_end", "add_one", "RunnableSequence", "'xaa' tags=['t']"),
    ("on_chain_start", "double", "RunnableSequence", "'xaa' tags=['t']"),
    ("on_chain_end", "double", "RunnableSequence", "'xaaxaa' tags=['t']"),
    ("on_chain_end", "RunnableSequence", "manual", "'xaaxaa' tags=['second', 't']"),
    ("on_chain_end", "manual", "by_hand", "{'b': 'xaaxaa'} tags=['t']"),
    ("on_chain_end", "by_hand", None, "'xaaxaa' tags=['t']"),
    ("on_chain_start", "manual", None, "{'x': '!'} tags=['top']"),
    ("on_chain_start", "add_one", "manual", "'!' tags=['top']"),
    ("on_chain_end", "add_one", "manual", "'!a' tags=['top']"),
    ("on_chain_start", "RunnableSequence", "manual", "'!a' tags=['second', 'top']"),
    ("on_chain_start", "add_one", "RunnableSequence", "'!a' tags=['top']"),
    ("on_chain_end", "add_one", "RunnableSequence", "'!aa' tags=['top']"),
    ("on_chain_start", "double", "RunnableSequence", "'!aa' tags=['top']"),
    ("on_chain_end", "double", "RunnableSequence", "'!aa!aa' tags=['top']"),
    ("on_chain_end", "RunnableSequence", "manual", "'!aa!aa' tags=['second', 'top']"),
    ("on_chain_error", "manual", None, "ValueError(!aa!aa) tags=['top']"),
]


def manual_run_async(pkg: str) -> list[Seen]:
    """``get_async_callback_manager_for_config``: the same by hand in async code."""
    get_manager = load(pkg, "runnables.config", "get_async_callback_manager_for_config")
    ensure_config = load(pkg, "runnables.config", "ensure_config")
    lam = load(pkg, "runnables", "RunnableLambda")
    add_one, double = _steps(pkg)

    async def by_hand(x: str) -> str:
        # No config parameter: ensure_config() takes the enclosing run's.
        rm = await get_manager(ensure_config()).on_chain_start(None, x, name="inner")
        a = await add_one.ainvoke(x, {"callbacks": rm.get_child()})
        await rm.on_chain_end(a)
        return await double.ainvoke(a)  # type: ignore[no-any-return]

    rec = tag_recorder(pkg)
    assert asyncio.run(lam(by_hand).ainvoke("x", {"callbacks": [rec]})) == "xaxa"
    return rec.seen  # type: ignore[no-any-return]


MANUAL_RUN_ASYNC: list[Seen] = [
    ("on_chain_start", "by_hand", None, "'x' tags=[]"),
    ("on_chain_start", "inner", "by_hand", "'x' tags=[]"),
    ("on_chain_start", "add_one", "inner", "'x' tags=[]"),
    ("on_chain_end", "add_one", "inner", "'xa' tags=[]"),
    ("on_chain_end", "inner", "by_hand", "'xa' tags=[]"),
    ("on_chain_start", "double", "by_hand", "'xa' tags=[]"),
    ("on_chain_end", "double", "by_hand", "'xaxa' tags=[]"),
    ("on_chain_end", "by_hand", None, "'xaxa' tags=[]"),
]


SCENARIOS: dict[str, tuple[Callable[[str], list[Seen]], list[Seen]]] = {
    "handler_from_mixins": (handler_from_mixins, HANDLER_FROM_MIXINS),
    "super_calls": (super_calls, SUPER_CALLS),
    "chain_group": (chain_group, CHAIN_GROUP),
    "chain_group_async": (chain_group_async, CHAIN_GROUP_ASYNC),
    "executor_nesting": (executor_nesting, EXECUTOR_NESTING),
    "manual_run": (manual_run, MANUAL_RUN),
    "manual_run_async": (manual_run_async, MANUAL_RUN_ASYNC),
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_gives_langchain_cores_events(pkg: str, scenario: str) -> None:
    run, expected = SCENARIOS[scenario]
    assert run(pkg) == expected


# ----------------------------------------------------------------------------- reference only


def test_inherited_noops_are_skipped_whichever_mixin_they_come_from() -> None:
    """The engine calls only what a handler overrides (``_dispatch._NOOPS``): the mixins' no-ops
    and AsyncCallbackHandler's are skipped, overrides (also calling ``super()``) are not, and
    ``on_chat_model_start`` is always called (its default falls back to ``on_llm_start``)."""
    from reference.callbacks import AsyncCallbackHandler, BaseCallbackHandler, ChainManagerMixin
    from reference.callbacks._dispatch import HandlerSet

    class Mixed(BaseCallbackHandler, ChainManagerMixin):
        def on_chain_end(self, outputs: Any, **kw: Any) -> Any:
            return super().on_chain_end(outputs, **kw)

    handlers = [BaseCallbackHandler(), AsyncCallbackHandler(), Mixed()]
    hs = HandlerSet(handlers)
    assert hs.on_chain_start == ()
    assert [h for _, h in hs.on_chain_end] == [handlers[2]]
    for event in ("on_llm_start", "on_llm_end", "on_tool_end", "on_retriever_end", "on_text",
                  "on_retry", "on_custom_event", "on_agent_action", "on_agent_finish"):
        assert hs.pairs(event) == (), event
    assert [h for _, h in hs.on_chat_model_start] == handlers


@pytest.mark.parametrize("pkg", PKGS)
def test_run_in_executor_raises_stop_iteration_as_runtime_error(pkg: str) -> None:
    """An asyncio future cannot carry StopIteration: it comes out as the cause of a
    RuntimeError (with an executor as with a config)."""
    run_in_executor = load(pkg, "runnables.config", "run_in_executor")

    async def go(where: Any) -> Any:
        return await run_in_executor(where, next, iter(()))

    with ThreadPoolExecutor(1) as pool:
        for where in (None, {}, pool):
            with pytest.raises(RuntimeError) as info:
                asyncio.run(go(where))
            assert isinstance(info.value.__cause__, StopIteration)
    assert asyncio.run(run_in_executor(None, sorted, [2, 1], reverse=True)) == [2, 1]
