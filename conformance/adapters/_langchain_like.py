"""One adapter for every implementation that mirrors langchain_core's public API.

The reference engine and langchain_core spell their classes the same way under different package
prefixes, so one builder serves both; the differences (which constructors take ``callbacks=``,
which leaves can fail) are class attributes that the concrete adapters set.
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ..adapter import Capabilities, HandlerFault, Outcome, Probe
from ..events import METHODS, EventSink, canonical
from ..model import Chain, HandlerSpec, Invocation, Node

__all__ = ["LangChainLikeAdapter", "make_recorder_class"]


_FAULT_KINDS: dict[str, frozenset[str]] = {
    "any": frozenset({"start", "token", "end", "error"}),
    "start": frozenset({"start"}),
    "end": frozenset({"end", "error"}),
}


class _Recorder:
    """State and the one recording routine shared by the sync and async recording handlers."""

    def __init__(self, spec: HandlerSpec, sink: EventSink) -> None:
        super().__init__()
        self.spec_id = spec.id
        self.fault_kinds = _FAULT_KINDS[spec.fault_on] if spec.fault != "none" else frozenset()
        self.raise_error = spec.fault == "raise_error"
        self._sink = sink
        self._types: dict[str, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec_id!r})"

    def _emit(self, method: str, args: tuple[Any, ...], kw: Mapping[str, Any]) -> None:
        kind, run_type = METHODS[method]
        run_id = str(kw.get("run_id"))
        with self._lock:
            if run_type is not None:
                self._types[run_id] = run_type
            else:
                run_type = self._types.get(run_id, "chain")
        sink = self._sink
        if kind == "start":
            serialized = args[0] if args else kw.get("serialized")
            payload = canonical(_argument(method, args[1:], kw))
            extra: dict[str, Any] = {"name": kw.get("name"), "serialized": serialized}
        else:
            value = _argument(method, args, kw)
            payload = sink.describe_error(value) if kind == "error" else canonical(value)
            extra = {}
        sink.record(
            self.spec_id, kind, run_id=kw.get("run_id"), parent_run_id=kw.get("parent_run_id"),
            run_type=run_type, tags=kw.get("tags"), metadata=kw.get("metadata"),
            method=method, payload=payload, **extra,
        )
        if kind in self.fault_kinds:
            if not self.raise_error:
                sink.fault_raised(self.spec_id, method)
            raise HandlerFault(f"handler {self.spec_id} fails on purpose ({kind})")


#: The keyword of each method's payload argument, for engines that pass it by keyword.
_PAYLOAD_KEYWORD: dict[str, str] = {
    "on_chain_start": "inputs", "on_chat_model_start": "messages", "on_llm_start": "prompts",
    "on_tool_start": "input_str", "on_retriever_start": "query",
    "on_chain_end": "outputs", "on_llm_end": "response", "on_tool_end": "output",
    "on_retriever_end": "documents", "on_llm_new_token": "token",
}


def _argument(method: str, args: tuple[Any, ...], kw: Mapping[str, Any]) -> Any:
    """The payload argument of a handler call: the first positional one, else its keyword."""
    if args:
        return args[0]
    return kw.get(_PAYLOAD_KEYWORD.get(method, "error"))


def _sync_method(name: str) -> Callable[..., None]:
    def method(self: _Recorder, *args: Any, **kw: Any) -> None:
        self._emit(name, args, kw)

    return method


def _async_method(name: str) -> Callable[..., Any]:
    async def method(self: _Recorder, *args: Any, **kw: Any) -> None:
        self._emit(name, args, kw)

    return method


def make_recorder_class(base: type, asynchronous: bool = False) -> type:
    """A recording handler class deriving from the implementation's (async) handler base."""
    make = _async_method if asynchronous else _sync_method
    namespace: dict[str, Any] = {m: make(m) for m in METHODS}
    namespace["__doc__"] = "Writes every callback into the suite's sink as a canonical event."
    name = "AsyncRecordingHandler" if asynchronous else "RecordingHandler"
    return type(name, (_Recorder, base), namespace)


