"""langchain_core's tracer API on the reference: ``BaseTracer`` subclasses see the same run trees.

Each scenario is written once against a package prefix and returns a
normalised view of what a tracer persisted: per run its name, run type,
inputs and outputs (as shapes), error (its ``repr``, the part before the
traceback), tags, metadata, event names and children, nested as the tracer
built them. Ids and times are left out; what they must satisfy (one trace id
per tree, dotted orders extending the parent's, parent ids, start before end)
is checked while the view is made. The expected views are written out by hand
from langchain-core 1.8.3; where it is installed the scenarios run on it too.

Two things the views leave out on purpose: langchain_core's own tags on
sequence steps, parallel branches and retries (``seq:step:N``, ``map:key:K``,
``retry:attempt:N``, which the
reference does not add: SPEC.md §3 lets an implementation add tags the suite
did not create), and the ``ls_*``/``lc_versions`` metadata langchain_core's
models add about themselves.
"""

from __future__ import annotations

import asyncio
import importlib
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

MODULE_NAMES: dict[str, list[str]] = {
    "tracers": ["BaseTracer", "Run"],
    "tracers.base": ["BaseTracer", "AsyncBaseTracer"],
    "tracers.schemas": ["Run"],
    "tracers.context": ["collect_runs", "register_configure_hook", "run_collector_var"],
    "tracers.run_collector": ["RunCollectorCallbackHandler"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_tracer_module_paths_offer_langchain_cores_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    missing = [name for name in MODULE_NAMES[module] if not hasattr(mod, name)]
    assert not missing, f"{pkg}.{module} lacks {missing}"


# -- the normalised view -------------------------------------------------------------------

_ENGINE_TAG = re.compile(r"^(seq:step:\d+|map:key:.+|retry:attempt:\d+)$")


def _meta(run: Any) -> dict[str, Any]:
    return {k: v for k, v in run.metadata.items() if not k.startswith(("ls_", "lc_"))}


def _payload(run: Any, data: dict[str, Any]) -> str:
    if run.run_type == "llm" and "generations" in data:  # a dumped LLMResult
        gens = [
            [(g["type"], g["text"], (g.get("message") or {}).get("id", [""])[-1])
             for g in batch]
            for batch in data["generations"]
        ]
        return f"LLMResult{sorted(data)} {gens}"
    return shape(data)


def _events(run: Any) -> list[str]:
    out = []
    for e in run.events:
        if e["name"] == "new_token":
            out.append(f"token:{e['kwargs']['token']}")
        else:
            out.append(e["name"])
    return out


def view(run: Any, parent: Any = None) -> tuple[Any, ...]:
    """``run``'s tree as comparable tuples; checks ids, dotted order and times on the way."""
    if parent is None:
        assert run.parent_run_id is None
        assert run.trace_id == run.id
        assert run.dotted_order.endswith(str(run.id)) and "." not in run.dotted_order
    else:
        assert run.parent_run_id == parent.id
        assert run.trace_id == parent.trace_id
        assert run.dotted_order.startswith(parent.dotted_order + ".")
        assert run.dotted_order.endswith(str(run.id))
    assert run.end_time is not None and run.start_time <= run.end_time
    assert run.extra.get("metadata", {}) is run.metadata or not run.metadata
    children = [view(c, run) for c in run.child_runs]
    if run.name.startswith("RunnableParallel"):  # branches start in any order
        children.sort(key=repr)
    error = None if run.error is None else run.error.split("Traceback")[0]
    return (
        run.name,
        run.run_type,
        _payload(run, run.inputs),
        _payload(run, run.outputs) if run.outputs else None,
        error,
        [t for t in run.tags or () if not _ENGINE_TAG.match(t)],
        _meta(run),
        _events(run),
        children,
    )


def tracer(pkg: str) -> Any:
    """A ``BaseTracer`` of ``pkg`` keeping its persisted roots and the order of its hooks."""
    base = load(pkg, "tracers.base", "BaseTracer")

    class Keeper(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.roots: list[Any] = []
            self.calls: list[tuple[str, str]] = []
            self.lock = threading.Lock()

        def _note(self, what: str, run: Any) -> None:
            with self.lock:
                self.calls.append((what, run.name))

        def _persist_run(self, run: Any) -> None:
            self._note("persist", run)
            self.roots.append(run)

        def _on_run_create(self, run: Any) -> None:
            self._note("create", run)

        def _on_run_update(self, run: Any) -> None:
            self._note("update", run)

        def _on_chain_start(self, run: Any) -> None:
            self._note("chain_start", run)

        def _on_chain_end(self, run: Any) -> None:
            self._note("chain_end", run)

        def _on_chain_error(self, run: Any) -> None:
            self._note("chain_error", run)

        def _on_llm_start(self, run: Any) -> None:
            self._note("llm_start", run)

        def _on_llm_end(self, run: Any) -> None:
            self._note("llm_end", run)

        def _on_llm_new_token(self, run: Any, token: Any, chunk: Any) -> None:
            self._note("llm_new_token", run)

        def _on_tool_start(self, run: Any) -> None:
            self._note("tool_start", run)

        def _on_tool_end(self, run: Any) -> None:
            self._note("tool_end", run)

        def _on_tool_error(self, run: Any) -> None:
            self._note("tool_error", run)

        def _on_retriever_start(self, run: Any) -> None:
            self._note("retriever_start", run)

        def _on_retriever_end(self, run: Any) -> None:
            self._note("retriever_end", run)

    return Keeper()


def views(runs: list[Any]) -> list[tuple[Any, ...]]:
    return [view(r) for r in runs]


# -- what the scenarios run ----------------------------------------------------------------


def _parts(pkg: str) -> dict[str, Any]:
    """The runnables the scenarios compose, made from ``pkg``'s classes."""
    lam = load(pkg, "runnables", "RunnableLambda")
    base_retriever = load(pkg, "retrievers", "BaseRetriever")
    document = load(pkg, "documents", "Document")
    tool = load(pkg, "tools", "tool")

    class Shelf(base_retriever):  # type: ignore[misc, valid-type]
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            return [document(page_content=f"about {query}")]

    @tool
    def shout(text: str) -> str:
        """Upper-case ``text``."""
        return text.upper()

    def caller(d: dict[str, Any]) -> str:  # invokes a child without passing config
        return lam(lambda q: q + "!", name="inner").invoke(d["q"])  # type: ignore[no-any-return]

    def pick(d: dict[str, Any]) -> str:
        return d["q"]  # type: ignore[no-any-return]

    return {"lam": lam, "Shelf": Shelf, "shout": shout, "caller": caller, "pick": pick}


def _nested(pkg: str, fail: bool) -> Any:
    """wrap | {a: caller -> inner, b: prompt | chat model | parser, c: pick | tool,
    d: pick | retriever} | (last, or a step raising ValueError)."""
    p = _parts(pkg)
    lam = p["lam"]
    parallel = load(pkg, "runnables", "RunnableParallel")
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(
        responses=["hi there"]
    )
    parser = load(pkg, "output_parsers", "StrOutputParser")()

    def boom(d: dict[str, Any]) -> Any:
        raise ValueError("no " + d["c"])

    def last(d: dict[str, Any]) -> str:
        return f"{d['a']}|{d['b']}|{d['c']}|{len(d['d'])}"

    branches = parallel(
        a=lam(p["caller"], name="caller"),
        b=prompt | model | parser,
        c=lam(p["pick"], name="pick") | p["shout"],
        d=lam(p["pick"], name="pick") | p["Shelf"](),
    )
    return lam(lambda x: {"q": x}, name="wrap") | branches | lam(boom if fail else last,
                                                                 name="end")


def nested_chain_tree(pkg: str) -> Any:
    t = tracer(pkg)
    out = _nested(pkg, False).invoke("q", {"callbacks": [t], "tags": ["tg"],
                                           "metadata": {"m": 1}})
    return out, views(t.roots)


def nested_chain_fails(pkg: str) -> Any:
    t = tracer(pkg)
    with pytest.raises(ValueError, match="no Q"):
        _nested(pkg, True).invoke("q", {"callbacks": [t]})
    return views(t.roots)


def hook_order(pkg: str) -> Any:
    """Which hooks a tracer's subclass gets, in order, for a two-step sequence."""
    lam = load(pkg, "runnables", "RunnableLambda")
    t = tracer(pkg)
    (lam(lambda x: x + 1, name="one") | lam(lambda x: x * 2, name="two")).invoke(
        1, {"callbacks": [t]}
    )
    return t.calls


def _small(pkg: str) -> Any:
    """wrap | prompt | chat model: deterministic, one run per step.

    No parser after the model: streamed, a parser's run starts with the model's first chunk
    on the reference and ends with langchain_core's ``inputs=`` (every chunk added up) there,
    so its traced inputs differ (the reference sends no ``inputs`` on a chain's end).
    """
    lam = load(pkg, "runnables", "RunnableLambda")
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(
        responses=["ok"]
    )
    return lam(lambda x: {"q": x}, name="wrap") | prompt | model


def _roots(t: Any) -> list[tuple[Any, ...]]:
    return sorted(views(t.roots), key=repr)


def brief(v: tuple[Any, ...]) -> tuple[Any, ...]:
    """A view without error, tags and metadata: name, type, inputs, outputs, events, children."""
    name, run_type, inputs, outputs, _error, _tags, _meta, events, children = v
    return (name, run_type, inputs, outputs, events, [brief(c) for c in children])


def every_mode(pkg: str) -> Any:
    """The same chain under invoke, ainvoke, batch, abatch, stream and astream."""
    chain = _small(pkg)
    seen: dict[str, Any] = {}

    def fresh() -> tuple[Any, dict[str, Any]]:
        t = tracer(pkg)
        return t, {"callbacks": [t]}

    def _roots(t: Any) -> list[tuple[Any, ...]]:
        return [brief(v) for v in sorted(views(t.roots), key=repr)]

    t, cfg = fresh()
    chain.invoke("a", cfg)
    seen["invoke"] = _roots(t)
    t, cfg = fresh()
    chain.batch(["a", "b"], cfg)
    seen["batch"] = _roots(t)
    t, cfg = fresh()
    list(chain.stream("a", cfg))
    seen["stream"] = _roots(t)

    async def go() -> None:
        t, cfg = fresh()
        await chain.ainvoke("a", cfg)
        seen["ainvoke"] = _roots(t)
        t, cfg = fresh()
        await chain.abatch(["a", "b"], cfg)
        seen["abatch"] = _roots(t)
        t, cfg = fresh()
        _ = [c async for c in chain.astream("a", cfg)]
        seen["astream"] = _roots(t)

    asyncio.run(go())
    return seen


def streamed_tokens(pkg: str) -> Any:
    """A streamed chat model's llm run: one new_token event per token, sync and async."""
    fake = load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")
    ai = load(pkg, "messages", "AIMessage")
    t = tracer(pkg)
    list(fake(messages=iter([ai("one two")])).stream("hi", {"callbacks": [t]}))

    async def go() -> None:
        model = fake(messages=iter([ai("three")]))
        _ = [c async for c in model.astream("hi", {"callbacks": [t]})]

    asyncio.run(go())
    return views(t.roots), [c for c in t.calls if c[0] == "llm_new_token"]


def collected(pkg: str) -> Any:
    """``collect_runs``: every root started in the block, sync, async and in threads; none after."""
    collect_runs = load(pkg, "tracers.context", "collect_runs")
    lam = load(pkg, "runnables", "RunnableLambda")
    chain = lam(lambda x: x + 1, name="one") | lam(lambda x: x * 2, name="two")
    other = tracer(pkg)
    with collect_runs() as cb:
        chain.invoke(1)
        chain.invoke(2, {"callbacks": [other]})
        chain.batch([3, 4])
        asyncio.run(chain.ainvoke(5))
    chain.invoke(6)
    ids = [r.id for r in cb.traced_runs]
    assert len(set(ids)) == len(ids)
    roots = sorted(views(cb.traced_runs), key=repr)
    return type(cb).__name__, roots, len(other.roots)


def collector_with_example(pkg: str) -> Any:
    """``RunCollectorCallbackHandler(example_id=...)``: root copies carry the example id."""
    from uuid import UUID

    collector = load(pkg, "tracers.run_collector", "RunCollectorCallbackHandler")
    lam = load(pkg, "runnables", "RunnableLambda")
    example = "00000000-0000-4000-8000-000000000001"
    cb = collector(example_id=example)
    (lam(lambda x: x, name="a") | lam(lambda x: x, name="b")).invoke(0, {"callbacks": [cb]})
    (run,) = cb.traced_runs
    return views(cb.traced_runs), run.reference_example_id == UUID(example), [
        c.reference_example_id for c in run.child_runs
    ]


def where_bound(pkg: str) -> Any:
    """Run time, ``with_config`` on a step, constructor: each tracer's roots are what it saw."""
    p = _parts(pkg)
    lam = p["lam"]
    model_cls = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")
    at_run, bound, built = tracer(pkg), tracer(pkg), tracer(pkg)
    chain = (
        lam(lambda x: x, name="first")
        | (lam(p["caller"], name="caller")).with_config(callbacks=[bound])
        | model_cls(responses=["r"], callbacks=[built])
        | lam(lambda m: m.content, name="text")
        | p["Shelf"]()
    )
    chain.invoke({"q": "q"}, {"callbacks": [at_run]})
    return {name: [(r[0], r[1], len(r[8])) for r in views(t.roots)]
            for name, t in (("at_run", at_run), ("bound", bound), ("built", built))
            }, views(bound.roots)


def async_tracer(pkg: str) -> Any:
    """An ``AsyncBaseTracer`` subclass with coroutine hooks, in async and sync invocations."""
    base = load(pkg, "tracers.base", "AsyncBaseTracer")

    class AKeeper(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.roots: list[Any] = []
            self.created: list[str] = []

        async def _persist_run(self, run: Any) -> None:
            await asyncio.sleep(0)
            self.roots.append(run)

        async def _on_run_create(self, run: Any) -> None:
            self.created.append(run.name)

    chain = _small(pkg)
    t = AKeeper()
    asyncio.run(chain.ainvoke("a", {"callbacks": [t]}))
    chain.invoke("b", {"callbacks": [t]})
    return views(t.roots), t.created


def failures_and_retries(pkg: str) -> Any:
    """A failing tool, a failing retriever and a step that succeeds on its second attempt."""
    lam = load(pkg, "runnables", "RunnableLambda")
    tool = load(pkg, "tools", "tool")
    base_retriever = load(pkg, "retrievers", "BaseRetriever")

    @tool
    def broken(text: str) -> str:
        """Always fails."""
        raise RuntimeError("tool down")

    class Dead(base_retriever):  # type: ignore[misc, valid-type]
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            raise LookupError("index gone")

    calls: list[int] = []

    def flaky(x: int) -> int:
        calls.append(x)
        if len(calls) == 1:
            raise ConnectionError("first try")
        return x

    t = tracer(pkg)
    with pytest.raises(RuntimeError):
        (lam(lambda x: x, name="pre") | broken).invoke("a", {"callbacks": [t]})
    with pytest.raises(LookupError):
        Dead().invoke("a", {"callbacks": [t]})
    retried = lam(flaky, name="flaky").with_retry(
        stop_after_attempt=2, wait_exponential_jitter=False
    )
    (lam(lambda x: x, name="pre") | retried).invoke(7, {"callbacks": [t]})
    return views(t.roots), [c for c in t.calls if "error" in c[0]]


def threads_share_one_tracer(pkg: str) -> Any:
    """One tracer, 16 trees built at once in threads: each root whole, none mixed up."""
    lam = load(pkg, "runnables", "RunnableLambda")
    parallel = load(pkg, "runnables", "RunnableParallel")
    chain = lam(lambda x: x, name="in") | parallel(
        a=lam(lambda x: x + 1, name="a"), b=lam(lambda x: x * 2, name="b")
    )
    t = tracer(pkg)
    out = chain.batch(list(range(16)), {"callbacks": [t], "max_concurrency": 8})
    roots = sorted(t.roots, key=lambda r: r.inputs["input"])
    assert [r.inputs["input"] for r in roots] == list(range(16))
    for r in roots:
        branch = {c.name: c.outputs["output"] for c in r.child_runs[1].child_runs}
        assert branch == {"a": r.inputs["input"] + 1, "b": r.inputs["input"] * 2}
    return out == [{"a": i + 1, "b": i * 2} for i in range(16)], len(t.run_map), views(roots[:1])


SCENARIOS: dict[str, Callable[[str], Any]] = {
    "collected": collected,
    "collector_with_example": collector_with_example,
    "where_bound": where_bound,
    "async_tracer": async_tracer,
    "failures_and_retries": failures_and_retries,
    "threads_share_one_tracer": threads_share_one_tracer,
    "hook_order": hook_order,
    "every_mode": every_mode,
    "streamed_tokens": streamed_tokens,
    "nested_chain_tree": nested_chain_tree,
    "nested_chain_fails": nested_chain_fails,
}


#: What each scenario gives on langchain-core 1.8.3 (written out from it; read, not regenerated).
EXPECTED: dict[str, Any] = {
    "async_tracer": (
    ([('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessage('ok')}", None, [], {},
       ['start', 'end'],
       [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", None, [], {}, ['start', 'end'], []),
        ('ChatPromptTemplate', 'prompt', "{'q': 'a'}", "{'output': ChatPromptValue('Human: a')}",
         None, [], {}, ['start', 'end'], []),
        ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
         "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', 'ok', "
         "'AIMessage')]]",
         None, [], {}, ['start', 'end'], [])]),
      ('RunnableSequence', 'chain', "{'input': 'b'}", "{'output': AIMessage('ok')}", None, [], {},
       ['start', 'end'],
       [('wrap', 'chain', "{'input': 'b'}", "{'q': 'b'}", None, [], {}, ['start', 'end'], []),
        ('ChatPromptTemplate', 'prompt', "{'q': 'b'}", "{'output': ChatPromptValue('Human: b')}",
         None, [], {}, ['start', 'end'], []),
        ('FakeListChatModel', 'llm', "{'prompts': ['Human: b']}",
         "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', 'ok', "
         "'AIMessage')]]",
         None, [], {}, ['start', 'end'], [])])],
     ['RunnableSequence', 'wrap', 'ChatPromptTemplate', 'FakeListChatModel', 'RunnableSequence',
      'wrap', 'ChatPromptTemplate', 'FakeListChatModel'])
    ),
    "collected": (
    ('RunCollectorCallbackHandler',
     [('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('one', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('two', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], [])]),
      ('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('one', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('two', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], [])]),
      ('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('one', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('two', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], [])]),
      ('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('one', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('two', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], [])]),
      ('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('one', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('two', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'],
         [])])],
     1)
    ),
    "collector_with_example": (
    ([('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('a', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('b', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], [])])],
     True, [None, None])
    ),
    "every_mode": (
    {'abatch': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessage('ok')}",
                 ['start', 'end'],
                 [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                  ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                   "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                  ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                   "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                   "'ok', 'AIMessage')]]",
                   ['start', 'end'], [])]),
                ('RunnableSequence', 'chain', "{'input': 'b'}", "{'output': AIMessage('ok')}",
                 ['start', 'end'],
                 [('wrap', 'chain', "{'input': 'b'}", "{'q': 'b'}", ['start', 'end'], []),
                  ('ChatPromptTemplate', 'prompt', "{'q': 'b'}",
                   "{'output': ChatPromptValue('Human: b')}", ['start', 'end'], []),
                  ('FakeListChatModel', 'llm', "{'prompts': ['Human: b']}",
                   "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                   "'ok', 'AIMessage')]]",
                   ['start', 'end'], [])])],
     'ainvoke': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessage('ok')}",
                  ['start', 'end'],
                  [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                   ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                    "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                   ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                    "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                    "'ok', 'AIMessage')]]",
                    ['start', 'end'], [])])],
     'astream': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessageChunk('ok')}",
                  ['start', 'end'],
                  [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                   ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                    "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                   ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                    "LLMResult['generations', 'llm_output', 'run', 'type'] "
                    "[[('ChatGenerationChunk', 'ok', 'AIMessageChunk')]]",
                    ['start', 'token:o', 'token:k', 'end'], [])])],
     'batch': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessage('ok')}",
                ['start', 'end'],
                [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                 ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                  "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                 ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                  "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                  "'ok', 'AIMessage')]]",
                  ['start', 'end'], [])]),
               ('RunnableSequence', 'chain', "{'input': 'b'}", "{'output': AIMessage('ok')}",
                ['start', 'end'],
                [('wrap', 'chain', "{'input': 'b'}", "{'q': 'b'}", ['start', 'end'], []),
                 ('ChatPromptTemplate', 'prompt', "{'q': 'b'}",
                  "{'output': ChatPromptValue('Human: b')}", ['start', 'end'], []),
                 ('FakeListChatModel', 'llm', "{'prompts': ['Human: b']}",
                  "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                  "'ok', 'AIMessage')]]",
                  ['start', 'end'], [])])],
     'invoke': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessage('ok')}",
                 ['start', 'end'],
                 [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                  ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                   "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                  ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                   "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', "
                   "'ok', 'AIMessage')]]",
                   ['start', 'end'], [])])],
     'stream': [('RunnableSequence', 'chain', "{'input': 'a'}", "{'output': AIMessageChunk('ok')}",
                 ['start', 'end'],
                 [('wrap', 'chain', "{'input': 'a'}", "{'q': 'a'}", ['start', 'end'], []),
                  ('ChatPromptTemplate', 'prompt', "{'q': 'a'}",
                   "{'output': ChatPromptValue('Human: a')}", ['start', 'end'], []),
                  ('FakeListChatModel', 'llm', "{'prompts': ['Human: a']}",
                   "LLMResult['generations', 'llm_output', 'run', 'type'] "
                   "[[('ChatGenerationChunk', 'ok', 'AIMessageChunk')]]",
                   ['start', 'token:o', 'token:k', 'end'], [])])]}
    ),
    "failures_and_retries": (
    ([('RunnableSequence', 'chain', "{'input': 'a'}", None, "RuntimeError('tool down')", [], {},
       ['start', 'error'],
       [('pre', 'chain', "{'input': 'a'}", "{'output': 'a'}", None, [], {}, ['start', 'end'], []),
        ('broken', 'tool', "{'input': 'a'}", None, "RuntimeError('tool down')", [], {},
         ['start', 'error'], [])]),
      ('Dead', 'retriever', "{'query': 'a'}", None, "LookupError('index gone')", [], {},
       ['start', 'error'], []),
      ('RunnableSequence', 'chain', "{'input': int}", "{'output': int}", None, [], {},
       ['start', 'end'],
       [('pre', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('flaky', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'],
         [('flaky', 'chain', "{'input': int}", None, "ConnectionError('first try')", [], {},
           ['start', 'error'], []),
          ('flaky', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'],
           [])])])],
     [('tool_error', 'broken'), ('chain_error', 'RunnableSequence'), ('chain_error', 'flaky')])
    ),
    "hook_order": (
    [('create', 'RunnableSequence'), ('chain_start', 'RunnableSequence'), ('create', 'one'),
     ('chain_start', 'one'), ('update', 'one'), ('chain_end', 'one'), ('create', 'two'),
     ('chain_start', 'two'), ('update', 'two'), ('chain_end', 'two'),
     ('persist', 'RunnableSequence'), ('update', 'RunnableSequence'),
     ('chain_end', 'RunnableSequence')]
    ),
    "nested_chain_fails": (
    [('RunnableSequence', 'chain', "{'input': 'q'}", None, "ValueError('no Q')", [], {},
      ['start', 'error'],
      [('wrap', 'chain', "{'input': 'q'}", "{'q': 'q'}", None, [], {}, ['start', 'end'], []),
       ('RunnableParallel<a,b,c,d>', 'chain', "{'q': 'q'}",
        "{'a': 'q!', 'b': 'hi there', 'c': 'Q', 'd': [Document]}", None, [], {}, ['start', 'end'],
        [('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': 'Q'}", None, [], {},
          ['start', 'end'],
          [('pick', 'chain', "{'q': 'q'}", "{'output': 'q'}", None, [], {}, ['start', 'end'], []),
           ('shout', 'tool', "{'input': 'q'}", "{'output': 'Q'}", None, [], {}, ['start', 'end'],
            [])]),
         ('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': 'hi there'}", None, [], {},
          ['start', 'end'],
          [('ChatPromptTemplate', 'prompt', "{'q': 'q'}", "{'output': ChatPromptValue('Human: q')}",
            None, [], {}, ['start', 'end'], []),
           ('FakeListChatModel', 'llm', "{'prompts': ['Human: q']}",
            "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', 'hi "
            "there', 'AIMessage')]]",
            None, [], {}, ['start', 'end'], []),
           ('StrOutputParser', 'parser', "{'input': AIMessage('hi there')}",
            "{'output': 'hi there'}", None, [], {}, ['start', 'end'], [])]),
         ('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': [Document]}", None, [], {},
          ['start', 'end'],
          [('pick', 'chain', "{'q': 'q'}", "{'output': 'q'}", None, [], {}, ['start', 'end'], []),
           ('Shelf', 'retriever', "{'query': 'q'}", "{'documents': [Document]}", None, [], {},
            ['start', 'end'], [])]),
         ('caller', 'chain', "{'q': 'q'}", "{'output': 'q!'}", None, [], {}, ['start', 'end'],
          [('inner', 'chain', "{'input': 'q'}", "{'output': 'q!'}", None, [], {}, ['start', 'end'],
            [])])]),
       ('end', 'chain', "{'a': 'q!', 'b': 'hi there', 'c': 'Q', 'd': [Document]}", None,
        "ValueError('no Q')", [], {}, ['start', 'error'], [])])]
    ),
    "nested_chain_tree": (
    ('q!|hi there|Q|1',
     [('RunnableSequence', 'chain', "{'input': 'q'}", "{'output': 'q!|hi there|Q|1'}", None, ['tg'],
       {'m': 1}, ['start', 'end'],
       [('wrap', 'chain', "{'input': 'q'}", "{'q': 'q'}", None, ['tg'], {'m': 1}, ['start', 'end'],
         []),
        ('RunnableParallel<a,b,c,d>', 'chain', "{'q': 'q'}",
         "{'a': 'q!', 'b': 'hi there', 'c': 'Q', 'd': [Document]}", None, ['tg'], {'m': 1},
         ['start', 'end'],
         [('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': 'Q'}", None, ['tg'], {'m': 1},
           ['start', 'end'],
           [('pick', 'chain', "{'q': 'q'}", "{'output': 'q'}", None, ['tg'], {'m': 1},
             ['start', 'end'], []),
            ('shout', 'tool', "{'input': 'q'}", "{'output': 'Q'}", None, ['tg'], {'m': 1},
             ['start', 'end'], [])]),
          ('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': 'hi there'}", None, ['tg'],
           {'m': 1}, ['start', 'end'],
           [('ChatPromptTemplate', 'prompt', "{'q': 'q'}",
             "{'output': ChatPromptValue('Human: q')}", None, ['tg'], {'m': 1}, ['start', 'end'],
             []),
            ('FakeListChatModel', 'llm', "{'prompts': ['Human: q']}",
             "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGeneration', 'hi "
             "there', 'AIMessage')]]",
             None, ['tg'], {'m': 1}, ['start', 'end'], []),
            ('StrOutputParser', 'parser', "{'input': AIMessage('hi there')}",
             "{'output': 'hi there'}", None, ['tg'], {'m': 1}, ['start', 'end'], [])]),
          ('RunnableSequence', 'chain', "{'q': 'q'}", "{'output': [Document]}", None, ['tg'],
           {'m': 1}, ['start', 'end'],
           [('pick', 'chain', "{'q': 'q'}", "{'output': 'q'}", None, ['tg'], {'m': 1},
             ['start', 'end'], []),
            ('Shelf', 'retriever', "{'query': 'q'}", "{'documents': [Document]}", None, ['tg'],
             {'m': 1}, ['start', 'end'], [])]),
          ('caller', 'chain', "{'q': 'q'}", "{'output': 'q!'}", None, ['tg'], {'m': 1},
           ['start', 'end'],
           [('inner', 'chain', "{'input': 'q'}", "{'output': 'q!'}", None, ['tg'], {'m': 1},
             ['start', 'end'], [])])]),
        ('end', 'chain', "{'a': 'q!', 'b': 'hi there', 'c': 'Q', 'd': [Document]}",
         "{'output': 'q!|hi there|Q|1'}", None, ['tg'], {'m': 1}, ['start', 'end'], [])])])
    ),
    "streamed_tokens": (
    ([('GenericFakeChatModel', 'llm', "{'prompts': ['Human: hi']}",
       "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGenerationChunk', 'one two', "
       "'AIMessageChunk')]]",
       None, [], {}, ['start', 'token:one', 'token: ', 'token:two', 'end'], []),
      ('GenericFakeChatModel', 'llm', "{'prompts': ['Human: hi']}",
       "LLMResult['generations', 'llm_output', 'run', 'type'] [[('ChatGenerationChunk', 'three', "
       "'AIMessageChunk')]]",
       None, [], {}, ['start', 'token:three', 'end'], [])],
     [('llm_new_token', 'GenericFakeChatModel'), ('llm_new_token', 'GenericFakeChatModel'),
      ('llm_new_token', 'GenericFakeChatModel'), ('llm_new_token', 'GenericFakeChatModel')])
    ),
    "threads_share_one_tracer": (
    (True, 0,
     [('RunnableSequence', 'chain', "{'input': int}", "{'a': int, 'b': int}", None, [], {},
       ['start', 'end'],
       [('in', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
        ('RunnableParallel<a,b>', 'chain', "{'input': int}", "{'a': int, 'b': int}", None, [], {},
         ['start', 'end'],
         [('a', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'], []),
          ('b', 'chain', "{'input': int}", "{'output': int}", None, [], {}, ['start', 'end'],
           [])])])])
    ),
    "where_bound": (
    ({'at_run': [('RunnableSequence', 'chain', 5)],
      'bound': [('caller', 'chain', 1)],
      'built': [('FakeListChatModel', 'llm', 0)]},
     [('caller', 'chain', "{'q': 'q'}", "{'output': 'q!'}", None, [], {}, ['start', 'end'],
       [('inner', 'chain', "{'input': 'q'}", "{'output': 'q!'}", None, [], {}, ['start', 'end'],
         [])])])
    ),
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_tracer_scenario_gives_langchain_cores_trees(pkg: str, scenario: str) -> None:
    assert SCENARIOS[scenario](pkg) == EXPECTED[scenario]


def test_every_scenario_has_an_expectation() -> None:
    assert sorted(SCENARIOS) == sorted(EXPECTED)


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tracer_without_persist_run_cannot_be_made(pkg: str) -> None:
    base = load(pkg, "tracers.base", "BaseTracer")

    class NoPersist(base):  # type: ignore[misc, valid-type]
        pass

    with pytest.raises(TypeError, match="_persist_run"):
        NoPersist()


@pytest.mark.parametrize("pkg", PKGS)
def test_original_chat_format_traces_chat_model_runs(pkg: str) -> None:
    """``_schema_format="original+chat"``: a chat model's run is ``chat_model``, its inputs
    the messages dumped as constructor records."""
    base = load(pkg, "tracers.base", "BaseTracer")
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["r"])

    class Chat(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__(_schema_format="original+chat")
            self.roots: list[Any] = []

        def _persist_run(self, run: Any) -> None:
            self.roots.append(run)

    t = Chat()
    model.invoke("hello", {"callbacks": [t]})
    (run,) = t.roots
    assert run.run_type == "chat_model"
    ((message,),) = run.inputs["messages"]
    assert message["id"][-1] == "HumanMessage"
    assert {k: message["kwargs"][k] for k in ("content", "type")} == {
        "content": "hello", "type": "human"}
    assert run.outputs["generations"][0][0]["message"]["kwargs"]["content"] == "r"


@pytest.mark.parametrize("pkg", PKGS)
def test_run_offers_langsmiths_fields_and_defaults(pkg: str) -> None:
    from uuid import UUID

    run_cls = load(pkg, "tracers.schemas", "Run")
    run = run_cls(name="x", run_type="tool", inputs={"a": 1}, extra={"metadata": {"k": "v"}})
    assert isinstance(run.id, UUID) and run.trace_id == run.id
    assert (run.outputs, run.tags, run.events, run.child_runs, run.error) == ({}, [], [], [], None)
    assert run.metadata == {"k": "v"} and run.latency is None
    named = run_cls(serialized={"name": "from-serialized"}, inputs={})
    assert named.name == "from-serialized" and named.run_type == "chain"
    copy = run.model_copy(update={"name": "y"})
    assert (copy.name, copy.id, copy.child_runs is run.child_runs) == ("y", run.id, True)
    dumped = run.model_dump(exclude={"child_runs"})
    assert dumped["name"] == "x" and "child_runs" not in dumped


def test_run_rejects_unknown_fields() -> None:
    run_cls = load("reference", "tracers.schemas", "Run")
    with pytest.raises(TypeError, match="unknown field"):
        run_cls(name="x", nmae="typo")


def test_a_long_lived_tracer_keeps_nothing_of_finished_traces() -> None:
    """Reference only: langchain_core's ``order_map`` keeps every run id it ever saw."""
    lam = load("reference", "runnables", "RunnableLambda")
    t = tracer("reference")
    chain = lam(lambda x: x, name="a") | lam(lambda x: x, name="b")
    for i in range(50):
        chain.invoke(i, {"callbacks": [t]})
    assert len(t.roots) == 50
    assert (t.run_map, t.order_map, t._trace_members) == ({}, {}, {})


def test_unsupported_configure_hook_options_say_so() -> None:
    from contextvars import ContextVar

    register = load("reference", "tracers.context", "register_configure_hook")
    with pytest.raises(NotImplementedError, match="env_var"):
        register(ContextVar("v", default=None), True, env_var="X")
    with pytest.raises(TypeError, match="ContextVar"):
        register("not a var", True)


def test_handlers_that_are_not_tracers_pay_nothing() -> None:
    """Importing the tracers registers no configure hook; ``collect_runs`` registers one."""
    import subprocess
    import sys

    code = (
        "import reference.tracers, reference.tracers.base, reference.tracers.run_collector\n"
        "from reference.callbacks._hooks import HOOKS\n"
        "assert HOOKS == [], HOOKS\n"
        "from reference.tracers.context import collect_runs\n"
        "assert HOOKS == []\n"
        "with collect_runs():\n"
        "    pass\n"
        "assert len(HOOKS) == 1\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("pkg", PKGS)
def test_collect_runs_inside_a_run_sees_the_runs_started_in_it(pkg: str) -> None:
    """A block opened inside a function step: its runs become the collector's roots."""
    collect_runs = load(pkg, "tracers.context", "collect_runs")
    lam = load(pkg, "runnables", "RunnableLambda")
    inner = lam(lambda x: x + 1, name="inner") | lam(lambda x: x, name="again")
    boxes: list[Any] = []

    def step(x: int) -> int:
        with collect_runs() as cb:
            out: int = inner.invoke(x)
        boxes.append(cb)
        return out

    t = tracer(pkg)
    assert lam(step, name="step").invoke(1, {"callbacks": [t]}) == 2
    (cb,) = boxes
    assert [brief(v) for v in views(cb.traced_runs)] == [
        ("RunnableSequence", "chain", "{'input': int}", "{'output': int}", ["start", "end"],
         [("inner", "chain", "{'input': int}", "{'output': int}", ["start", "end"], []),
          ("again", "chain", "{'input': int}", "{'output': int}", ["start", "end"], [])])]
    assert [brief(v)[0] for v in views(t.roots)] == ["step"]
