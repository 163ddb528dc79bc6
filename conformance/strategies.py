"""Hypothesis strategies for chains, handler registrations and invocations.

One factory per concept, built from smaller ones. Chains are generated top-down with a depth
budget and value types, so every generated chain runs (a prompt never receives a dict, a tool
always receives text). Only what the adapter declares it supports is generated.

Every choice is a die (0-99, :class:`Dice`) read so that its minimal value is the plain one: a
flag is true only when its die is high (:func:`_chance`), lists of options put the plain option
first (:func:`_pick` shrinks toward it), counts shrink toward the fewest. So a failing case
shrinks toward a single lambda invoked with ``invoke`` and one sync handler, and keeps only what
its failure needs: no failure, slow lambda, async handler or mode, reuse, fault, unforwarded
config, concurrency or manager form unless the failure needs it. The weights
(``ChainShape``/``Registrations`` percents) set the distribution: ``python -m conformance
stats`` prints it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, TypeVar

from hypothesis import event, reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from .adapter import Capabilities
from .model import (
    ASYNC_MODES,
    BATCH_MODES,
    CLASSIC_KINDS,
    COMPOSED_KINDS,
    EXTRA_MODES,
    FAILABLE_KINDS,
    IGNORE_FLAGS,
    Chain,
    Fault,
    FaultOn,
    HandlerSpec,
    IgnoreFlag,
    Invocation,
    Mode,
    Node,
    NodeKind,
    Scenario,
)
from .oracle import shared_flaky_inputs

__all__ = ["COMPOSED_SHAPE", "RETRY_SHAPE", "ChainShape", "Dice", "Registrations", "chains",
           "scenarios"]

T = TypeVar("T")
#: "list": a list of text (a fan-out lambda's output, what a map takes). "any": the output of a
#: branch whose branches return different types, or a map of non-text items (only what accepts
#: every value takes it).
Value = Literal["text", "dict", "prompt", "message", "docs", "list", "any"]
_ANY: Final[frozenset[Value]] = frozenset({"text", "dict", "prompt", "message", "docs", "list"})

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
    "llm": (frozenset({"text", "prompt"}), "text"),
    "generator": (_ANY, "text"),
    "streaming_llm": (frozenset({"text", "prompt"}), "text"),
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
    "llm": "llm",
    "branch": "branch",
    "fallbacks": "fb",
    "retry": "retry",
    "map": "map",
    "assign": "assign",
    "pick": "pick",
    "generator": "gen",
    "streaming_llm": "sllm",
}
#: Leaf kinds a fallbacks node's attempts are drawn from (all of one kind, so they return the
#: same type; each fails before it yields anything, so a stream falls back as invoke does).
_ATTEMPT_KINDS: Final[tuple[NodeKind, ...]] = ("lambda", "llm", "chat_model", "retriever")


def _accepts(accepted: frozenset[Value], value: Value) -> bool:
    return value in accepted or (value == "any" and accepted == _ANY)


@dataclass(frozen=True)
class ChainShape:
    """Bounds and switches for chain generation."""

    max_depth: int = 3
    max_width: int = 3
    #: The composed kinds (``COMPOSED_KINDS``) only when a test asks for them.
    kinds: frozenset[NodeKind] = CLASSIC_KINDS
    reuse: bool = True
    forward_config_only: bool = False
    #: Functions and tools never forward their config (only implicit propagation reaches).
    implicit_only: bool = False
    #: Percentage of lambdas that sleep briefly (so threads and tasks really interleave).
    slow_percent: int = 15
    #: Functions and tools with several callees may start them all at once (threads or tasks).
    concurrent_callers: bool = True
    #: Percentage of nodes that are composites (sequence, parallel, binding, function with
    #: callees, tool), by depth (the last entry holds for deeper levels): the root is seldom a
    #: lone leaf, leaves get likelier further down.
    composite_percent: tuple[int, ...] = (90, 45, 25)
    #: Percentage of sequences (whose input a prompt takes) built like the seeds' chain:
    #: prompt, chat model, and sometimes a parser.
    seed_percent: int = 35
    #: Percentage of places that reuse an object built elsewhere in the chain (a DAG).
    reuse_percent: int = 10
    #: Percentage of functions and tools with callees that have no async body (async modes
    #: then run them on a worker thread; needs ``sync_only_callers``).
    sync_only_percent: int = 30
    #: Chains with none of these kinds (among ``kinds``) are rejected: the composed runnables'
    #: tests check composed runnables, not the classic chains the other tests draw.
    require_kinds: frozenset[NodeKind] = frozenset()


@dataclass
class _Built:
    accepts: frozenset[Value]
    returns: Value


#: The run_id a scenario asking for root config gives (any UUID does; a fixed one draws nothing).
_RUN_ID: Final = "6f1c1a4e-8d2b-4c3a-9e5f-0a1b2c3d4e5f"
#: Dice come in byte strings of this many, drawn as they are needed, and each node of a chain
#: (its shape, then its registrations) and the invocation start a string of their own. One draw
#: of a byte string costs Hypothesis about what one integer draw does (tens of microseconds)
#: plus a few microseconds per byte, where a draw per die cost about 50 microseconds, 60-100
#: times per scenario. Shrinking deletes and simplifies whole strings as it did single choices,
#: and since a string belongs to one node, dropping a node's string leaves the others' meaning
#: alone.
CHUNK: Final = 4
_CHUNK: Final = st.binary(min_size=CHUNK, max_size=CHUNK)


class Dice:
    """The choices of one scenario, read in order from byte strings drawn as they are needed.

    ``roll()`` is 0-99, monotone in its byte; ``fresh()`` starts the next string (one per node).
    Hypothesis still generates and shrinks every die: it shrinks a byte string by zeroing and
    lowering its bytes, so each choice still shrinks toward its plain value (0: false, the first
    option, the fewest).
    """

    __slots__ = ("_at", "_draw", "_tape")

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw
        self._tape = b""
        self._at = 0

    def fresh(self) -> None:
        """Read the next die from a new string."""
        self._at = len(self._tape)

    def roll(self) -> int:
        at = self._at
        if at >= len(self._tape):
            self._tape = self._draw(_CHUNK)
            at = 0
        self._at = at + 1
        return self._tape[at] * 100 >> 8


def _chance(dice: Dice, percent: int) -> bool:
    """True about ``percent`` times in 100; shrinks to False."""
    if percent <= 0:
        return False
    if percent >= 100:
        return True
    return dice.roll() >= 100 - percent


def _pick(dice: Dice, options: Sequence[T]) -> T:
    """One of ``options``, about uniformly; shrinks toward the first. Modulo, so a small die
    names the same option however long the list (a shrunk handler count keeps the picks)."""
    if len(options) == 1:
        return options[0]
    return options[dice.roll() % len(options)]


def _count(dice: Dice, low: int, high: int) -> int:
    """An integer in [low, high], uniformly; shrinks toward ``low``."""
    if high <= low:
        return low
    return low + dice.roll() * (high - low + 1) // 100


@st.composite
def chains(draw: st.DrawFn, shape: ChainShape = ChainShape()) -> Chain:
    """Well-typed chains within ``shape``; handler, tag and failure fields are left empty."""
    return _chain(Dice(draw), shape)


def _chain(dice: Dice, shape: ChainShape) -> Chain:
    """A chain within ``shape``, from ``dice`` (see :func:`chains`)."""
    nodes: dict[str, Node] = {}
    info: dict[str, _Built] = {}
    counter = [0]
    #: Retries and what holds one: never reused (a flaky lambda called from two places at
    #: once, with one input, would fail in either).
    retrying: set[str] = set()

    def new_label(kind: NodeKind) -> str:
        counter[0] += 1
        return f"{_SHORT[kind]}{counter[0]}"

    def leaf_kinds(value: Value) -> list[NodeKind]:
        return [k for k in _ORDER if k in _LEAF_KINDS and k in shape.kinds
                and _accepts(_LEAF_IO[k][0], value)]

    def composite_kinds(depth: int, value: Value) -> list[NodeKind]:
        if depth >= shape.max_depth:
            return []
        return [k for k in _ORDER if k in _COMPOSITE_KINDS and k in shape.kinds
                and (k != "tool" or value == "text")
                and (k != "fallbacks" or bool(attempt_kinds(value)))
                and (k != "retry" or bool(attempt_kinds(value)))
                and (k != "map" or "lambda" in shape.kinds)
                and (k != "assign" or value == "dict" or "parallel" in shape.kinds)]

    def attempt_kinds(value: Value) -> list[NodeKind]:
        return [k for k in _ATTEMPT_KINDS if k in shape.kinds
                and _accepts(_LEAF_IO[k][0], value)]

    def kind_for(depth: int, value: Value, level: int) -> NodeKind:
        leaves, composites = leaf_kinds(value), composite_kinds(depth, value)
        percents = shape.composite_percent or (0,)
        percent = percents[min(level, len(percents) - 1)]
        if composites and (not leaves or _chance(dice, percent)):
            return _pick(dice, composites)
        return _pick(dice, leaves)

    def seed_like(value: Value) -> bool:
        """Whether this sequence is built like the seeds' chain (prompt, chat model)."""
        return ({"prompt", "chat_model"} <= shape.kinds and value in _LEAF_IO["prompt"][0]
                and _chance(dice, shape.seed_percent))

    def gen(depth: int, value: Value, avoid: frozenset[str] = frozenset(),
            kind: NodeKind | None = None, level: int | None = None) -> str:
        """A node at ``depth`` taking ``value``; ``level`` counts the runs above it (bindings
        make none, so the node a binding wraps is as likely a composite as the binding was)."""
        level = depth if level is None else level
        dice.fresh()
        if kind is None and shape.reuse and info and _chance(dice, shape.reuse_percent):
            reusable = sorted(lbl for lbl, b in info.items()
                              if _accepts(b.accepts, value) and lbl not in avoid
                              and lbl not in retrying)
            if reusable:
                return _pick(dice, reusable)
        kind = kind or kind_for(depth, value, level)
        if kind == "map":
            return mapped(depth)
        if kind == "assign":
            return assigned(depth, value)
        label = new_label(kind)
        children: list[str] = []
        forward = True
        concurrent = sync_only = False
        if kind == "sequence":
            current = value
            accepts: frozenset[Value] | None = None
            if seed_like(value):
                steps: list[NodeKind | None] = ["prompt", "chat_model"]
                if "parser" in shape.kinds and _chance(dice, 50):
                    steps.append("parser")
            else:
                steps = [None] * _count(dice, 2, max(2, shape.max_width))
            for step in steps:
                child = gen(depth + 1, current, kind=step)
                children.append(child)
                accepts = accepts if accepts is not None else info[child].accepts
                current = info[child].returns
            info[label] = _Built(accepts or _ANY, current)
        elif kind == "parallel":
            n = _count(dice, 1, shape.max_width)
            for _ in range(n):
                children.append(gen(depth + 1, value, frozenset(children)))
            info[label] = _Built(frozenset({value}), "dict")
        elif kind == "binding":
            child = gen(depth + 1, value, level=level)
            children.append(child)
            info[label] = _Built(info[child].accepts, info[child].returns)
        elif kind == "branch":
            returns: set[Value] = set()
            for _ in range(_count(dice, 1, max(1, shape.max_width - 1))):
                counter[0] += 1
                condition = f"cond{counter[0]}"  # never reused: not in ``info``
                nodes[condition] = Node(condition, "lambda", falsy=_chance(dice, 50))
                children.append(condition)
                children.append(gen(depth + 1, value))
                returns.add(info[children[-1]].returns)
            children.append(gen(depth + 1, value))  # the default
            returns.add(info[children[-1]].returns)
            info[label] = _Built(frozenset({value}),
                                 returns.pop() if len(returns) == 1 else "any")
        elif kind == "fallbacks":
            attempt = _pick(dice, attempt_kinds(value))
            for _ in range(_count(dice, 2, max(2, shape.max_width))):
                children.append(gen(depth + 1, value, kind=attempt))
            info[label] = _Built(frozenset({value}), _LEAF_IO[attempt][1])
        elif kind == "retry":
            # mostly a lambda, which may be flaky (fail once, then succeed)
            kinds = attempt_kinds(value)
            target = gen(depth + 1, value,
                         kind=kinds[0] if _chance(dice, 50) else _pick(dice, kinds))
            children.append(target)
            info[label] = _Built(frozenset({value}), info.pop(target).returns)
        elif kind in ("dynamic", "tool") and depth < shape.max_depth:
            # The root function calls someone (else it would be a lone leaf), others may not.
            n = _count(dice, 0 if level else 1, shape.max_width)
            for _ in range(n):
                children.append(gen(depth + 1, "text"))
            # Drawn True = not forwarding: the minimal function forwards its config.
            forward = shape.forward_config_only or (
                not shape.implicit_only and not _chance(dice, 50))
            concurrent = shape.concurrent_callers and n > 1 and _chance(dice, 50)
            sync_only = n > 0 and _chance(dice, shape.sync_only_percent)
            acc, ret = _LEAF_IO[kind]
            info[label] = _Built(acc, ret)
        else:
            acc, ret = _LEAF_IO[kind]
            info[label] = _Built(acc, ret)
        slow = kind == "lambda" and _chance(dice, shape.slow_percent)
        nodes[label] = Node(label, kind, tuple(children), forward_config=forward,
                            concurrent=concurrent, slow=slow, sync_only=sync_only)
        if kind == "retry" or retrying.intersection(children):
            retrying.add(label)
        return label

    def sequence_of(steps: list[str], accepts: frozenset[Value]) -> str:
        label = new_label("sequence")
        nodes[label] = Node(label, "sequence", tuple(steps))
        info[label] = _Built(accepts, info[steps[-1]].returns)
        if retrying.intersection(steps):
            retrying.add(label)
        return label

    def mapped(depth: int) -> str:
        """``split | child.map()``: a lambda fanning its input out to a list, then the map."""
        split = new_label("lambda")
        nodes[split] = Node(split, "lambda", fanout=_count(dice, 1, 3))
        info[split] = _Built(_ANY, "list")
        child = gen(depth + 2, "text")
        label = new_label("map")
        nodes[label] = Node(label, "map", (child,))
        # "list" is a list of text (what a map takes): a map of anything else gives "any"
        info[label] = _Built(frozenset({"list"}),
                             "list" if info[child].returns == "text" else "any")
        if child in retrying:
            retrying.add(label)
        return sequence_of([split, label], _ANY)

    def assigned(depth: int, value: Value) -> str:
        """``RunnablePassthrough.assign(...)`` of a dict (from a parallel unless ``value`` is
        one), maybe followed by a ``pick`` of some of the keys it assigns."""
        steps = [] if value == "dict" else [gen(depth + 1, value, kind="parallel")]
        branches: list[str] = []
        for _ in range(_count(dice, 1, max(1, shape.max_width - 1))):
            branches.append(gen(depth + 2, "dict", frozenset(branches)))
        label = new_label("assign")
        nodes[label] = Node(label, "assign", tuple(branches))
        info[label] = _Built(frozenset({"dict"}), "dict")
        if retrying.intersection(branches):
            retrying.add(label)
        steps.append(label)
        if _chance(dice, 50):
            keys = tuple(branches[:_count(dice, 1, len(branches))])
            pick = new_label("pick")
            nodes[pick] = Node(pick, "pick", keys=keys)
            info[pick] = _Built(frozenset({"dict"}),
                                info[keys[0]].returns if len(keys) == 1 else "dict")
            steps.append(pick)
        if len(steps) == 1:
            return label
        out = sequence_of(steps, frozenset({value}))
        info.pop(label)
        info.pop(steps[-1], None)  # a pick takes only the dict its assign made
        return out

    root = gen(0, "text")
    required = shape.require_kinds & shape.kinds
    if required and not any(n.kind in required for n in nodes.values()):
        reject()
    return Chain(tuple(nodes.values()), root)


