"""The chain model: an immutable, JSON-serialisable description of a chain and how it is invoked.

Implementations never see these objects directly: an adapter builds them into its own runnables.
Nodes refer to their children by label, so one object can be reused in several places (a DAG),
as users do when they put the same model in two branches.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal, get_args

__all__ = [
    "CLASSIC_KINDS",
    "COMPOSED_KINDS",
    "EXTRA_MODES",
    "FAILABLE_KINDS",
    "IGNORE_FLAGS",
    "LEAF_KINDS",
    "NODE_KINDS",
    "RUN_TYPE_OF",
    "SILENCED_BY",
    "Chain",
    "HandlerSpec",
    "IgnoreFlag",
    "Invocation",
    "Mode",
    "ModelError",
    "Node",
    "NodeKind",
    "Scenario",
]

NodeKind = Literal[
    "sequence",
    "parallel",
    "lambda",
    "dynamic",
    "chat_model",
    "prompt",
    "parser",
    "tool",
    "retriever",
    "binding",
    "llm",
    "branch",
    "fallbacks",
    "retry",
    "map",
    "assign",
    "pick",
    "generator",
    "streaming_llm",
]
Mode = Literal["invoke", "ainvoke", "batch", "abatch", "stream", "astream", "batch_as_completed",
               "abatch_as_completed", "astream_events"]
Fault = Literal["none", "raise", "raise_error"]
#: The ``ignore_*`` handler flags the chain model can observe (``ignore_<flag>``): the run types
#: it produces. ``ignore_retry`` and ``ignore_custom_event`` silence events no drawn chain sends.
IgnoreFlag = Literal["chain", "llm", "chat_model", "agent", "retriever"]
FaultOn = Literal["any", "start", "end"]
#: The events a faulty handler raises on, by its ``fault_on``: every one of them, after
#: recording it (the adapter protocol's recording handlers do this).
FAULT_KINDS: Final[Mapping[FaultOn, frozenset[str]]] = {
    "any": frozenset({"start", "token", "end", "error"}),
    "start": frozenset({"start"}),
    "end": frozenset({"end", "error"}),
}

NODE_KINDS: Final[tuple[NodeKind, ...]] = get_args(NodeKind)
#: The constructs of SPEC.md §8 the model draws (non-chat LLMs, streaming or not,
#: ``RunnableBranch``, ``with_fallbacks``, ``with_retry``, ``.map()``, ``RunnablePassthrough.
#: assign`` and ``.pick``, ``RunnableGenerator``): only tests that ask for them draw them, so the
#: draws of the classic kinds' tests stay as they were.
COMPOSED_KINDS: Final[frozenset[NodeKind]] = frozenset(
    {"llm", "branch", "fallbacks", "retry", "map", "assign", "pick", "generator",
     "streaming_llm"})
#: The kinds every other test draws from.
CLASSIC_KINDS: Final[frozenset[NodeKind]] = frozenset(NODE_KINDS) - COMPOSED_KINDS
MODES: Final[tuple[Mode, ...]] = get_args(Mode)
IGNORE_FLAGS: Final[tuple[IgnoreFlag, ...]] = get_args(IgnoreFlag)
#: Which flags silence a run of each run type (SPEC.md §8: whole runs; a chat-model run follows
#: ``ignore_chat_model`` and ``ignore_llm``, a tool run ``ignore_agent``).
SILENCED_BY: Final[Mapping[str, frozenset[IgnoreFlag]]] = {
    "chain": frozenset({"chain"}),
    "llm": frozenset({"llm"}),
    "chat_model": frozenset({"chat_model", "llm"}),
    "tool": frozenset({"agent"}),
    "retriever": frozenset({"retriever"}),
}
ASYNC_MODES: Final[frozenset[Mode]] = frozenset({"ainvoke", "abatch", "astream",
                                                  "abatch_as_completed", "astream_events"})
#: Streamed modes (a sequence is pipelined). ``astream_events`` (version v2) is an ``astream``
#: whose stream events must agree with the callbacks of the same invocation (SPEC.md §8).
STREAM_MODES: Final[frozenset[Mode]] = frozenset({"stream", "astream", "astream_events"})
#: Modes taking several inputs, each its own run tree. ``batch_as_completed`` /
#: ``abatch_as_completed`` build exactly ``batch``'s trees (SPEC.md §8), their results arriving
#: in completion order.
BATCH_MODES: Final[frozenset[Mode]] = frozenset({"batch", "abatch", "batch_as_completed",
                                                 "abatch_as_completed"})
#: The modes SPEC.md §8 adds (an implementation without them declares ``modes`` without them).
EXTRA_MODES: Final[frozenset[Mode]] = frozenset({"batch_as_completed", "abatch_as_completed",
                                                  "astream_events"})

LEAF_KINDS: Final[frozenset[NodeKind]] = frozenset(
    {"lambda", "chat_model", "prompt", "parser", "retriever", "llm", "pick", "generator",
     "streaming_llm"}
)
#: Kinds whose function invokes the node's children itself (dynamic children).
CALLER_KINDS: Final[frozenset[NodeKind]] = frozenset({"dynamic", "tool"})
#: Kinds the model lets fail; composites fail only through their children (a pick has no code
#: of its own to fail in).
FAILABLE_KINDS: Final[frozenset[NodeKind]] = LEAF_KINDS - {"pick"} | CALLER_KINDS
#: How many attempts a ``retry`` node makes at most (``stop_after_attempt``).
RETRY_ATTEMPTS: Final = 2

#: The run type (callback family) each kind's runs report.
RUN_TYPE_OF: Final[Mapping[NodeKind, str]] = {
    "sequence": "chain",
    "parallel": "chain",
    "lambda": "chain",
    "dynamic": "chain",
    "prompt": "chain",
    "parser": "chain",
    "chat_model": "chat_model",
    "tool": "tool",
    "retriever": "retriever",
    "llm": "llm",
    "branch": "chain",
    "fallbacks": "chain",
    "retry": "chain",
    "map": "chain",
    "assign": "chain",
    "pick": "chain",
    "generator": "chain",
    "streaming_llm": "llm",
}


class ModelError(ValueError):
    """A chain model that is not well formed (dangling label, cycle, bad field)."""


@dataclass(frozen=True)
class Node:
    """One runnable object.

    ``children`` are sequence steps, parallel branches, the callees of a dynamic function or tool
    (invoked one after another with the node's input; all at once when ``concurrent``), or the
    single target of a binding.
    ``callbacks``/``tags``/``metadata`` are the constructor route for ordinary nodes and the
    bound route (``with_config``) for a binding; a binding's ``run_name`` is bound with them
    (``with_config(run_name=...)``: it names the bound object's run, R14). ``forward_config``
    says whether a dynamic function or tool passes the config it received to its callees (if
    not, only implicit context propagation can put the callees in the tree). A ``concurrent``
    function or tool starts all its callees at once, as user code fanning out does: in threads
    that each run in a copy of the caller's context (what ``langchain_core``'s
    ``ContextThreadPoolExecutor`` does) for sync calls, as asyncio tasks for async ones; it
    waits for all of them, then raises the first failure in declaration order. A failing node
    raises after its callees ran. A ``sync_only`` function or tool has no async twin: in async
    modes the implementation runs its sync body on a worker thread, and the callees it invokes
    there must still join the caller's tree.

    The composed kinds (SPEC.md §8): an ``llm`` is a non-chat model (a leaf answering
    ``"<label> says hi"``). A ``branch`` is ``RunnableBranch((c1, b1), ..., (cn, bn), default)``:
    its children are ``c1, b1, ..., cn, bn, default``, every condition ``ci`` a lambda (maybe
    bound), which
    holds unless it is ``falsy`` (returns ``""`` instead of its label). ``fallbacks`` is
    ``children[0].with_fallbacks(children[1:])``.

    ``retry`` is ``children[0].with_retry(stop_after_attempt=2, wait_exponential_jitter=False)``
    (:data:`RETRY_ATTEMPTS`); a ``flaky`` lambda (only under a retry) fails on its first call
    with a given input and succeeds on the next (a toggle per input value: each retry of it
    fails once, then succeeds). That fixes its outcome only if no two retry runs of one
    invocation call it with the same value: the spec orders neither a batch's items (a
    sequence's batch may run every item through a step before the next step, a retry's batch
    retry only the failed items, whatever ``max_concurrency``) nor a parallel's branches or a
    map's items, so two retries sharing a toggle could see either attempt fail. The oracle
    refuses a scenario where they would (``expect`` raises :class:`ModelError`: what each retry
    hands its lambda is the oracle's to compute), and the strategies never draw one: a batch of
    several inputs has a flaky lambda only where its items reach it with values of their own
    (say, their inputs).
    ``map`` is ``children[0].map()`` (``RunnableEach``) and takes a list: a lambda with
    ``fanout`` n returns ``["<label>:0", ..., "<label>:<n-1>"]``. ``assign`` is
    ``RunnablePassthrough.assign(**{child label: child})``; ``pick`` is ``RunnablePick(keys)``
    (one key: ``pick("k")``, several: ``pick([...])``), what ``x.pick(keys)`` appends. A
    ``generator`` is ``RunnableGenerator`` over a transform that reads its input chunks, then
    yields its label in two chunks. A ``streaming_llm`` is ``FakeStreamingListLLM`` (one token
    per character in stream modes).
    """

    label: str
    kind: NodeKind
    children: tuple[str, ...] = ()
    callbacks: tuple[str, ...] = ()
    callbacks_as_manager: bool = False
    #: Handlers of ``callbacks`` the callback manager holds as local (``add_handler(h,
    #: inherit=False)``): their scope is the run the manager is given to (SPEC.md §1), for a
    #: binding its target's run. Only with ``callbacks_as_manager``; ids not in ``callbacks``
    #: mean nothing (so removing a handler from ``callbacks`` removes it).
    local: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    forward_config: bool = True
    concurrent: bool = False
    fail: bool = False
    #: A slow lambda sleeps briefly, so concurrent branches and invocations really overlap.
    slow: bool = False
    #: A function or tool given only a sync body (no coroutine twin).
    sync_only: bool = False
    #: A lambda that returns ``""`` (false, as a branch condition) instead of its label.
    falsy: bool = False
    #: A lambda under a retry that fails on its first call with each input, then succeeds.
    flaky: bool = False
    #: A lambda returning a list of this many items (a ``map`` node's input), when above 0.
    fanout: int = 0
    #: The keys a ``pick`` node keeps (one: its value; several: a dict of them).
    keys: tuple[str, ...] = ()
    #: A binding's bound ``run_name`` (``with_config(run_name=...)``); only on bindings.
    run_name: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "kind": self.kind}
        defaults = _NODE_DEFAULTS
        for name in ("children", "callbacks", "local", "tags", "keys"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                data[name] = list(value)
        if self.metadata:
            data["metadata"] = dict(self.metadata)
        for name in ("callbacks_as_manager", "forward_config", "concurrent", "fail", "slow",
                     "sync_only", "falsy", "flaky", "fanout"):
            value = getattr(self, name)
            if value != getattr(defaults, name):
                data[name] = value
        if self.run_name is not None:
            data["run_name"] = self.run_name
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Node:
        unknown = set(data) - {f for f in cls.__dataclass_fields__}
        if unknown:
            raise ModelError(f"node {data.get('label')!r}: unknown fields {sorted(unknown)}")
        if data.get("kind") not in NODE_KINDS:
            raise ModelError(f"node {data.get('label')!r}: kind must be one of {NODE_KINDS}")
        return cls(
            label=str(data["label"]),
            kind=data["kind"],
            children=tuple(data.get("children", ())),
            callbacks=tuple(data.get("callbacks", ())),
            callbacks_as_manager=bool(data.get("callbacks_as_manager", False)),
            local=tuple(data.get("local", ())),
            tags=tuple(data.get("tags", ())),
            metadata=tuple(sorted(dict(data.get("metadata", {})).items())),
            forward_config=bool(data.get("forward_config", True)),
            concurrent=bool(data.get("concurrent", False)),
            fail=bool(data.get("fail", False)),
            slow=bool(data.get("slow", False)),
            sync_only=bool(data.get("sync_only", False)),
            falsy=bool(data.get("falsy", False)),
            flaky=bool(data.get("flaky", False)),
            fanout=int(data.get("fanout", 0)),
            keys=tuple(data.get("keys", ())),
            run_name=data.get("run_name"),
        )


_NODE_DEFAULTS: Final = Node(label="", kind="lambda")


@dataclass(frozen=True)
class Chain:
    """A DAG of nodes with one root. Construction validates it."""

    nodes: tuple[Node, ...]
    root: str
    _by_label: dict[str, Node] = field(init=False, repr=False, compare=False, hash=False)
    #: :meth:`walk`'s nodes, found when first asked for (the checker and the oracle walk a
    #: chain several times; the strategies build many chains they never walk).
    _walked: tuple[Node, ...] | None = field(default=None, init=False, repr=False,
                                             compare=False, hash=False)
    #: :meth:`dumps`'s text, made when first asked for (the harness writes each scenario it
    #: runs to its crash record, and the differential rules run one chain several times).
    _text: str | None = field(default=None, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_label: dict[str, Node] = {}
        for node in self.nodes:
            if node.label in by_label:
                raise ModelError(f"duplicate label {node.label!r}")
            by_label[node.label] = node
        object.__setattr__(self, "_by_label", by_label)
        if self.root not in by_label:
            raise ModelError(f"root {self.root!r} is not a node label")
        for node in self.nodes:
            _validate_node(node, by_label)
        self._check_acyclic()
        self._check_flaky()

    def __getitem__(self, label: str) -> Node:
        return self._by_label[label]

    def __contains__(self, label: object) -> bool:
        return label in self._by_label

    def walk(self) -> Iterator[Node]:
        """Nodes reachable from the root, each once, parents before children."""
        if self._walked is None:
            object.__setattr__(self, "_walked", tuple(self._reachable()))
        assert self._walked is not None
        return iter(self._walked)

    def _reachable(self) -> Iterator[Node]:
        seen: set[str] = set()
        stack = [self.root]
        while stack:
            label = stack.pop()
            if label in seen:
                continue
            seen.add(label)
            node = self._by_label[label]
            yield node
            stack.extend(reversed(node.children))

    def handler_ids(self) -> frozenset[str]:
        return frozenset(h for n in self.nodes for h in n.callbacks)

    def target(self, label: str) -> Node:
        """The node ``label`` names, through any bindings."""
        node = self._by_label[label]
        while node.kind == "binding":
            node = self._by_label[node.children[0]]
        return node

    def replace_node(self, node: Node) -> Chain:
        return Chain(tuple(node if n.label == node.label else n for n in self.nodes), self.root)

    def _check_flaky(self) -> None:
        """A flaky lambda is only ever some retry's target: anywhere else its outcome would
        depend on how often it ran before."""
        for node in self.nodes:
            for child in node.children:
                if self.target(child).flaky and node.kind not in ("retry", "binding"):
                    raise ModelError(f"flaky lambda {self.target(child).label!r} is reached "
                                     f"from {node.kind} {node.label!r}, not from a retry")
        if self.target(self.root).flaky:
            raise ModelError("a flaky lambda must be a retry's target, not the root")

    def _check_acyclic(self) -> None:
        state: dict[str, int] = {}

        def visit(label: str, path: tuple[str, ...]) -> None:
            mark = state.get(label)
            if mark == 1:
                raise ModelError(f"cycle through {' -> '.join((*path, label))}")
            if mark == 2:
                return
            state[label] = 1
            for child in self._by_label[label].children:
                visit(child, (*path, label))
            state[label] = 2

        visit(self.root, ())

    def to_json(self) -> dict[str, Any]:
        return {"root": self.root, "nodes": [n.to_json() for n in self.nodes]}

    def dumps(self) -> str:
        """:meth:`to_json` as JSON text with sorted keys (made once: a chain is immutable)."""
        if self._text is None:
            object.__setattr__(self, "_text", json.dumps(self.to_json(), sort_keys=True))
        assert self._text is not None
        return self._text

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Chain:
        return cls(tuple(Node.from_json(n) for n in data["nodes"]), str(data["root"]))


def _validate_node(node: Node, by_label: Mapping[str, Node]) -> None:
    for child in node.children:
        if child not in by_label:
            raise ModelError(f"node {node.label!r} refers to unknown child {child!r}")
    if node.kind in LEAF_KINDS and node.children:
        raise ModelError(f"{node.kind} node {node.label!r} cannot have children")
    if node.kind == "binding" and len(node.children) != 1:
        raise ModelError(f"binding {node.label!r} must wrap exactly one child")
    if node.kind in ("sequence", "parallel") and not node.children:
        raise ModelError(f"{node.kind} {node.label!r} needs at least one child")
    if node.concurrent and node.kind not in CALLER_KINDS:
        raise ModelError(f"only functions and tools call children concurrently, not "
                         f"{node.kind} {node.label!r}")
    if node.sync_only and node.kind not in CALLER_KINDS:
        raise ModelError(f"only functions and tools can be sync-only, not "
                         f"{node.kind} {node.label!r}")
    if node.slow and node.kind != "lambda":
        raise ModelError(f"only lambdas can be slow, not {node.kind} {node.label!r}")
    if node.fail and node.kind not in FAILABLE_KINDS:
        raise ModelError(f"{node.kind} {node.label!r} cannot fail by itself")
    if node.kind == "parallel" and len(set(node.children)) != len(node.children):
        raise ModelError(f"parallel {node.label!r} names the same branch twice")
    if node.falsy and node.kind != "lambda":
        raise ModelError(f"only lambdas can be falsy, not {node.kind} {node.label!r}")
    if node.kind == "branch":
        if len(node.children) < 3 or len(node.children) % 2 == 0:
            raise ModelError(f"branch {node.label!r} needs (condition, runnable) pairs and a "
                             "default: an odd number of children, at least 3")
        for cond in node.children[:-1:2]:
            target = by_label[cond]
            while target.kind == "binding" and target.children[0] in by_label:
                target = by_label[target.children[0]]
            if target.kind != "lambda":
                raise ModelError(f"branch {node.label!r}: condition {cond!r} must be a lambda "
                                 "(or a binding of one)")
    if node.kind == "fallbacks" and len(node.children) < 2:
        raise ModelError(f"fallbacks {node.label!r} needs a runnable and at least one fallback")
    if node.kind in ("retry", "map") and len(node.children) != 1:
        raise ModelError(f"{node.kind} {node.label!r} must wrap exactly one child")
    if node.kind == "assign" and (not node.children
                                  or len(set(node.children)) != len(node.children)):
        raise ModelError(f"assign {node.label!r} needs distinct children (its keys)")
    if (node.kind == "pick") != bool(node.keys):
        raise ModelError(f"{node.label!r}: a pick has keys, and only a pick")
    if (node.flaky or node.fanout) and node.kind != "lambda":
        raise ModelError(f"only lambdas can be flaky or fan out, not {node.kind} {node.label!r}")
    if node.fanout < 0 or (node.fanout and (node.flaky or node.falsy)):
        raise ModelError(f"lambda {node.label!r}: fanout is a count, not with flaky or falsy")
    if node.local and not node.callbacks_as_manager:
        raise ModelError(f"{node.label!r}: local handlers need callbacks_as_manager")
    if node.flaky and node.fail:
        raise ModelError(f"lambda {node.label!r} is flaky or failing, not both")
    if node.run_name is not None and (node.kind != "binding"
                                      or not isinstance(node.run_name, str)):
        raise ModelError(f"{node.label!r}: only a binding binds a run_name, and it is a string "
                         f"(not {node.run_name!r})")


@dataclass(frozen=True)
class HandlerSpec:
    """A recording handler the adapter makes.

    ``fault`` makes methods raise after recording: ``"raise"`` with ``raise_error=False`` (must be
    contained), ``"raise_error"`` with ``raise_error=True`` (must reach the caller); ``fault_on``
    picks which events raise (start events, end/error events, or all). ``asynchronous`` asks for
    the implementation's async handler base class (coroutine methods). ``ignore`` sets the
    handler's ``ignore_<flag>`` properties true (SPEC.md §8: it must get no event of the runs
    they silence, :data:`SILENCED_BY`); ``run_inline`` sets ``run_inline = True`` (where a sync
    handler runs in async modes; never which events it gets).
    """

    id: str
    fault: Fault = "none"
    fault_on: FaultOn = "any"
    asynchronous: bool = False
    ignore: tuple[IgnoreFlag, ...] = ()
    run_inline: bool = False

    def ignores(self, run_type: str) -> bool:
        """Whether the handler's flags silence runs of ``run_type``."""
        return bool(self.ignore) and not SILENCED_BY.get(run_type, frozenset()).isdisjoint(
            self.ignore)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "fault": self.fault}
        if self.fault_on != "any":
            data["fault_on"] = self.fault_on
        if self.asynchronous:
            data["asynchronous"] = True
        if self.ignore:
            data["ignore"] = list(self.ignore)
        if self.run_inline:
            data["run_inline"] = True
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HandlerSpec:
        fault, fault_on = data.get("fault", "none"), data.get("fault_on", "any")
        if fault not in get_args(Fault) or fault_on not in get_args(FaultOn):
            raise ModelError(f"handler {data.get('id')!r}: bad fault {fault!r}/{fault_on!r}")
        ignore = tuple(data.get("ignore", ()))
        if not set(ignore) <= set(IGNORE_FLAGS):
            raise ModelError(f"handler {data.get('id')!r}: ignore flags are among "
                             f"{IGNORE_FLAGS}, not {list(ignore)}")
        return cls(str(data["id"]), fault, fault_on, bool(data.get("asynchronous", False)),
                   ignore, bool(data.get("run_inline", False)))


