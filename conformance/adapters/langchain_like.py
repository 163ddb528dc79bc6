"""The adapter kit for runtimes whose API mirrors langchain_core's.

A runtime whose package ``P`` spells its classes as langchain_core does (``P.runnables.
RunnableLambda``, ``P.callbacks.BaseCallbackHandler``, ...) gets its adapter in a few lines: it
names its package and the node kinds it has, and the kit does the rest::

    from conformance.adapters.langchain_like import LangChainLikeAdapter

    class Adapter(LangChainLikeAdapter):
        name = "tinyrt"
        prefix = "tinyrt"
        kinds = ("lambda", "sequence", "parallel", "binding")

How the kit builds each node kind is a table, :data:`BUILDERS`: per kind, the names it uses from
the runtime (looked up under ``prefix`` in the modules of :data:`LOCATIONS`), the builder, and the
*failing-leaf hook*, which builds the node so that it raises ``probe.failure(label)`` after its
run started (None: the kit cannot make that kind fail). The declared capabilities follow from the
tables, never from a separate list that could disagree with them:

* ``node_kinds`` is ``kinds`` (every one needs a builder; ``binding`` only if the runtime's
  runnables have ``with_config``); only the modules those kinds use are imported, so a runtime
  without retrievers has no ``P.retrievers`` to provide;
* ``failing_kinds`` are the declared kinds that have a failing-leaf hook;
* ``constructor_callbacks`` is ``constructor_kinds``: the kinds whose constructor takes
  ``callbacks=``, ``tags=`` and ``metadata=``;
* async handlers and callback managers are declared when ``P.callbacks`` has
  ``AsyncCallbackHandler`` and ``CallbackManager``; implicit context and sync-only callers only
  when there are functions or tools that invoke children (``dynamic``, ``tool``);
* everything else is a complete runtime's unless ``supports`` says otherwise
  (``supports = {"per_item_config": False}``), and ``notes`` says why, for the not-applicable
  reports (the kit writes a note for what it leaves out itself).

To add or change a kind, put another :class:`NodeBuilder` into the adapter's ``builders``
(``builders = {**BUILDERS, "chat_model": NodeBuilder(...)}``), as the reference and langchain-core
adapters do for their failing chat models. Reproductions in failure reports are written in the
runtime's own API (``reproduction``, :func:`conformance.render.render_code`).
"""

from __future__ import annotations

import asyncio
import contextvars
import importlib
import threading
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Final

from ..adapter import AdapterError, Capabilities
from ..events import METHODS, EventSink, canonical
from ..model import (
    CALLER_KINDS,
    CLASSIC_KINDS,
    COMPOSED_KINDS,
    FAILABLE_KINDS,
    FAULT_KINDS,
    IGNORE_FLAGS,
    NODE_KINDS,
    RETRY_ATTEMPTS,
    Chain,
    HandlerSpec,
    Invocation,
    Node,
    NodeKind,
)
from ..observed import HandlerFault, Outcome, Probe, StreamEvent
from ..render import render_code

__all__ = [
    "BUILDERS",
    "LOCATIONS",
    "LangChainLikeAdapter",
    "NodeBuilder",
    "Parts",
    "acall_children",
    "call_children",
    "caller_functions",
    "make_recorder_class",
]


# -- recording handlers ------------------------------------------------------------------------