#: Kinds in shrink order: the first of each group is the simplest.
_ORDER: Final[list[NodeKind]] = [
    "lambda", "sequence", "parallel", "binding", "dynamic", "tool",
    "chat_model", "prompt", "parser", "retriever",
    # the composed kinds last: the classic kinds' draws do not move
    "branch", "fallbacks", "llm",
    "retry", "map", "assign", "generator", "streaming_llm",
]
_LEAF_KINDS: Final[frozenset[NodeKind]] = frozenset(
    {"lambda", "chat_model", "prompt", "parser", "retriever", "llm", "generator",
     "streaming_llm"})
_COMPOSITE_KINDS: Final[frozenset[NodeKind]] = frozenset(
    {"sequence", "parallel", "binding", "dynamic", "tool", "branch", "fallbacks", "retry",
     "map", "assign"})
#: The chains the composed runnables' rule tests draw: SPEC.md §8's constructs among the
#: classic kinds they are composed with.
COMPOSED_SHAPE: Final = ChainShape(
    kinds=frozenset[NodeKind]({"lambda", "sequence", "parallel", "binding", "chat_model",
                               "prompt", "parser"}) | COMPOSED_KINDS,
    require_kinds=COMPOSED_KINDS)
#: Retries among sequences, parallels, maps and bindings: what the retries-in-batches test
#: draws (a retried lambda is reached through each, batched step by step by some engines).
RETRY_SHAPE: Final = ChainShape(
    kinds=frozenset[NodeKind]({"lambda", "sequence", "parallel", "binding", "retry", "map"}),
    require_kinds=frozenset[NodeKind]({"retry"}))
