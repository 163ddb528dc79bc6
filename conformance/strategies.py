"""Hypothesis strategies for chains, handler registrations and invocations.

One factory per concept, built from smaller ones. Chains are generated top-down with a depth
budget and value types, so every generated chain runs (a prompt never receives a dict, a tool
always receives text); they shrink toward a single lambda. Only what the adapter declares it
supports is generated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

from hypothesis import strategies as st

from .adapter import Capabilities
from .model import (
    BATCH_MODES,
    FAILABLE_KINDS,
    Chain,
    Fault,
    FaultOn,
    HandlerSpec,
    Invocation,
    Mode,
    Node,
    NodeKind,
    Scenario,
)

__all__ = ["ChainShape", "Registrations", "chains", "invocations", "scenarios"]

Value = Literal["text", "dict", "prompt", "message", "docs"]
_ANY: Final[frozenset[Value]] = frozenset({"text", "dict", "prompt", "message", "docs"})

#: What each leaf accepts and returns (composites are derived from their children).
_LEAF_IO: Final[dict[NodeKind, tuple[frozenset[Value], Value]]] = {
    "lambda": (_ANY, "text"),
    # not "message": a message printed into a prompt carries its run-specific id
    "prompt": (frozenset({"text", "docs", "prompt"}), "prompt"),
    "chat_model": (frozenset({"text", "prompt"}), "message"),
    "parser": (frozenset({"text", "message"}), "text"),
    "retriever": (frozenset({"text"}), "docs"),
    "tool": (frozenset({"text"}), "text"),
    "dynamic": (_ANY, "text"),
}
_SHORT: Final[dict[NodeKind, str]] = {
    "sequence": "seq",
    "parallel": "par",
    "lambda": "fn",
    "dynamic": "dyn",
    "chat_model": "model",
    "prompt": "prompt",
    "parser": "parser",
    "tool": "tool",
    "retriever": "retriever",
    "binding": "bind",
}


@dataclass(frozen=True)
class ChainShape:
    """Bounds and switches for chain generation."""

    max_depth: int = 3
    max_width: int = 3
    kinds: frozenset[NodeKind] = frozenset(_SHORT)
    reuse: bool = True
    forward_config_only: bool = False
    #: Functions and tools never forward their config (only implicit propagation reaches).
    implicit_only: bool = False
    #: Percentage of lambdas that sleep briefly (so threads and tasks really interleave).
    slow_percent: int = 15
    #: Functions and tools with several callees may start them all at once (threads or tasks).
    concurrent_callers: bool = True


@dataclass
class _Built:
    accepts: frozenset[Value]
    returns: Value


@st.composite
def chains(draw: st.DrawFn, shape: ChainShape = ChainShape()) -> Chain:
    """Well-typed chains within ``shape``; handler, tag and failure fields are left empty."""
    nodes: dict[str, Node] = {}
    info: dict[str, _Built] = {}
    counter = [0]

    def new_label(kind: NodeKind) -> str:
        counter[0] += 1
        return f"{_SHORT[kind]}{counter[0]}"

    def leaf_kinds(value: Value) -> list[NodeKind]:
        return [k for k, (acc, _) in _LEAF_IO.items()
                if k in shape.kinds and k != "dynamic" and value in acc]

    def gen(depth: int, value: Value, avoid: frozenset[str] = frozenset()) -> str:
        if shape.reuse and info and draw(st.integers(0, 9)) == 0:
            reusable = sorted(lbl for lbl, b in info.items()
                              if value in b.accepts and lbl not in avoid)
            if reusable:
                return draw(st.sampled_from(reusable))
        options: list[NodeKind] = leaf_kinds(value)
        if depth < shape.max_depth:
            options += [k for k in ("sequence", "parallel", "binding", "dynamic")
                        if k in shape.kinds]
            if value == "text" and "tool" in shape.kinds:
                options.append("tool")
        kind = draw(st.sampled_from(sorted(set(options), key=_ORDER.index)))
        label = new_label(kind)
        children: list[str] = []
        forward = True
        concurrent = False
        if kind == "sequence":
            n = draw(st.integers(2, max(2, shape.max_width)))
            current = value
            accepts: frozenset[Value] | None = None
            for _ in range(n):
                child = gen(depth + 1, current)
                children.append(child)
                accepts = accepts if accepts is not None else info[child].accepts
                current = info[child].returns
            info[label] = _Built(accepts or _ANY, current)
        elif kind == "parallel":
            n = draw(st.integers(1, shape.max_width))
            for _ in range(n):
                children.append(gen(depth + 1, value, frozenset(children)))
            info[label] = _Built(frozenset({value}), "dict")
        elif kind == "binding":
            child = gen(depth + 1, value)
            children.append(child)
            info[label] = _Built(info[child].accepts, info[child].returns)
        elif kind in ("dynamic", "tool") and depth < shape.max_depth:
            n = draw(st.integers(0, shape.max_width))
            for _ in range(n):
                children.append(gen(depth + 1, "text"))
            forward = shape.forward_config_only or (
                not shape.implicit_only and draw(st.booleans()))
            concurrent = shape.concurrent_callers and n > 1 and draw(st.booleans())
            acc, ret = _LEAF_IO[kind]
            info[label] = _Built(acc, ret)
        else:
            acc, ret = _LEAF_IO[kind]
            info[label] = _Built(acc, ret)
        slow = kind == "lambda" and draw(st.integers(0, 99)) < shape.slow_percent
        nodes[label] = Node(label, kind, tuple(children), forward_config=forward,
                            concurrent=concurrent, slow=slow)
        return label

    root = gen(0, "text")
    return Chain(tuple(nodes.values()), root)


_ORDER: Final[list[NodeKind]] = [
    "lambda", "sequence", "parallel", "binding", "dynamic", "tool",
    "chat_model", "prompt", "parser", "retriever",
]


@dataclass(frozen=True)
class Registrations:
    """Which routes a scenario may use, and how."""

    runtime: bool = True
    bound: bool = True
    constructor: bool = True
    max_handlers: int = 3
    duplicates: bool = True
    tags: bool = True
    #: With tags: every registration (binding, constructor, runtime) also gives tags and metadata.
    tag_every_route: bool = False
    failures: bool = False
    #: With failures: the chance (percent) that each node that can fail does.
    fail_percent: int = 20
    faults: bool = False
    raise_error: bool = False
    root_config: bool = False
    #: Force at least one binding with handlers (inserted if the chain has none).
    require_bound: bool = False
    #: Force at least one constructor registration.
    require_constructor: bool = False
    #: Batches get two or three inputs, each with its own config (``batch(inputs, [c0, c1])``).
    per_item_configs: bool = False
    #: With require_bound: wrap the binding in a second one (``x.with_config(..).with_config(..)``)
    #: and give both handlers.
    nested_bound: bool = False


def _subset(draw: st.DrawFn, handlers: Sequence[str], duplicates: bool) -> tuple[str, ...]:
    chosen = draw(st.lists(st.sampled_from(handlers), max_size=len(handlers) + 1,
                           unique=not duplicates)) if handlers else []
    return tuple(chosen)


def _insert_binding(draw: st.DrawFn, chain: Chain, target: str | None = None) -> Chain:
    """Wrap one reachable node (``target``, or one drawn) in a new binding, at the root or
    under one of its parents."""
    if target is None:
        target = draw(st.sampled_from([n.label for n in chain.walk()]))
    label = f"bind_{target}"
    while label in chain:
        label += "_"
    binding = Node(label, "binding", (target,))
    parents = [n for n in chain.walk() if target in n.children]
    if not parents:
        return Chain((*chain.nodes, binding), label)
    parent = draw(st.sampled_from(parents))
    index = parent.children.index(target)
    rewired = replace(parent, children=(*parent.children[:index], label,
                                        *parent.children[index + 1:]))
    nodes = tuple(rewired if n.label == parent.label else n for n in chain.nodes)
    return Chain((*nodes, binding), chain.root)


@st.composite
def scenarios(
    draw: st.DrawFn,
    capabilities: Capabilities,
    registrations: Registrations = Registrations(),
    shape: ChainShape | None = None,
    modes: Sequence[Mode] | None = None,
) -> Scenario:
    """A chain with handlers registered through the allowed routes, and one invocation."""
    caps = capabilities
    shape = shape or ChainShape()
    shape = replace(shape, kinds=shape.kinds & caps.node_kinds,
                    forward_config_only=shape.forward_config_only or not caps.implicit_context)
    chain = draw(chains(shape))
    reg = registrations
    if reg.require_bound and "binding" in caps.node_kinds:
        chain = _insert_binding(draw, chain)
        if reg.nested_bound:
            inner = chain.nodes[-1].label
            chain = _insert_binding(draw, chain, inner)
    n = draw(st.integers(1, max(1, reg.max_handlers)))
    ids = [f"h{i}" for i in range(1, n + 1)]
    tag_counter = [0]

    def tags() -> tuple[str, ...]:
        if not reg.tags or not (reg.tag_every_route or draw(st.booleans())):
            return ()
        tag_counter[0] += 1
        return (f"tag{tag_counter[0]}",)

    def metadata() -> tuple[tuple[str, str], ...]:
        if not reg.tags or not (reg.tag_every_route or draw(st.booleans())):
            return ()
        tag_counter[0] += 1
        return ((f"key{tag_counter[0]}", f"value{tag_counter[0]}"),)

    nodes = []
    for node in chain.nodes:
        callbacks: tuple[str, ...] = ()
        node_tags: tuple[str, ...] = ()
        meta: tuple[tuple[str, str], ...] = ()
        fail = False
        if node.kind == "binding":
            if reg.bound:
                callbacks = _subset(draw, ids, reg.duplicates)
                node_tags, meta = tags(), metadata()
        elif reg.constructor and node.kind in caps.constructor_callbacks:
            callbacks = _subset(draw, ids, reg.duplicates)
            node_tags, meta = tags(), metadata()
        if reg.failures and node.kind in caps.failing_kinds and node.kind in FAILABLE_KINDS:
            fail = draw(st.integers(0, 99)) < reg.fail_percent
        as_manager = bool(callbacks) and caps.manager_form and draw(st.booleans())
        nodes.append(replace(node, callbacks=callbacks, tags=node_tags, metadata=meta, fail=fail,
                             callbacks_as_manager=as_manager))
    chain = Chain(tuple(nodes), chain.root)
    if reg.require_bound and not any(n.callbacks for n in chain.nodes if n.kind == "binding"):
        binding = next((n for n in chain.nodes if n.kind == "binding"), None)
        if binding is not None:
            chain = chain.replace_node(replace(binding, callbacks=(draw(st.sampled_from(ids)),)))
    if reg.nested_bound and reg.bound:
        for node in chain.nodes[-2:]:  # the two bindings just inserted, inner then outer
            if node.kind == "binding" and not node.callbacks:
                chain = chain.replace_node(
                    replace(node, callbacks=(draw(st.sampled_from(ids)),)))
    if reg.require_constructor:
        eligible = [n for n in chain.nodes
                    if n.kind != "binding" and n.kind in caps.constructor_callbacks]
        if eligible and not any(n.callbacks for n in eligible):
            node = draw(st.sampled_from(eligible))
            chain = chain.replace_node(replace(node, callbacks=(draw(st.sampled_from(ids)),)))
    faulty = draw(st.sampled_from(ids)) if reg.faults else None
    fault: Fault = "raise_error" if reg.raise_error and caps.raise_error else "raise"
    fault_on: FaultOn = draw(st.sampled_from(["any", "start", "end"])) if faulty else "any"
    handlers = tuple(
        HandlerSpec(h, fault if h == faulty else "none", fault_on if h == faulty else "any",
                    caps.async_handlers and draw(st.integers(0, 3)) == 0)
        for h in ids
    )
    invocation = draw(invocations(caps, ids if reg.runtime else [], reg, modes, tags, metadata))
    return Scenario(chain, handlers, invocation)


@st.composite
def invocations(
    draw: st.DrawFn,
    caps: Capabilities,
    handler_ids: Sequence[str],
    reg: Registrations,
    modes: Sequence[Mode] | None,
    tags: Callable[[], tuple[str, ...]],
    metadata: Callable[[], tuple[tuple[str, str], ...]],
) -> Invocation:
    """How the chain is invoked, with its runtime registrations."""
    allowed = sorted(m for m in (modes or caps.modes) if m in caps.modes)
    mode: Mode = draw(st.sampled_from(allowed))
    per_item = reg.per_item_configs and caps.per_item_config
    count = draw(st.integers(2 if per_item else 1, 3)) if mode in BATCH_MODES else 1
    callbacks = _subset(draw, handler_ids, reg.duplicates) if handler_ids else ()
    if reg.runtime and handler_ids and not callbacks:
        callbacks = (draw(st.sampled_from(handler_ids)),)
    item_callbacks: tuple[tuple[str, ...], ...] = ()
    if (callbacks and count > 1 and caps.per_item_config
            and (per_item or draw(st.integers(0, 2)) == 0)):  # batch(inputs, [config, ...])
        item_callbacks = tuple(_subset(draw, handler_ids, reg.duplicates)
                               for _ in range(count))
        callbacks = ()
    run_name = run_id = None
    if reg.root_config and caps.root_config:
        # Listed first = drawn first and shrunk to: a scenario asking for root config has it.
        run_name = draw(st.sampled_from(["custom_root_name", None]))
        if mode not in BATCH_MODES and draw(st.sampled_from([True, False])):
            run_id = str(draw(st.uuids()))
    return Invocation(
        mode=mode,
        inputs=tuple(f"input{i}" for i in range(count)),
        callbacks=callbacks,
        callbacks_as_manager=(bool(callbacks or item_callbacks) and caps.manager_form
                              and draw(st.booleans())),
        tags=tags() if reg.runtime else (),
        metadata=metadata() if reg.runtime else (),
        run_name=run_name,
        run_id=run_id,
        item_callbacks=item_callbacks,
    )