class _Recorder:
    """State and the one recording routine shared by the sync and async recording handlers."""

    def __init__(self, spec: HandlerSpec, sink: EventSink) -> None:
        super().__init__()
        self.spec_id = spec.id
        self._ignore = frozenset(spec.ignore)
        if spec.run_inline:
            self.run_inline = True
        self.fault_kinds = FAULT_KINDS[spec.fault_on] if spec.fault != "none" else frozenset()
        self.raise_error = spec.fault == "raise_error"
        self._sink = sink
        self._types: dict[object, str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec_id!r})"

    def _emit(self, method: str, args: tuple[Any, ...], kw: Mapping[str, Any]) -> None:
        kind, run_type = METHODS[method]
        run_id = kw.get("run_id")
        # The UUID itself as the key (hashing it is cheaper than its text); anything else, which
        # the sink rejects below, by its text.
        key = run_id if type(run_id) is uuid.UUID else str(run_id)
        with self._lock:
            if run_type is not None:
                self._types[key] = run_type
            else:
                run_type = self._types.get(key, "chain")
        sink = self._sink
        if kind == "start":
            serialized = args[0] if args else kw.get("serialized")
            value = _argument(method, args[1:], kw)
            payload = canonical(value)
            extra: dict[str, Any] = {"name": kw.get("name"), "serialized": serialized,
                                     "received": value}
        else:
            value = _argument(method, args, kw)
            payload = sink.describe_error(value) if kind == "error" else canonical(value)
            extra = {} if kind == "error" else {"received": value}
        sink.record(
            self.spec_id, kind, run_id=run_id, parent_run_id=kw.get("parent_run_id"),
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


def _ignore_property(flag: str) -> property:
    """``ignore_<flag>``: true when the handler's spec lists the flag (langchain_core declares
    the flags as read-only properties, so an instance attribute cannot set them)."""
    return property(lambda self: flag in self._ignore, doc=f"ignore_{flag} (HandlerSpec.ignore)")


def make_recorder_class(base: type, asynchronous: bool = False) -> type:
    """A recording handler class deriving from the implementation's (async) handler base."""
    make = _async_method if asynchronous else _sync_method
    namespace: dict[str, Any] = {m: make(m) for m in METHODS}
    namespace.update({f"ignore_{flag}": _ignore_property(flag) for flag in IGNORE_FLAGS})
    namespace["__doc__"] = "Writes every callback into the suite's sink as a canonical event."
    name = "AsyncRecordingHandler" if asynchronous else "RecordingHandler"
    return type(name, (_Recorder, base), namespace)


# -- the tables --------------------------------------------------------------------------------

#: The module (under the runtime's package) where the kit looks up each name it uses.
LOCATIONS: Final[Mapping[str, str]] = {
    "BaseCallbackHandler": "callbacks",
    "AsyncCallbackHandler": "callbacks",
    "CallbackManager": "callbacks",
    "RunnableLambda": "runnables",
    "RunnableSequence": "runnables",
    "RunnableParallel": "runnables",
    "RunnableConfig": "runnables",
    "ChatPromptTemplate": "prompts",
    "FakeListChatModel": "language_models",
    "FakeListLLM": "language_models",
    "FakeStreamingListLLM": "language_models",
    "RunnableBranch": "runnables",
    "RunnablePassthrough": "runnables",
    "RunnablePick": "runnables",
    "RunnableGenerator": "runnables",
    "StrOutputParser": "output_parsers",
    "StructuredTool": "tools",
    "BaseRetriever": "retrievers",
    "Document": "documents",
}


@dataclass(frozen=True)
class Parts:
    """What a builder gets besides the node."""

    #: The node's children, built (a label used twice is the same object).
    children: tuple[Any, ...]
    #: The constructor keywords for the node's own ``callbacks=``, ``tags=`` and ``metadata=``
    #: (empty when it has none; for a binding, what its ``with_config`` binds).
    local: Mapping[str, Any]
    probe: Probe


#: A builder: ``build(adapter, node, parts)`` returns the runtime's object for ``node``.
Build = Callable[[Any, Node, Parts], Any]


@dataclass(frozen=True)
class NodeBuilder:
    """How the kit builds one node kind."""

    #: The names (keys of :data:`LOCATIONS`) the builders use, found in ``adapter.api``.
    uses: tuple[str, ...]
    #: Builds the node (``node.fail`` False).
    build: Build
    #: The failing-leaf hook: builds the node so that it raises ``parts.probe.failure(label)``
    #: after its run started. None: the kit cannot make this kind fail, and does not declare it.
    fail: Build | None = None


def _binding(adapter: Any, node: Node, parts: Parts) -> Any:
    bound = dict(parts.local)
    if node.run_name is not None:
        bound["run_name"] = node.run_name
    return parts.children[0].with_config(**bound)


def _sequence(adapter: Any, node: Node, parts: Parts) -> Any:
    sequence = adapter.api["RunnableSequence"]
    # langchain_core flattens a sequence given as a step into its parent, so the inner sequence
    # would have no run; an empty binding (which creates no run) keeps it whole.
    steps = [s.with_config({}) if isinstance(s, sequence) and hasattr(s, "with_config") else s
             for s in parts.children]
    return sequence(*steps, name=node.label, **parts.local)


def _parallel(adapter: Any, node: Node, parts: Parts) -> Any:
    branches = dict(zip(node.children, parts.children))
    par = adapter.api["RunnableParallel"](branches, **parts.local)
    par.name = node.label
    return par


def _lambda(adapter: Any, node: Node, parts: Parts) -> Any:
    return adapter.api["RunnableLambda"](_leaf(node, parts.probe), name=node.label, **parts.local)


def _dynamic(adapter: Any, node: Node, parts: Parts) -> Any:
    func, afunc = caller_functions(node, parts.children, parts.probe)
    return adapter.api["RunnableLambda"](func, afunc=afunc, name=node.label, **parts.local)


def _tool(adapter: Any, node: Node, parts: Parts) -> Any:
    func, afunc = caller_functions(node, parts.children, parts.probe,
                                   adapter.api["RunnableConfig"])
    return adapter.api["StructuredTool"].from_function(
        func=func, coroutine=afunc, name=node.label, description=f"tool {node.label}",
        **parts.local)


def _chat_model(adapter: Any, node: Node, parts: Parts) -> Any:
    return adapter.api["FakeListChatModel"](responses=[f"{node.label} says hi"], name=node.label,
                                            **parts.local)


def _prompt(adapter: Any, node: Node, parts: Parts) -> Any:
    prompt = adapter.api["ChatPromptTemplate"].from_template("{input}", **parts.local)
    prompt.name = node.label
    return prompt


def _parser(adapter: Any, node: Node, parts: Parts) -> Any:
    parser = adapter.api["StrOutputParser"](**parts.local)
    parser.name = node.label
    return parser


def _llm(adapter: Any, node: Node, parts: Parts) -> Any:
    base = "FakeStreamingListLLM" if node.kind == "streaming_llm" else "FakeListLLM"
    cls = adapter.api[base]
    if node.fail:
        cls = adapter.derived(f"Failing{base}", lambda a: _failing_llm_class(a, base))
    model = cls(responses=[f"{node.label} says hi"], name=node.label, **parts.local)
    if node.fail:
        model.failure = lambda: parts.probe.failure(node.label)
    return model


def _failing_llm_class(adapter: Any, base_name: str) -> type:
    base = adapter.api[base_name]

    class FailingLLM(base):  # type: ignore[misc, valid-type]
        """Starts its run like any LLM, then raises from ``_call``/``_acall`` (``LLM``'s
        extension points) instead of answering."""

        failure: Any = None

        def _call(self, *args: Any, **kwargs: Any) -> str:
            raise self.failure()

        async def _acall(self, *args: Any, **kwargs: Any) -> str:  # langchain_core's twin
            raise self.failure()

    return FailingLLM


def _branch(adapter: Any, node: Node, parts: Parts) -> Any:
    built = parts.children
    pairs = [(built[i], built[i + 1]) for i in range(0, len(built) - 1, 2)]
    branch = adapter.api["RunnableBranch"](*pairs, built[-1], **parts.local)
    branch.name = node.label
    return branch


def _fallbacks(adapter: Any, node: Node, parts: Parts) -> Any:
    first, *rest = parts.children
    runnable = first.with_fallbacks(rest, **parts.local)
    runnable.name = node.label
    return runnable


def _retry(adapter: Any, node: Node, parts: Parts) -> Any:
    return parts.children[0].with_retry(stop_after_attempt=RETRY_ATTEMPTS,
                                        wait_exponential_jitter=False)


def _map(adapter: Any, node: Node, parts: Parts) -> Any:
    each = parts.children[0].map()
    each.name = node.label
    return each


def _assign(adapter: Any, node: Node, parts: Parts) -> Any:
    assign = adapter.api["RunnablePassthrough"].assign(**dict(zip(node.children, parts.children)))
    assign.name = node.label
    return assign


def _pick(adapter: Any, node: Node, parts: Parts) -> Any:
    pick = adapter.api["RunnablePick"](node.keys[0] if len(node.keys) == 1 else list(node.keys))
    pick.name = node.label
    return pick


def _generator(adapter: Any, node: Node, parts: Parts) -> Any:
    transform, atransform = generator_functions(node, parts.probe)
    # named by the transform's __name__ (langchain-core 0.2 takes no name=)
    return adapter.api["RunnableGenerator"](transform, atransform)


def _retriever(adapter: Any, node: Node, parts: Parts) -> Any:
    cls = adapter.derived("ProbeRetriever", _retriever_class)
    retriever = cls(name=node.label, **parts.local)
    retriever.label, retriever.fail, retriever.probe = node.label, node.fail, parts.probe
    return retriever


def _retriever_class(adapter: Any) -> type:
    document, base = adapter.api["Document"], adapter.api["BaseRetriever"]

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


#: How the kit builds each node kind. Lambdas, functions, tools and retrievers raise the node's
#: failure from code the kit writes; chat models, prompts and parsers have no failing hook here,
#: because where they do their work differs between runtimes (an adapter that knows adds one).
BUILDERS: Final[Mapping[NodeKind, NodeBuilder]] = {
    "binding": NodeBuilder((), _binding),
    "sequence": NodeBuilder(("RunnableSequence",), _sequence),
    "parallel": NodeBuilder(("RunnableParallel",), _parallel),
    "lambda": NodeBuilder(("RunnableLambda",), _lambda, fail=_lambda),
    "dynamic": NodeBuilder(("RunnableLambda",), _dynamic, fail=_dynamic),
    "tool": NodeBuilder(("StructuredTool", "RunnableConfig"), _tool, fail=_tool),
    "chat_model": NodeBuilder(("FakeListChatModel",), _chat_model),
    "prompt": NodeBuilder(("ChatPromptTemplate",), _prompt),
    "parser": NodeBuilder(("StrOutputParser",), _parser),
    "retriever": NodeBuilder(("BaseRetriever", "Document"), _retriever, fail=_retriever),
    # SPEC.md §8's composed kinds (declared only by adapters that list them in ``kinds``)
    "llm": NodeBuilder(("FakeListLLM",), _llm, fail=_llm),
    "branch": NodeBuilder(("RunnableBranch",), _branch),
    "fallbacks": NodeBuilder((), _fallbacks),
    "retry": NodeBuilder((), _retry),
    "map": NodeBuilder((), _map),
    "assign": NodeBuilder(("RunnablePassthrough",), _assign),
    "pick": NodeBuilder(("RunnablePick",), _pick),
    "generator": NodeBuilder(("RunnableGenerator",), _generator, fail=_generator),
    "streaming_llm": NodeBuilder(("FakeStreamingListLLM",), _llm, fail=_llm),
}


# -- the adapter -------------------------------------------------------------------------------

class LangChainLikeAdapter:
    """Builds chain models with a langchain_core-shaped API found under ``prefix``."""

    #: The implementation's name (reports, expectation files) and version.
    name: str = "langchain-like"
    version: str = "unknown"
    #: The runtime's package: the kit imports ``{prefix}.runnables``, ``{prefix}.callbacks``, ...
    prefix: str = "langchain_core"
    #: The node kinds the runtime has; "binding" means its runnables have ``with_config``. The
    #: composed kinds of SPEC.md §8 (``llm``, ``branch``, ``fallbacks``) are opt-in.
    kinds: Collection[NodeKind] = CLASSIC_KINDS
    #: The kinds whose constructor takes ``callbacks=``, ``tags=`` and ``metadata=``.
    constructor_kinds: Collection[NodeKind] = ()
    #: Capabilities (fields of :class:`~conformance.adapter.Capabilities` other than
    #: ``node_kinds``, ``failing_kinds`` and ``constructor_callbacks``) the runtime lacks, e.g.
    #: ``{"per_item_config": False}``.
    supports: Mapping[str, Any] = {}
    #: Why, per capability: shown as the reason of the tests that are not applicable.
    notes: Mapping[str, str] = {}
    #: Node kind -> how to build it (see :data:`BUILDERS`).
    builders: Mapping[NodeKind, NodeBuilder] = BUILDERS
    #: Where each name is found under ``prefix`` (see :data:`LOCATIONS`).
    locations: Mapping[str, str] = LOCATIONS

    #: What the runtime supports, from the tables (set when the adapter is created).
    capabilities: Capabilities

    def __init__(self) -> None:
        if any("capabilities" in vars(cls) for cls in type(self).__mro__):
            raise AdapterError(
                f"adapter {self.name!r}: a LangChainLikeAdapter declares its capabilities through "
                "kinds, constructor_kinds, supports and notes, not a capabilities attribute")
        unknown = sorted(set(self.kinds) - set(self.builders))
        if unknown:
            raise AdapterError(f"adapter {self.name!r}: kinds lists {unknown}, for which it has "
                               "no builder (see conformance.adapters.langchain_like.BUILDERS)")
        self.api: dict[str, Any] = {}
        self._derived: dict[str, type] = {}
        self._load("BaseCallbackHandler", "handlers")
        for kind in sorted(self.kinds):
            for name in self.builders[kind].uses:
                self._load(name, f"{kind} nodes")
        self.capabilities = self._declare()
        if self.capabilities.async_handlers:
            self._load("AsyncCallbackHandler", "async handlers")
        if self.capabilities.manager_form:
            self._load("CallbackManager", "callbacks given as a callback manager")
        #: The recording handler classes (:func:`make_recorder_class`); the async one is None
        #: when the runtime has no async handlers.
        self.recorder: type = make_recorder_class(self.api["BaseCallbackHandler"])
        self.async_recorder: type | None = (
            make_recorder_class(self.api["AsyncCallbackHandler"], True)
            if self.capabilities.async_handlers else None)

    # -- what the runtime has ---------------------------------------------------------------
    def _module_of(self, name: str) -> str:
        return f"{self.prefix}.{self.locations[name]}"

    def _find(self, name: str) -> Any:
        """The runtime's ``name``, or None when its module or the name is missing."""
        try:
            return getattr(importlib.import_module(self._module_of(name)), name, None)
        except ImportError:
            return None

    def _load(self, name: str, needed_for: str) -> None:
        if name in self.api:
            return
        module = self._module_of(name)
        try:
            found = getattr(importlib.import_module(module), name)
        except ImportError as exc:
            raise AdapterError(f"adapter {self.name!r}: cannot import {module!r} ({exc}), where "
                               f"{name} is looked up for {needed_for}; if the runtime has none, "
                               "leave that out of the adapter's kinds (or supports)") from exc
        except AttributeError:
            raise AdapterError(f"adapter {self.name!r}: {module} has no {name}, which the kit "
                               f"uses for {needed_for}; if the runtime has none, leave that out "
                               "of the adapter's kinds (or supports)") from None
        self.api[name] = found

    def derived(self, key: str, make: Callable[[Any], type]) -> type:
        """A class made once per adapter from the runtime's classes (``make(adapter)``)."""
        if key not in self._derived:
            self._derived[key] = make(self)
        return self._derived[key]

    def _declare(self) -> Capabilities:
        """The capabilities that follow from the tables, ``supports`` and ``notes``."""
        kinds = frozenset(self.kinds)
        supports = dict(self.supports)
        notes = dict(self.notes)
        unbindable = sorted(n for n in ("RunnableLambda", "RunnableSequence", "RunnableParallel")
                            if n in self.api and not hasattr(self.api[n], "with_config"))
        missing = []
        if "binding" in kinds and unbindable:
            kinds -= {"binding"}
            missing.append(f"{self.name}'s {', '.join(unbindable)} has no with_config, so the "
                           "adapter builds no bindings")
        absent = [k for k in NODE_KINDS if k not in kinds and k not in COMPOSED_KINDS]
        lacking = sorted(COMPOSED_KINDS - kinds)
        if lacking:
            notes.setdefault("composed_kinds", f"the {self.name} adapter does not declare "
                                               f"{', '.join(lacking)} nodes")
        if absent:
            missing.append(f"{self.name} has no {', '.join(absent)} nodes (its adapter "
                           f"declares {', '.join(sorted(kinds))})")
        if missing:
            notes.setdefault("node_kinds", "; ".join(missing))
        failing = frozenset(k for k in kinds & FAILABLE_KINDS if self.builders[k].fail)
        constructible = frozenset(self.constructor_kinds) & kinds - {"binding"}
        rigid = sorted(kinds & FAILABLE_KINDS - failing)
        if rigid:
            notes.setdefault("failing_kinds", f"the adapter cannot make {', '.join(rigid)} "
                                              "nodes fail (no failing-leaf hook)")
        if not constructible:
            notes.setdefault("constructor_callbacks", f"no node kind of {self.name} is declared "
                                                      "to take callbacks= in its constructor")
        if not kinds & CALLER_KINDS:
            for name in ("implicit_context", "sync_only_callers"):
                if name not in supports:
                    supports[name] = False
                    notes.setdefault(name, f"{self.name} has no functions or tools that invoke "
                                           "other runnables (dynamic, tool)")
        for name, capability in (("AsyncCallbackHandler", "async_handlers"),
                                 ("CallbackManager", "manager_form")):
            if capability not in supports and self._find(name) is None:
                supports[capability] = False
                notes.setdefault(capability, f"{self._module_of(name)} has no {name}")
        if supports.get("manager_form") is False and "local_handlers" not in supports:
            supports["local_handlers"] = False
            notes.setdefault("local_handlers", "no callback manager to hold local handlers")
        base = self.api["BaseCallbackHandler"]
        if "ignore_flags" not in supports:
            flags = frozenset(f for f in IGNORE_FLAGS if hasattr(base, f"ignore_{f}"))
            supports["ignore_flags"] = flags
            if flags != frozenset(IGNORE_FLAGS):
                no = ", ".join(f"ignore_{f}" for f in IGNORE_FLAGS if f not in flags)
                notes.setdefault("ignore_flags", f"its BaseCallbackHandler has no {no}")
        if "run_inline" not in supports and not hasattr(base, "run_inline"):
            supports["run_inline"] = False
            notes.setdefault("run_inline", "its BaseCallbackHandler has no run_inline")
        return Capabilities(node_kinds=kinds, failing_kinds=failing,
                            constructor_callbacks=constructible, notes=notes, **supports)

    # -- handlers ---------------------------------------------------------------------------
    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object:
        if spec.asynchronous and self.async_recorder is not None:
            return self.async_recorder(spec, sink)
        return self.recorder(spec, sink)

    def _callbacks(self, ids: Sequence[str], handlers: Mapping[str, object],
                   as_manager: bool, local: Collection[str] = ()) -> Any:
        if not as_manager:
            return [handlers[h] for h in ids]
        manager = self.api["CallbackManager"](handlers=[])
        for h in ids:
            manager.add_handler(handlers[h], inherit=h not in local)
        return manager

    # -- building ---------------------------------------------------------------------------
    def _local(self, node: Node, handlers: Mapping[str, object]) -> dict[str, Any]:
        """Constructor keyword arguments for the node's own callbacks, tags and metadata."""
        kw: dict[str, Any] = {}
        if node.callbacks:
            kw["callbacks"] = self._callbacks(node.callbacks, handlers, node.callbacks_as_manager,
                                              node.local)
        if node.tags:
            kw["tags"] = list(node.tags)
        if node.metadata:
            kw["metadata"] = dict(node.metadata)
        return kw

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        built: dict[str, Any] = {}

        def get(label: str) -> Any:
            if label not in built:
                node = chain[label]
                parts = Parts(tuple(get(c) for c in node.children),
                              self._local(node, handlers), probe)
                built[label] = self.build_node(node, parts)
            return built[label]

        return get(chain.root)

    def build_node(self, node: Node, parts: Parts) -> Any:
        """The runtime's object for ``node``, from the builder table."""
        kind = node.kind
        if kind not in self.capabilities.node_kinds:
            raise ValueError(f"{self.name}: the adapter does not declare {kind} nodes")
        if parts.local and kind != "binding" and kind not in \
                self.capabilities.constructor_callbacks:
            raise ValueError(f"{self.name}: a {kind} takes no constructor callbacks=, tags= or "
                             "metadata= (see the adapter's constructor_kinds)")
        entry = self.builders[kind]
        make = entry.fail if node.fail else entry.build
        if make is None:
            raise ValueError(f"{self.name}: the adapter cannot make a {kind} fail")
        return make(self, node, parts)

    # -- reproducing ------------------------------------------------------------------------
    def reproduction(self, scenario: Any) -> str | None:
        """The case as code in the runtime's own API (imports under ``prefix``)."""
        return render_code(scenario, self.prefix)

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
                                                  invocation.callbacks_as_manager,
                                                  invocation.local)
        if invocation.tags:
            config["tags"] = list(invocation.tags)
        if invocation.metadata:
            config["metadata"] = dict(invocation.metadata)
        if invocation.run_name is not None:
            config["run_name"] = invocation.run_name
        if invocation.run_id is not None:
            config["run_id"] = uuid.UUID(invocation.run_id)
        if invocation.max_concurrency is not None:
            config["max_concurrency"] = invocation.max_concurrency
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
        if mode == "batch_as_completed":
            try:
                done = dict(root.batch_as_completed(list(inputs), config, return_exceptions=True))
            except Exception as exc:
                return [Outcome(error=exc) for _ in inputs]
            return _in_input_order(done, len(inputs))
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
        if mode == "abatch_as_completed":
            try:
                done = {i: r async for i, r in root.abatch_as_completed(
                    list(inputs), config, return_exceptions=True)}
            except Exception as exc:
                return [Outcome(error=exc) for _ in inputs]
            return _in_input_order(done, len(inputs))
        if mode == "astream_events":
            return [await _stream_events(root, inputs[0], config)]
        try:
            if mode == "ainvoke":
                return [Outcome(value=canonical(await root.ainvoke(inputs[0], config)))]
            if mode == "astream":
                chunks = [canonical(c) async for c in root.astream(inputs[0], config)]
                return [Outcome(value=chunks)]
        except Exception as exc:
            return [Outcome(error=exc)]
        raise ValueError(f"ainvoke() cannot run mode {mode!r}")