#: Modes in shrink order: sync before async, invoke first.
_MODE_ORDER: Final[tuple[Mode, ...]] = ("invoke", "batch", "stream", "ainvoke", "abatch",
                                        "astream", "batch_as_completed", "abatch_as_completed",
                                        "astream_events")


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
    #: Percentage of handlers that derive from the async handler base.
    async_handler_percent: int = 25
    #: Percentage of batches of several inputs given one config per input (when supported).
    item_config_percent: int = 33
    #: With runtime and bound routes: percentage of scenarios where a handler bound on a
    #: binding is also given at run time (one handler, two routes).
    two_routes_percent: int = 35
    #: With the bound route: percentage of scenarios where a drawn node is wrapped in a binding
    #: (and, as often, that binding in a second one) when the chain has no binding.
    bind_percent: int = 30
    #: Percentage of sync invocations called from inside a running event loop (when supported).
    inside_loop_percent: int = 15
    #: With failures: the chance (percent) that each attempt of a fallbacks node fails (so that
    #: fallbacks are tried, and all attempts fail now and then).
    attempt_fail_percent: int = 60
    #: With failures: the chance (percent) that a retried lambda that does not always fail
    #: fails on its first attempt (then succeeds on the second).
    flaky_percent: int = 75
    #: Percentage of registrations (lists of handlers) given as a callback manager.
    manager_percent: int = 50
    # SPEC.md §1 and §8's handler options, drawn by the tests that ask for them (0: not drawn,
    # and no die rolled, so the other tests' draws stay as they were).
    #: Percentage of handlers that set ``ignore_*`` flags (one, a quarter of them two).
    ignore_percent: int = 0
    #: Percentage of handlers with ``run_inline = True``, from a die of their own (async
    #: handlers included).
    inline_percent: int = 0
    #: Percentage of the sync handlers made ``run_inline``, read from the die that makes
    #: handlers async (no die of its own, so the other draws stay as they were). In async modes
    #: a sync handler that is not inline is called on a worker thread, a thread hop per event
    #: (about 100 us: 40% of an async scenario's run on the reference); a share of inline
    #: ones keeps both paths in every test at a lower cost.
    sync_inline_percent: int = 40
    #: Percentage of registrations given as a callback manager that hold one of their
    #: handlers as local (non-inheritable).
    local_percent: int = 0
    #: Percentage of invocations of several inputs, or of chains that run children at once,
    #: given ``max_concurrency`` 1 or 2 (SPEC.md §8: it never changes which runs exist).
    max_concurrency_percent: int = 0
    #: With the bound route: percentage of bindings that also bind a ``run_name``
    #: (``with_config(run_name=...)``, R14: it names the bound object's run only, unless a run
    #: name given closer to the caller does). Its die is the binding's last.
    bound_run_name_percent: int = 0