@dataclass(frozen=True)
class Invocation:
    """How the chain is invoked, with the runtime route's handlers, tags and metadata.

    ``item_callbacks`` (batch modes only) gives each input its own runtime handlers, passed as
    one config per input (``batch(inputs, [config0, config1, ...])``) instead of ``callbacks``;
    tags, metadata and ``run_name`` then go into every item's config.
    ``inside_loop`` calls a sync mode from inside a coroutine that asyncio runs, as code in an
    async web handler does: the engine finds an event loop already running (async modes always
    run inside one, so there it changes nothing).
    """

    mode: Mode = "invoke"
    inputs: tuple[str, ...] = ("input",)
    callbacks: tuple[str, ...] = ()
    callbacks_as_manager: bool = False
    #: Runtime handlers the callback manager holds as local (see ``Node.local``): they reach
    #: each input's root run only.
    local: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    run_name: str | None = None
    run_id: str | None = None
    item_callbacks: tuple[tuple[str, ...], ...] = ()
    inside_loop: bool = False
    #: The config's ``max_concurrency`` (never changes which runs exist: SPEC.md §8).
    max_concurrency: int | None = None

    def runtime_handlers(self, item: int) -> tuple[str, ...]:
        """The runtime handlers in the config of input ``item``."""
        return self.item_callbacks[item] if self.item_callbacks else self.callbacks

    def all_runtime_handlers(self) -> tuple[str, ...]:
        """Every handler given at run time, to any input, once each, in order of appearance."""
        lists = self.item_callbacks or (self.callbacks,)
        return tuple(dict.fromkeys(h for handlers in lists for h in handlers))

    def keeping(self, keep: Callable[[str], bool]) -> Invocation:
        """The same invocation with only the runtime handlers ``keep`` accepts."""
        return replace(
            self,
            callbacks=tuple(h for h in self.callbacks if keep(h)),
            item_callbacks=tuple(tuple(h for h in hs if keep(h)) for hs in self.item_callbacks),
        )

    def renamed(self, names: Mapping[str, str]) -> Invocation:
        """The same invocation with runtime handlers renamed by ``names``."""
        return replace(
            self,
            callbacks=tuple(names[h] for h in self.callbacks),
            item_callbacks=tuple(tuple(names[h] for h in hs) for hs in self.item_callbacks),
            local=tuple(names.get(h, h) for h in self.local),
        )

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "mode": self.mode,
            "inputs": list(self.inputs),
            "callbacks": list(self.callbacks),
            "callbacks_as_manager": self.callbacks_as_manager,
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "run_name": self.run_name,
            "run_id": self.run_id,
        }
        if self.item_callbacks:
            data["item_callbacks"] = [list(hs) for hs in self.item_callbacks]
        if self.local:
            data["local"] = list(self.local)
        if self.inside_loop:
            data["inside_loop"] = True
        if self.max_concurrency is not None:
            data["max_concurrency"] = self.max_concurrency
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Invocation:
        mode = data.get("mode", "invoke")
        if mode not in MODES:
            raise ModelError(f"mode must be one of {MODES}, not {mode!r}")
        return cls(
            mode=mode,
            inputs=tuple(data.get("inputs", ("input",))),
            callbacks=tuple(data.get("callbacks", ())),
            callbacks_as_manager=bool(data.get("callbacks_as_manager", False)),
            local=tuple(data.get("local", ())),
            tags=tuple(data.get("tags", ())),
            metadata=tuple(sorted(dict(data.get("metadata", {})).items())),
            run_name=data.get("run_name"),
            run_id=data.get("run_id"),
            item_callbacks=tuple(tuple(hs) for hs in data.get("item_callbacks", ())),
            inside_loop=bool(data.get("inside_loop", False)),
            max_concurrency=data.get("max_concurrency"),
        )