class LangChainLikeAdapter:
    """Builds chain models with a langchain_core-shaped API found under ``prefix``."""

    name: str = "langchain-like"
    prefix: str = "langchain_core"
    version: str = "unknown"
    capabilities: Capabilities = Capabilities()
    #: Kinds whose constructor is given callbacks/tags/metadata directly.
    constructor_kwargs: frozenset[str] = frozenset()

    def __init__(self) -> None:
        p = self.prefix
        mod = importlib.import_module
        callbacks = mod(f"{p}.callbacks")
        runnables = mod(f"{p}.runnables")
        self._CallbackManager = callbacks.CallbackManager
        self._AsyncCallbackManager = callbacks.AsyncCallbackManager
        self._RunnableLambda = runnables.RunnableLambda
        self._RunnableSequence = runnables.RunnableSequence
        self._RunnableParallel = runnables.RunnableParallel
        self._RunnableConfig = runnables.RunnableConfig
        self._ChatPromptTemplate = mod(f"{p}.prompts").ChatPromptTemplate
        self._FakeListChatModel = mod(f"{p}.language_models").FakeListChatModel
        self._StrOutputParser = mod(f"{p}.output_parsers").StrOutputParser
        self._StructuredTool = mod(f"{p}.tools").StructuredTool
        self._BaseRetriever = mod(f"{p}.retrievers").BaseRetriever
        self._Document = mod(f"{p}.documents").Document
        self._Recorder = make_recorder_class(callbacks.BaseCallbackHandler)
        self._AsyncRecorder = make_recorder_class(callbacks.AsyncCallbackHandler, True)
        self._retriever_cls = self._make_retriever_class()

    # -- handlers ---------------------------------------------------------------------------
    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object:
        return (self._AsyncRecorder if spec.asynchronous else self._Recorder)(spec, sink)

    def _callbacks(self, ids: Sequence[str], handlers: Mapping[str, object],
                   as_manager: bool) -> Any:
        objs = [handlers[h] for h in ids]
        if not as_manager:
            return objs
        manager = self._CallbackManager(handlers=[])
        for h in objs:
            manager.add_handler(h, inherit=True)
        return manager

    # -- building ---------------------------------------------------------------------------
    def _make_retriever_class(self) -> type:
        base = self._BaseRetriever
        document = self._Document

        class ProbeRetriever(base):  # type: ignore[misc, valid-type]
            """Returns one document named after the node, or raises the node's failure."""

            label: str = ""
            fail: bool = False
            probe: Any = None

            def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
                if self.fail:
                    raise self.probe.failure(self.label)
                return [document(page_content=self.label)]

        return ProbeRetriever

    def _local(self, node: Node, handlers: Mapping[str, object]) -> dict[str, Any]:
        """Constructor keyword arguments for the node's own callbacks, tags and metadata."""
        kw: dict[str, Any] = {}
        if node.callbacks:
            kw["callbacks"] = self._callbacks(node.callbacks, handlers, node.callbacks_as_manager)
        if node.tags:
            kw["tags"] = list(node.tags)
        if node.metadata:
            kw["metadata"] = dict(node.metadata)
        return kw

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        built: dict[str, Any] = {}

        def get(label: str) -> Any:
            if label not in built:
                built[label] = self._build_node(chain[label], get, handlers, probe)
            return built[label]

        return get(chain.root)

    def _build_node(self, node: Node, get: Callable[[str], Any],
                    handlers: Mapping[str, object], probe: Probe) -> Any:
        label, kind = node.label, node.kind
        local = self._local(node, handlers)
        if kind != "binding" and local and kind not in self.constructor_kwargs:
            raise ValueError(f"{self.name}: {kind} does not take constructor callbacks/tags")
        if kind == "binding":
            config: dict[str, Any] = {}
            if node.callbacks:
                config["callbacks"] = local["callbacks"]
            if node.tags:
                config["tags"] = list(node.tags)
            if node.metadata:
                config["metadata"] = dict(node.metadata)
            return get(node.children[0]).with_config(**config)
        if kind == "sequence":
            steps = [get(c) for c in node.children]
            # langchain_core flattens a sequence given as a step into its parent, so the inner
            # sequence would have no run; an empty binding (which creates no run) keeps it whole.
            steps = [s.with_config({}) if isinstance(s, self._RunnableSequence) else s
                     for s in steps]
            return self._RunnableSequence(*steps, name=label, **local)
        if kind == "parallel":
            par = self._RunnableParallel({c: get(c) for c in node.children}, **local)
            par.name = label
            return par
        if kind == "lambda":
            return self._RunnableLambda(_leaf(node, probe), name=label, **local)
        if kind == "dynamic":
            func, afunc = _caller(node, [get(c) for c in node.children], probe)
            return self._RunnableLambda(func, afunc=afunc, name=label, **local)
        if kind == "tool":
            func, afunc = _caller(node, [get(c) for c in node.children], probe,
                                  self._RunnableConfig)
            return self._StructuredTool.from_function(
                func=func, coroutine=afunc, name=label, description=f"tool {label}", **local
            )
        if kind == "chat_model":
            return self._FakeListChatModel(responses=[f"{label} says hi"], name=label, **local)
        if kind == "prompt":
            prompt = self._ChatPromptTemplate.from_template("{input}", **local)
            prompt.name = label
            return prompt
        if kind == "parser":
            parser = self._StrOutputParser(**local)
            parser.name = label
            return parser
        if kind == "retriever":
            retriever = self._retriever_cls(name=label, **local)
            retriever.label, retriever.fail, retriever.probe = label, node.fail, probe
            return retriever
        raise ValueError(f"unknown node kind {kind!r}")

    # -- invoking ---------------------------------------------------------------------------
    def _config(self, invocation: Invocation,
                handlers: Mapping[str, object]) -> dict[str, Any] | list[dict[str, Any]]:
        """The config to invoke with: one dict, or one per input for ``item_callbacks``."""
        if invocation.item_callbacks:
            return [self._one_config(invocation, handlers, ids)
                    for ids in invocation.item_callbacks]
        return self._one_config(invocation, handlers, invocation.callbacks)

    def _one_config(self, invocation: Invocation, handlers: Mapping[str, object],
                    callbacks: Sequence[str]) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if callbacks:
            config["callbacks"] = self._callbacks(callbacks, handlers,
                                                  invocation.callbacks_as_manager)
        if invocation.tags:
            config["tags"] = list(invocation.tags)
        if invocation.metadata:
            config["metadata"] = dict(invocation.metadata)
        if invocation.run_name is not None:
            config["run_name"] = invocation.run_name
        if invocation.run_id is not None:
            config["run_id"] = uuid.UUID(invocation.run_id)
        return config

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        config = self._config(invocation, handlers)
        mode, inputs = invocation.mode, invocation.inputs
        if mode == "batch":
            try:
                results = root.batch(list(inputs), config, return_exceptions=True)
            except Exception as exc:
                return [Outcome(error=exc) for _ in inputs]
            return [_outcome_of(r) for r in results]
        try:
            if mode == "invoke":
                return [Outcome(value=canonical(root.invoke(inputs[0], config)))]
            if mode == "stream":
                return [Outcome(value=[canonical(c) for c in root.stream(inputs[0], config)])]
        except Exception as exc:
            return [Outcome(error=exc)]
        raise ValueError(f"invoke() cannot run mode {mode!r}")

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        config = self._config(invocation, handlers)
        mode, inputs = invocation.mode, invocation.inputs
        if mode == "abatch":
            try:
                results = await root.abatch(list(inputs), config, return_exceptions=True)
            except Exception as exc:
                return [Outcome(error=exc) for _ in inputs]
            return [_outcome_of(r) for r in results]
        try:
            if mode == "ainvoke":
                return [Outcome(value=canonical(await root.ainvoke(inputs[0], config)))]
            if mode == "astream":
                chunks = [canonical(c) async for c in root.astream(inputs[0], config)]
                return [Outcome(value=chunks)]
        except Exception as exc:
            return [Outcome(error=exc)]
        raise ValueError(f"ainvoke() cannot run mode {mode!r}")