def _subset(dice: Dice, handlers: Sequence[str], duplicates: bool) -> tuple[str, ...]:
    """Handlers for one registration list: shrinks toward none; one more than there are
    handlers (so a duplicate) when ``duplicates``."""
    chosen: list[str] = []
    for _ in range(_count(dice, 0, len(handlers) + 1) if handlers else 0):
        left = handlers if duplicates else [h for h in handlers if h not in chosen]
        if not left:
            break
        chosen.append(_pick(dice, left))
    return tuple(chosen)


def _insert_binding(dice: Dice, chain: Chain, target: str | None = None) -> Chain:
    """Wrap one reachable node (``target``, or one drawn) in a new binding, at the root or
    under one of its parents."""
    if target is None:
        target = _pick(dice, [n.label for n in chain.walk()])
    label = f"bind_{target}"
    while label in chain:
        label += "_"
    binding = Node(label, "binding", (target,))
    parents = [n for n in chain.walk() if target in n.children]
    if not parents:
        return Chain((*chain.nodes, binding), label)
    parent = _pick(dice, parents)
    index = parent.children.index(target)
    rewired = replace(parent, children=(*parent.children[:index], label,
                                        *parent.children[index + 1:]))
    nodes = tuple(rewired if n.label == parent.label else n for n in chain.nodes)
    if parent.kind == "assign":  # the key it assigns is renamed: so is its pick's
        nodes = _picks_renamed(nodes, parent.label, target, label)
    return Chain((*nodes, binding), chain.root)