async def _stream_events(root: Any, value: Any, config: Any) -> Outcome:
    """``astream_events(version="v2")`` run to its end: every event (what the checker compares
    with the callbacks), and the chunks of the root run's stream events as the value."""
    events: list[StreamEvent] = []
    chunks: list[Any] = []
    try:
        async for ev in root.astream_events(value, config, version="v2"):
            parents = tuple(str(p) for p in ev.get("parent_ids") or ())
            events.append(StreamEvent(str(ev.get("event")), str(ev.get("run_id")),
                                      str(ev.get("name")), parents))
            if not parents and str(ev.get("event")).endswith("_stream"):
                chunks.append(canonical((ev.get("data") or {}).get("chunk")))
    except Exception as exc:
        return Outcome(error=exc, stream_events=tuple(events))
    return Outcome(value=chunks, stream_events=tuple(events))


def _in_input_order(done: Mapping[int, Any], count: int) -> list[Outcome]:
    """``(index, result)`` pairs received in completion order, as one outcome per input; an
    input whose pair never came is the adapter's to report (:class:`AdapterError`)."""
    missing = sorted(set(range(count)) - set(done))
    if missing or len(done) != count:
        raise AdapterError(f"as_completed yielded indexes {sorted(done)} for {count} inputs")
    return [_outcome_of(done[i]) for i in range(count)]