def _outcome_of(result: Any) -> Outcome:
    if isinstance(result, BaseException):
        return Outcome(error=result)
    return Outcome(value=canonical(result))


def _leaf(node: Node, probe: Probe) -> Callable[[Any], str]:
    label, fail, delay = node.label, node.fail, probe.delay if node.slow else 0.0

    def leaf(value: Any) -> str:
        if delay:
            time.sleep(delay)
        if fail:
            raise probe.failure(label)
        return label

    leaf.__name__ = label
    return leaf


def call_children(children: Sequence[Any], value: Any, extra: tuple[Any, ...],
                  concurrent: bool) -> None:
    """Invoke every child with ``value`` (and ``extra`` arguments), as a function's body would.

    In turn, stopping at the first failure; or, when ``concurrent``, all at once in threads that
    each run in a copy of this context (as user code with langchain_core's
    ``ContextThreadPoolExecutor`` does), waiting for all before raising the first failure in
    declaration order.
    """
    if not concurrent:
        for child in children:
            child.invoke(value, *extra)
        return
    with ThreadPoolExecutor(max_workers=max(1, len(children))) as pool:
        futures = [pool.submit(contextvars.copy_context().run, child.invoke, value, *extra)
                   for child in children]
    for future in futures:
        future.result()


async def acall_children(children: Sequence[Any], value: Any, extra: tuple[Any, ...],
                         concurrent: bool) -> None:
    """Async twin of :func:`call_children`: concurrent children are asyncio tasks (gather)."""
    if not concurrent:
        for child in children:
            await child.ainvoke(value, *extra)
        return
    results = await asyncio.gather(*(child.ainvoke(value, *extra) for child in children),
                                   return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _caller(node: Node, children: list[Any], probe: Probe,
            config_type: Any = Any) -> tuple[Any, Any]:
    """Sync and async functions that invoke ``children`` (in turn or concurrently), forwarding
    config or not.

    ``config_type`` annotates the ``config`` parameter: tools recognise it by that annotation.
    """
    label, fail, concurrent = node.label, node.fail, node.concurrent
    if node.forward_config:

        def func(value: Any, config: Any) -> str:
            call_children(children, label, (config,), concurrent)
            if fail:
                raise probe.failure(label)
            return label

        async def afunc(value: Any, config: Any) -> str:
            await acall_children(children, label, (config,), concurrent)
            if fail:
                raise probe.failure(label)
            return label

    else:

        def func(value: Any) -> str:  # type: ignore[misc]
            call_children(children, label, (), concurrent)
            if fail:
                raise probe.failure(label)
            return label

        async def afunc(value: Any) -> str:  # type: ignore[misc]
            await acall_children(children, label, (), concurrent)
            if fail:
                raise probe.failure(label)
            return label

    for f in (func, afunc):
        f.__name__ = label
        f.__annotations__["value"] = str
        if "config" in f.__annotations__:
            f.__annotations__["config"] = config_type
    # A sync-only function has no coroutine: async modes run its body on a worker thread.
    return func, (None if node.sync_only else afunc)