def _picks_renamed(nodes: tuple[Node, ...], assign: str, old: str, new: str
                   ) -> tuple[Node, ...]:
    """``nodes`` with key ``old`` of the pick that follows ``assign`` (an assign's keys are its
    children's labels) named ``new``: a pick of a key its input lacks returns None, and a stream
    of it yields nothing, which is not what the pick was drawn to check."""
    picks = {step for n in nodes if n.kind == "sequence"
             for before, step in zip(n.children, n.children[1:]) if before == assign}
    return tuple(replace(n, keys=tuple(new if k == old else k for k in n.keys))
                 if n.label in picks and n.kind == "pick" else n for n in nodes)


@st.composite
def scenarios(
    draw: st.DrawFn,
    capabilities: Capabilities,
    registrations: Registrations = Registrations(),
    shape: ChainShape | None = None,
    modes: Sequence[Mode] | None = None,
) -> Scenario:
    """A chain with handlers registered through the allowed routes, and one invocation."""
    dice = Dice(draw)
    caps = capabilities
    shape = shape or ChainShape()
    shape = replace(shape, kinds=shape.kinds & caps.node_kinds,
                    forward_config_only=shape.forward_config_only or not caps.implicit_context,
                    sync_only_percent=shape.sync_only_percent if caps.sync_only_callers else 0)
    chain = _chain(dice, shape)
    dice.fresh()
    reg = registrations
    if reg.require_bound and "binding" in caps.node_kinds:
        chain = _insert_binding(dice, chain)
        if reg.nested_bound:
            inner = chain.nodes[-1].label
            chain = _insert_binding(dice, chain, inner)
    elif (reg.bound and "binding" in shape.kinds
          and not any(n.kind == "binding" for n in chain.walk())
          and _chance(dice, reg.bind_percent)):
        chain = _insert_binding(dice, chain)
        if _chance(dice, 50):
            chain = _insert_binding(dice, chain, chain.nodes[-1].label)
    n = _count(dice, 1, max(1, reg.max_handlers))
    ids = [f"h{i}" for i in range(1, n + 1)]
    tag_counter = [0]

    def tags() -> tuple[str, ...]:
        if not reg.tags or not (reg.tag_every_route or _chance(dice, 50)):
            return ()
        tag_counter[0] += 1
        return (f"tag{tag_counter[0]}",)

    def metadata() -> tuple[tuple[str, str], ...]:
        if not reg.tags or not (reg.tag_every_route or _chance(dice, 50)):
            return ()
        tag_counter[0] += 1
        return ((f"key{tag_counter[0]}", f"value{tag_counter[0]}"),)

    attempts = {a for n in chain.nodes if n.kind == "fallbacks" for a in n.children}
    retried = {chain.target(n.children[0]).label for n in chain.nodes if n.kind == "retry"}
    nodes = []
    for node in chain.nodes:
        dice.fresh()
        callbacks: tuple[str, ...] = ()
        node_tags: tuple[str, ...] = ()
        meta: tuple[tuple[str, str], ...] = ()
        fail = flaky = False
        if node.kind == "binding":
            if reg.bound:
                callbacks = _subset(dice, ids, reg.duplicates)
                node_tags, meta = tags(), metadata()
        elif reg.constructor and node.kind in caps.constructor_callbacks:
            callbacks = _subset(dice, ids, reg.duplicates)
            node_tags, meta = tags(), metadata()
        if (reg.failures and node.kind in caps.failing_kinds and node.kind in FAILABLE_KINDS
                and not node.fanout):
            fail = _chance(dice, reg.attempt_fail_percent if node.label in attempts
                           else reg.fail_percent)
            # a retried lambda that does not always fail fails on its first attempt
            flaky = node.label in retried and node.kind == "lambda" and not fail and _chance(
                dice, reg.flaky_percent)
        as_manager = _chance(dice, reg.manager_percent) and caps.manager_form and bool(callbacks)
        local = _local(dice, caps, reg, callbacks) if as_manager else ()
        named = node.kind == "binding" and reg.bound and _chance(dice,
                                                                 reg.bound_run_name_percent)
        nodes.append(replace(node, callbacks=callbacks, tags=node_tags, metadata=meta, fail=fail,
                             callbacks_as_manager=as_manager, flaky=flaky, local=local,
                             run_name=_bound_name(node.label) if named else None))
    chain = Chain(tuple(nodes), chain.root)
    if reg.require_bound and not any(n.callbacks for n in chain.nodes if n.kind == "binding"):
        binding = next((n for n in chain.nodes if n.kind == "binding"), None)
        if binding is not None:
            chain = chain.replace_node(replace(binding, callbacks=(_pick(dice, ids),)))
    if reg.nested_bound and reg.bound:
        for node in chain.nodes[-2:]:  # the two bindings just inserted, inner then outer
            if node.kind == "binding" and not node.callbacks:
                chain = chain.replace_node(
                    replace(node, callbacks=(_pick(dice, ids),)))
    if reg.require_constructor:
        eligible = [n for n in chain.nodes
                    if n.kind != "binding" and n.kind in caps.constructor_callbacks]
        if eligible and not any(n.callbacks for n in eligible):
            node = _pick(dice, eligible)
            chain = chain.replace_node(replace(node, callbacks=(_pick(dice, ids),)))
    faulty = _pick(dice, ids) if reg.faults else None
    fault: Fault = "raise_error" if reg.raise_error and caps.raise_error else "raise"
    fault_on: FaultOn = _pick(dice, ["any", "start", "end"]) if faulty else "any"
    handlers = tuple(_handler(dice, caps, reg, h, fault if h == faulty else "none",
                              fault_on if h == faulty else "any") for h in ids)
    fans_out = any(n.kind in ("parallel", "map") or n.concurrent for n in chain.walk())
    invocation = _invocation(dice, caps, ids if reg.runtime else [], reg, modes, tags, metadata,
                             fans_out)
    bound = sorted({h for n in chain.walk() if n.kind == "binding" for h in n.callbacks})
    if reg.runtime and _chance(dice, reg.two_routes_percent) and bound:
        invocation = _also_at_run_time(invocation, _pick(dice, bound))
    chain = _unshared_flaky(chain, handlers, invocation)
    scenario = Scenario(chain, handlers, invocation)
    _events(scenario)
    return scenario