def _outcome_of(result: Any) -> Outcome:
    if isinstance(result, BaseException):
        return Outcome(error=result)
    return Outcome(value=canonical(result))


# -- what leaves and functions do (the adapter protocol's Probe conventions) -------------------

def _leaf(node: Node, probe: Probe) -> Callable[[Any], Any]:
    label, fail, slow = node.label, node.fail, node.slow
    result: Any = "" if node.falsy else label
    if node.fanout:
        result = [f"{label}:{i}" for i in range(node.fanout)]
    flaky = node.flaky

    def leaf(value: Any) -> Any:
        if slow:
            probe.pause()
        if fail or (flaky and probe.flaky_fails(label, value)):
            raise probe.failure(label)
        return list(result) if isinstance(result, list) else result

    leaf.__name__ = label
    return leaf


def generator_functions(node: Node, probe: Probe) -> tuple[Any, Any]:
    """A ``RunnableGenerator``'s transform and its async twin: read every input chunk, then
    raise the node's failure or yield its label in two chunks."""
    label, fail = node.label, node.fail

    def transform(chunks: Any) -> Any:
        for _ in chunks:
            pass
        if fail:
            raise probe.failure(label)
        yield label[:1]
        yield label[1:]

    async def atransform(chunks: Any) -> Any:
        async for _ in chunks:
            pass
        if fail:
            raise probe.failure(label)
        yield label[:1]
        yield label[1:]

    transform.__name__ = atransform.__name__ = label
    return transform, atransform


#: The threads concurrent callees run on, kept between calls (a pool per call started a thread
#: per callee: more than the callee's own work). Unbounded, so a callee that calls children at
#: once again, and waits, never waits for a thread: one is started when none is idle.
_CALLEE_POOL: Final = ThreadPoolExecutor(max_workers=1 << 16,
                                         thread_name_prefix="conformance-callee")


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
    submit = _CALLEE_POOL.submit
    futures = [submit(contextvars.copy_context().run, child.invoke, value, *extra)
               for child in children]
    wait(futures)
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


def caller_functions(node: Node, children: Sequence[Any], probe: Probe,
                     config_type: Any = Any) -> tuple[Any, Any]:
    """Sync and async functions that invoke ``children`` (in turn or concurrently), forwarding
    config or not, then return the node's label or raise its failure.

    ``config_type`` annotates the ``config`` parameter: tools recognise it by that annotation.
    The async function is None for a sync-only node: async modes run its body on a worker thread.
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
    return func, (None if node.sync_only else afunc)