@dataclass(frozen=True)
class Scenario:
    """One test case: a chain, the handlers that exist, and one invocation of the root."""

    chain: Chain
    handlers: tuple[HandlerSpec, ...]
    invocation: Invocation

    def __post_init__(self) -> None:
        known = {h.id for h in self.handlers}
        if len(known) != len(self.handlers):
            raise ModelError("duplicate handler ids")
        inv = self.invocation
        used = self.chain.handler_ids() | set(inv.all_runtime_handlers())
        missing = used - known
        if missing:
            raise ModelError(f"callbacks refer to undeclared handlers {sorted(missing)}")
        if inv.mode not in BATCH_MODES and len(inv.inputs) != 1:
            raise ModelError(f"{inv.mode} takes exactly one input")
        if inv.item_callbacks:
            if inv.mode not in BATCH_MODES or len(inv.item_callbacks) != len(inv.inputs):
                raise ModelError("item_callbacks needs a batch mode and one list per input")
            if inv.callbacks or inv.run_id is not None:
                raise ModelError("item_callbacks replaces callbacks; run_id needs one input")
        if inv.run_id is not None and len(inv.inputs) != 1:
            raise ModelError("run_id names one root: it needs exactly one input")
        if inv.local and not inv.callbacks_as_manager:
            raise ModelError("local runtime handlers need callbacks_as_manager")
        if inv.max_concurrency is not None and inv.max_concurrency < 1:
            raise ModelError("max_concurrency must be at least 1")

    def __repr__(self) -> str:
        # Valid Python that rebuilds the scenario: what Hypothesis prints for a failing case.
        return f"Scenario.from_json({self.to_json()!r})"

    def with_invocation(self, **changes: Any) -> Scenario:
        return replace(self, invocation=replace(self.invocation, **changes))

    def to_json(self) -> dict[str, Any]:
        return {
            "chain": self.chain.to_json(),
            "handlers": [h.to_json() for h in self.handlers],
            "invocation": self.invocation.to_json(),
        }

    def dumps(self) -> str:
        """:meth:`to_json` as JSON text with sorted keys, the chain's part made once per chain
        (the same text as ``json.dumps(self.to_json(), sort_keys=True)``: "chain" sorts first)."""
        rest = json.dumps({"handlers": [h.to_json() for h in self.handlers],
                           "invocation": self.invocation.to_json()}, sort_keys=True)
        return '{"chain": ' + self.chain.dumps() + ", " + rest[1:]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scenario:
        return cls(
            Chain.from_json(data["chain"]),
            tuple(HandlerSpec.from_json(h) for h in data["handlers"]),
            Invocation.from_json(data.get("invocation", {})),
        )