def _handler(dice: Dice, caps: Capabilities, reg: Registrations, handler: str, fault: Fault,
             fault_on: FaultOn) -> HandlerSpec:
    """One handler. Its kind comes from one die: the plain sync handler at the bottom (what a
    shrunk handler is), then the ``run_inline`` sync ones, the async ones at the top."""
    asynchronous = inline = False
    if caps.async_handlers and 0 < reg.async_handler_percent < 100:
        roll = dice.roll()
        asynchronous = roll >= 100 - reg.async_handler_percent
        inline_from = (100 - reg.async_handler_percent) * (100 - reg.sync_inline_percent) // 100
        inline = caps.run_inline and not asynchronous and roll >= inline_from
    else:
        asynchronous = caps.async_handlers and reg.async_handler_percent >= 100
    ignored = _ignored(dice, caps, reg)
    inline = (caps.run_inline and _chance(dice, reg.inline_percent)) or inline
    return HandlerSpec(handler, fault, fault_on, asynchronous, ignored, inline)


def _unshared_flaky(chain: Chain, handlers: tuple[HandlerSpec, ...],
                    invocation: Invocation) -> Chain:
    """``chain`` with the flaky lambdas that two retry runs would call with one value (two
    batch items past a lambda that returns its label, say) made plain: which of their calls
    fails would depend on an order the spec leaves to the engine (``Node``'s ``flaky``). No
    die is rolled, so the other draws stay as they were; the others stay flaky."""
    flaky = [n for n in chain.nodes if n.flaky]
    if not flaky:
        return chain
    plain = Chain(tuple(replace(n, flaky=False) if n.flaky else n for n in chain.nodes),
                  chain.root)
    shared = shared_flaky_inputs(Scenario(plain, handlers, invocation),
                                 [n.label for n in flaky])
    for node in flaky:
        if node.label in shared:
            chain = chain.replace_node(replace(node, flaky=False))
    return chain


def _bound_name(label: str) -> str:
    """The run name a binding binds: its own (no label ends so), so a run carrying it tells
    which binding named it."""
    return f"{label}_name"


def _ignored(dice: Dice, caps: Capabilities, reg: Registrations) -> tuple[IgnoreFlag, ...]:
    """A handler's ``ignore_*`` flags: mostly none; else one, now and then two."""
    flags = [f for f in IGNORE_FLAGS if f in caps.ignore_flags]
    if not flags or not _chance(dice, reg.ignore_percent):
        return ()
    first = _pick(dice, flags)
    second = _pick(dice, flags) if _chance(dice, 25) else first
    return tuple(dict.fromkeys((first, second)))


def _local(dice: Dice, caps: Capabilities, reg: Registrations,
           handlers: Sequence[str]) -> tuple[str, ...]:
    """The handler a callback manager holds as local, if any (SPEC.md §1)."""
    if not (caps.local_handlers and handlers and _chance(dice, reg.local_percent)):
        return ()
    return (_pick(dice, handlers),)


def _also_at_run_time(inv: Invocation, handler: str) -> Invocation:
    """``inv`` with ``handler`` among its runtime handlers (of the first input, per item)."""
    if inv.item_callbacks:
        first, *rest = inv.item_callbacks
        if handler in first:
            return inv
        return replace(inv, item_callbacks=((*first, handler), *rest))
    if handler in inv.callbacks:
        return inv
    return replace(inv, callbacks=(*inv.callbacks, handler))


def _events(scenario: Scenario) -> None:
    """Hypothesis events (``--hypothesis-show-statistics``): mode, size, notable features."""
    chain, inv = scenario.chain, scenario.invocation
    runs = sum(1 for n in chain.walk() if n.kind != "binding")
    try:
        event(f"mode: {inv.mode}")
        event(f"nodes: {runs if runs < 5 else '5+'}")
        if any(n.fail for n in chain.walk()):
            event("a node fails")
        if any(n.sync_only for n in chain.walk()) and inv.mode in ASYNC_MODES:
            event("sync-only function under an async mode")
        if inv.inside_loop:
            event("sync mode inside a running event loop")
    except InvalidArgument:  # drawn outside a Hypothesis test: no statistics to add to
        pass


def _invocation(
    dice: Dice,
    caps: Capabilities,
    handler_ids: Sequence[str],
    reg: Registrations,
    modes: Sequence[Mode] | None,
    tags: Callable[[], tuple[str, ...]],
    metadata: Callable[[], tuple[tuple[str, str], ...]],
    fans_out: bool = False,
) -> Invocation:
    """How the chain is invoked, with its runtime registrations. ``fans_out``: the chain runs
    children at once (parallel branches, map items, concurrent callees), which a
    ``max_concurrency`` limits too.

    The choices whose number never varies come first, each drawn whether it applies or not, so
    shrinking one (the mode toward ``invoke``, say) leaves the meaning of the others alone.
    """
    dice.fresh()
    # The modes SPEC.md §8 adds only where a test asks for them (the others' draws stay put)
    wanted = set(modes or caps.modes - EXTRA_MODES) & caps.modes
    allowed = [m for m in _MODE_ORDER if m in wanted]
    mode: Mode = _pick(dice, allowed)
    per_item = reg.per_item_configs and caps.per_item_config
    batch_size = _count(dice, 2 if per_item else 1, 3)
    count = batch_size if mode in BATCH_MODES else 1
    inside_loop = _chance(dice, reg.inside_loop_percent)
    inside_loop = inside_loop and mode not in ASYNC_MODES and caps.sync_inside_loop
    as_manager = _chance(dice, reg.manager_percent) and caps.manager_form
    one_config_each = (per_item or _chance(dice, reg.item_config_percent)) and caps.per_item_config
    run_name = run_id = None
    if reg.root_config and caps.root_config:
        # Listed first = drawn first and shrunk to: a scenario asking for root config has it,
        # in every mode (a batch names each item's root).
        run_name = _pick(dice, ["custom_root_name", None])
        # One id names one root: only with one input (a batch of one included).
        if _pick(dice, [True, False]) and count == 1:
            run_id = _RUN_ID
    fallback = _pick(dice, handler_ids) if handler_ids else None
    callbacks = _subset(dice, handler_ids, reg.duplicates) if handler_ids else ()
    if reg.runtime and fallback is not None and not callbacks:
        callbacks = (fallback,)
    item_callbacks: tuple[tuple[str, ...], ...] = ()
    if callbacks and count > 1 and one_config_each:  # batch(inputs, [config, ...])
        item_callbacks = tuple(_subset(dice, handler_ids, reg.duplicates)
                               for _ in range(count))
        callbacks = ()
    as_manager = as_manager and bool(callbacks or item_callbacks)
    given = tuple(dict.fromkeys(h for hs in (callbacks, *item_callbacks) for h in hs))
    local = _local(dice, caps, reg, given) if as_manager else ()
    limit = None
    if (count > 1 or fans_out) and _chance(dice, reg.max_concurrency_percent):
        limit = _pick(dice, [1, 2, 2])  # mostly items at once, now and then one at a time
    return Invocation(
        mode=mode,
        inputs=tuple(f"input{i}" for i in range(count)),
        callbacks=callbacks,
        callbacks_as_manager=as_manager,
        local=local,
        tags=tags() if reg.runtime else (),
        metadata=metadata() if reg.runtime else (),
        run_name=run_name,
        run_id=run_id,
        item_callbacks=item_callbacks,
        inside_loop=inside_loop,
        max_concurrency=limit,
    )
