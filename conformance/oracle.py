"""The oracle: what every handler must observe, computed from the chain model alone.

A pure function of a :class:`~conformance.model.Scenario`. It knows the spec's scope rules and
nothing about any implementation (it never imports ``reference``), so the reference engine is
checked against it like every other engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Final, Literal, NamedTuple

from .model import (
    BATCH_MODES,
    RETRY_ATTEMPTS,
    RUN_TYPE_OF,
    STREAM_MODES,
    Chain,
    ModelError,
    Node,
    Scenario,
)

__all__ = ["Ending", "Expectation", "ExpectedRun", "Route", "expect", "prompt_of", "prompt_text",
           "reply_of", "shared_flaky_inputs", "streamed_models"]

RouteKind = Literal["runtime", "bound", "constructor"]
#: How an expected run must end: with an end event, an error event, or either (``any``).
Ending = Literal["end", "error", "any"]
ChildOrder = Literal["sequential", "pipelined", "unordered"]


@dataclass(frozen=True)
class Route:
    """How a handler (or a tag) reached a run: the route, and where it was attached."""

    kind: RouteKind
    at: str | None = None

    def __str__(self) -> str:
        return self.kind if self.at is None else f"{self.kind} on {self.at!r}"


RUNTIME: Final = Route("runtime")


#: What a run that no ignore_* flag silences has in ``ExpectedRun.ignoring`` (read-only: shared).
_NOTHING_IGNORED: Final[Mapping[str, frozenset[Route]]] = MappingProxyType({})


class ExpectedRun(NamedTuple):
    """One run the invocation must produce.

    ``key`` is its position: (batch item, child index, child index, ...). ``handlers`` maps every
    handler in scope to the routes that put it there. ``optional`` runs may or may not happen (a
    later step of a pipelined stream whose earlier step failed); if they happen, they must follow
    every rule but may end either way.

    (A named tuple, not a frozen dataclass: as immutable, and built without a call per field,
    which the oracle does for every run it expects, several per example the suite checks.)
    """

    key: tuple[int, ...]
    label: str
    name: str
    run_type: str
    parent: tuple[int, ...] | None
    handlers: Mapping[str, frozenset[Route]]
    tags: frozenset[str]
    metadata: frozenset[tuple[str, str]]
    ending: Ending
    optional: bool
    children: tuple[tuple[int, ...], ...]
    child_order: ChildOrder
    #: The value the run receives and returns, canonical (see ``conformance.events.canonical``);
    #: None where the chain model does not fix it (a prompt's rendering of documents, say).
    input: Any = None
    output: Any = None
    #: The label of the injected failure that passes through the run, when it fails.
    error: str | None = None
    #: Handlers in scope by a route whose ``ignore_*`` flags silence this run (SPEC.md §8):
    #: not in ``handlers``; an event of the run delivered to one breaks its route's rule.
    ignoring: Mapping[str, frozenset[Route]] = _NOTHING_IGNORED
    #: A run named by a ``run_name`` in a config (the invocation's, for a root, or one a binding
    #: bound): the name its object gives it without one (a run that carries it is a run the
    #: run_name did not rename, R14's to report).
    unnamed: str | None = None


@dataclass(frozen=True)
class Expectation:
    """Everything the oracle predicts for one scenario."""

    runs: Mapping[tuple[int, ...], ExpectedRun]
    roots: tuple[tuple[int, ...], ...]
    #: Per input: the label whose injected failure the caller must receive, or None for success.
    failures: tuple[str | None, ...]
    #: The invocation's ``run_name`` (it names each root instead of its object).
    run_name: str | None = None
    #: The run names bindings of the chain bind (``with_config(run_name=...)``): each names the
    #: bound object's run where no run name given closer to the caller does (R14).
    bound_names: frozenset[str] = frozenset()

    def config_names(self) -> frozenset[str]:
        """Every run name a config gives: the invocation's and the bound ones."""
        given = self.bound_names
        return given | {self.run_name} if self.run_name is not None else given

    def ancestors(self, key: tuple[int, ...]) -> list[tuple[int, ...]]:
        out = []
        parent = self.runs[key].parent
        while parent is not None:
            out.append(parent)
            parent = self.runs[parent].parent
        return out

    def scope(self, handler: str) -> list[ExpectedRun]:
        return [r for r in self.runs.values() if handler in r.handlers]


Handlers = Mapping[str, frozenset[Route]]
_NO_HANDLERS: Final[Handlers] = {}


def _with(handlers: Handlers, ids: Iterable[str], route: Route) -> Handlers:
    out = dict(handlers)
    for h in ids:
        out[h] = out.get(h, frozenset()) | {route}
    return out


@dataclass(frozen=True)
class _Context:
    """What flows down the tree: inheritable handlers, tags and metadata; and ``local``, the
    handlers a callback manager holds as local, which reach the next run only (SPEC.md §1)."""

    handlers: Handlers
    tags: frozenset[str]
    metadata: frozenset[tuple[str, str]]
    local: Handlers = field(default_factory=dict)

    def add(self, node: Node, kind: RouteKind) -> _Context:
        """The context with what ``node`` gives by route ``kind`` added: its constructor's
        handlers, tags and metadata, or what a binding binds."""
        if not (node.callbacks or node.tags or node.metadata):
            return self  # (many nodes give nothing)
        handlers, local = self.handlers, self.local
        if node.callbacks:  # (the mappings are never changed, so they are shared otherwise)
            route = Route(kind, node.label)
            held = set(node.local) if node.callbacks_as_manager else set()
            handlers = _with(handlers, (h for h in node.callbacks if h not in held), route)
            local = _with(local, (h for h in node.callbacks if h in held), route)
        return _Context(handlers, self.tags.union(node.tags) if node.tags else self.tags,
                        self.metadata.union(node.metadata) if node.metadata else self.metadata,
                        local)

    def run_handlers(self) -> Handlers:
        """The handlers of the run this context is given to: the inheritable and the local."""
        if not self.local:
            return self.handlers
        out = dict(self.handlers)
        for h, routes in self.local.items():
            out[h] = out.get(h, frozenset()) | routes
        return out

    def inherited(self) -> _Context:
        """What the run hands to its children: without the local handlers."""
        return replace(self, local=_NO_HANDLERS) if self.local else self


def reply_of(label: str) -> str:
    """What a chat model node answers (the adapter protocol's convention)."""
    return f"{label} says hi"


#: How a prompt value renders the one human message of a prompt node (``to_string()``).
_HUMAN: Final = "Human: "


def prompt_of(text: str) -> dict[str, str]:
    """What a prompt node (one human message from its one variable, the adapter protocol's
    convention) returns for the string ``text``, canonical: a prompt value rendered as text."""
    return {"prompt": f"{_HUMAN}{text}"}


def prompt_text(value: Any) -> str | None:
    """The text a prompt node made the prompt value ``value`` of (what its human message
    holds), or None when ``value`` is no such prompt value."""
    if isinstance(value, dict) and set(value) == {"prompt"}:
        rendered = value["prompt"]
        if isinstance(rendered, str) and rendered.startswith(_HUMAN) and "\n" not in rendered:
            return rendered[len(_HUMAN):]
    return None


def _leaf_output(node: Node, value: Any) -> Any:
    """What a leaf returns for ``value``, canonical; None when the model does not fix it."""
    kind = node.kind
    if kind == "lambda" and node.falsy:
        return ""
    if kind == "lambda" and node.fanout:
        return [f"{node.label}:{i}" for i in range(node.fanout)]
    if kind in ("lambda", "dynamic", "tool", "generator"):
        return node.label
    if kind in ("llm", "streaming_llm"):
        return reply_of(node.label)
    if kind == "pick":
        return pick_of(node.keys, value)
    if kind == "prompt":  # (given documents or a prompt value, its rendering is the engine's)
        return prompt_of(value) if isinstance(value, str) else None
    if kind == "chat_model":
        return {"type": "ai", "content": reply_of(node.label)}
    if kind == "retriever":
        return [{"document": node.label}]
    if kind == "parser":
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and value.get("type") == "ai":
            return value.get("content")
    return None


def pick_of(keys: tuple[str, ...], value: Any) -> Any:
    """What ``RunnablePick`` returns for ``value``: one key's value, or the dict of the keys
    present (None when none is); None when ``value`` is not known."""
    if not isinstance(value, dict):
        return None
    if len(keys) == 1:
        return value.get(keys[0])
    return {k: value[k] for k in keys if k in value} or None


def _cut_short(runs: dict[tuple[int, ...], ExpectedRun], roots: list[tuple[int, ...]]) -> None:
    """Runs under ``roots`` were upstream of a failure in a pipelined stream (R8).

    The failure may interrupt them before they finish, or come after they did, so each of them
    may end with an end or an error event; they must still end exactly once.
    """
    for key, run in list(runs.items()):
        if run.ending == "end" and any(key[: len(root)] == root for root in roots):
            runs[key] = run._replace(ending="any")


def expect(scenario: Scenario) -> Expectation:
    """Predict the run trees and per-handler scopes of ``scenario``.

    Raises :class:`~conformance.model.ModelError` when the spec does not fix what a flaky
    lambda does (:func:`shared_flaky_inputs`): no prediction would be right for every engine.
    """
    expectation = _expand(scenario)
    flaky = {n.label for n in scenario.chain.walk() if n.flaky}
    if flaky:
        shared = _shared_toggles(scenario.chain, expectation.runs, flaky)
        if shared:
            raise ModelError("; ".join(shared.values()))
    return expectation


def _expand(scenario: Scenario) -> Expectation:
    """:func:`expect`'s prediction, whatever the flaky lambdas."""
    inv = scenario.invocation
    chain = scenario.chain
    streaming = inv.mode in STREAM_MODES
    runs: dict[tuple[int, ...], ExpectedRun] = {}

    outputs: dict[tuple[int, ...], Any] = {}

    def expand(
        label: str,
        ctx: _Context,
        key: tuple[int, ...],
        parent: tuple[int, ...] | None,
        optional: bool,
        value: Any,
        name: str | None = None,
        first_attempt: bool = False,
    ) -> str | None:
        """Add the runs of ``label`` at ``key`` receiving ``value``; return the failing label,
        if it fails (its output goes to ``outputs[key]``). ``first_attempt``: a retry's first
        attempt, where a flaky lambda fails."""
        node = chain[label]
        if node.kind == "binding":
            # (R14: the run name given nearest the caller wins: the invocation's over a bound
            # one, an outer binding's over an inner one)
            return expand(node.children[0], ctx.add(node, "bound"), key, parent,
                          optional, value, node.run_name if name is None else name,
                          first_attempt)
        given = name  # a run name from a config, which renames this run
        own = ctx.add(node, "constructor")
        ctx = ctx.inherited()
        # (a retry run is named after the runnable it retries)
        own_name = chain.target(node.children[0]).label if node.kind == "retry" else label
        child_keys: list[tuple[int, ...]] = []

        def child(i: int, child_label: str, arg: Any, maybe: bool = optional,
                  first: bool = False) -> tuple[tuple[int, ...], str | None]:
            """Add child ``i`` of this run, ``child_label`` receiving ``arg``: (its key, the
            failing label if it fails)."""
            child_key = (*key, i)
            child_keys.append(child_key)
            return child_key, expand(child_label, ctx, child_key, key, maybe, arg,
                                     first_attempt=first)

        failed: str | None = None
        order: ChildOrder = "sequential"
        output: Any = None
        if node.kind == "sequence":
            order = "pipelined" if streaming else "sequential"
            later_optional = optional
            step_value = value
            for i, step in enumerate(node.children):
                child_key, step_failed = child(i, step, step_value, later_optional)
                step_value = outputs.get(child_key)
                if step_failed is not None and failed is None and not later_optional:
                    failed = step_failed
                    if not streaming:
                        break
                    later_optional = True  # pipelined later steps may have started
                    _cut_short(runs, [(*key, j) for j in range(i)])
            output = step_value
        elif node.kind == "parallel":
            order = "unordered"
            branch_outputs = {}
            for i, branch in enumerate(node.children):
                child_key, branch_failed = child(i, branch, value)
                branch_outputs[branch] = outputs.get(child_key)
                if failed is None:
                    failed = branch_failed
            if None not in branch_outputs.values():
                output = branch_outputs
        elif node.kind == "retry":
            # SPEC §8: each attempt a child with its own id, until one succeeds or
            # stop_after_attempt runs out; the retry run ends with the last attempt's outcome
            # and is named after the runnable it retries.
            name = name or own_name
            for n in range(RETRY_ATTEMPTS):
                child_key, failed = child(n, node.children[0], value, first=n == 0)
                if failed is None and not optional:  # (maybe never started: any attempts may run)
                    output = outputs.get(child_key)
                    break
        elif node.kind == "map":
            # SPEC §8: each item a child run of the mapped runnable, run as a batch (all of
            # them, at once); the first failing item in input order fails the map.
            order = "unordered"
            items = value if isinstance(value, list) else []
            item_outputs = []
            for i, item in enumerate(items):
                child_key, item_failed = child(i, node.children[0], item)
                item_outputs.append(outputs.get(child_key))
                failed = failed or item_failed
            output = item_outputs if None not in item_outputs else None
        elif node.kind == "assign":
            # SPEC §8: one child, the run of its RunnableParallel, whose children are the
            # branches (each receiving the input dict); the input with their outputs added.
            mapper = (*key, 0)
            child_keys.append(mapper)
            mapper_keys: list[tuple[int, ...]] = []
            added: dict[str, Any] = {}
            mapper_failed: str | None = None
            for i, branch in enumerate(node.children):
                child_key = (*mapper, i)
                mapper_keys.append(child_key)
                branch_failed = expand(branch, ctx, child_key, mapper, optional, value)
                added[branch] = outputs.get(child_key)
                mapper_failed = mapper_failed or branch_failed
            failed = mapper_failed
            known = None not in added.values()  # a branch whose output the model cannot fix
            if isinstance(value, dict) and known:
                output = {**value, **added}
            mapper_handlers, mapper_ignoring = _silenced(ctx.handlers, "chain")
            runs[mapper] = ExpectedRun(
                key=mapper, label=label, name=f"RunnableParallel<{','.join(node.children)}>",
                run_type="chain", parent=key, handlers=mapper_handlers,
                ignoring=mapper_ignoring, tags=ctx.tags,
                metadata=ctx.metadata,
                ending="any" if optional else ("error" if failed else "end"),
                optional=optional, children=tuple(mapper_keys), child_order="unordered",
                input=value, output=dict(added) if known and not (optional or failed) else None,
                error=None if optional else failed)
        elif node.kind in ("branch", "fallbacks") and optional:
            # Maybe never started (after a failure upstream in a pipelined stream): any of its
            # children may have run, none must.
            for i, maybe_run in enumerate(node.children):
                child(i, maybe_run, value)
        elif node.kind == "branch":
            # SPEC §8: each condition evaluated is a child, in order, until one holds (or
            # raises); then the chosen runnable (or the default), invoked or streamed.
            chosen = len(node.children) - 1
            for i in range(0, len(node.children) - 1, 2):
                child_key, failed = child(i, node.children[i], value)
                if failed is not None:
                    break
                if outputs.get(child_key):
                    chosen = i + 1
                    break
            if failed is None:
                child_key, failed = child(chosen, node.children[chosen], value)
                output = outputs.get(child_key)
        elif node.kind == "fallbacks":
            # SPEC §8: each attempt a child, in turn, until one succeeds; when all fail, the
            # first attempt's exception. (The attempts the strategies draw fail before they
            # yield anything, so a stream falls back too.)
            first: str | None = None
            for i, attempt in enumerate(node.children):
                child_key, attempt_failed = child(i, attempt, value)
                if attempt_failed is None:
                    first = None
                    output = outputs.get(child_key)
                    break
                first = first or attempt_failed
            failed = first
        elif node.concurrent:  # a function or tool starting all its callees at once
            order = "unordered"
            for i, callee in enumerate(node.children):
                callee_failed = child(i, callee, label)[1]
                if failed is None:
                    failed = callee_failed
            if failed is None and node.fail:
                failed = label
            output = _leaf_output(node, value)
        else:  # leaves, and dynamic functions / tools calling their children in turn
            for i, callee in enumerate(node.children):
                failed = child(i, callee, label)[1]
                if failed is not None:
                    break
            if failed is None and (node.fail or (node.flaky and first_attempt)):
                failed = label
            output = _leaf_output(node, value)
        outputs[key] = output if not failed else None
        run_type = RUN_TYPE_OF[node.kind]
        handlers, ignoring = _silenced(own.run_handlers(), run_type)
        runs[key] = ExpectedRun(
            key=key,
            label=label,
            name=name or label,
            run_type=run_type,
            parent=parent,
            handlers=handlers,
            ignoring=ignoring,
            tags=own.tags,
            metadata=own.metadata,
            ending="any" if optional else ("error" if failed else "end"),
            optional=optional,
            children=tuple(child_keys),
            child_order=order,
            input=value,
            output=None if optional or failed else output,
            error=None if optional else failed,
            unnamed=own_name if given is not None else None,
        )
        return None if optional else failed

    local = set(inv.local) if inv.callbacks_as_manager else set()
    ignores = {h.id: h for h in scenario.handlers if h.ignore}

    def _silenced(handlers: Handlers, run_type: str) -> tuple[Handlers, Handlers]:
        """``handlers`` split into those the run reaches and those whose flags silence it."""
        if not ignores or not any(ignores[h].ignores(run_type) for h in handlers
                                  if h in ignores):
            return handlers, _NO_HANDLERS
        reached = {h: r for h, r in handlers.items()
                   if h not in ignores or not ignores[h].ignores(run_type)}
        return reached, {h: r for h, r in handlers.items() if h not in reached}

    def runtime(item: int) -> _Context:
        given = inv.runtime_handlers(item)
        return _Context(
            {h: frozenset({RUNTIME}) for h in given if h not in local},
            frozenset(inv.tags),
            frozenset(inv.metadata),
            {h: frozenset({RUNTIME}) for h in given if h in local},
        )

    items = len(inv.inputs) if inv.mode in BATCH_MODES else 1
    failures = tuple(
        expand(chain.root, runtime(item), (item,), None, False, inv.inputs[item], inv.run_name)
        for item in range(items)
    )
    bound = frozenset(n.run_name for n in chain.walk() if n.run_name is not None)
    return Expectation(runs, tuple((i,) for i in range(items)), failures, inv.run_name, bound)


#: Node kinds that must stream their reply token by token when a stream carries them: chat
#: models (langchain-core's FakeStreamingListLLM, the ``streaming_llm``, streams its reply after
#: an invoke without token callbacks, so a streaming LLM's tokens are judged only when given).
_TOKEN_STREAMING_KINDS: Final = frozenset({"chat_model"})


def streamed_models(scenario: Scenario, expectation: Expectation) -> frozenset[tuple[int, ...]]:
    """Runs of chat models the stream itself carries (SPEC.md R15.4): in a stream mode, a chat
    model that is the root, or a step of a sequence the stream carries (through bindings, which
    make no run), and that ends normally with a non-empty reply. Each must emit tokens. Models
    reached any other way (inside a function, a tool, a parallel, a retry, a fallback, a branch,
    a map) may be invoked whole, so they are not judged."""
    if scenario.invocation.mode not in STREAM_MODES:
        return frozenset()
    chain = scenario.chain
    runs = expectation.runs
    carried: set[tuple[int, ...]] = set()
    for key in sorted(runs, key=len):
        run = runs[key]
        parent = run.parent
        if parent is None or (parent in carried and run.label in chain
                              and chain[runs[parent].label].kind == "sequence"):
            carried.add(key)
    out = []
    for key in carried:
        run = runs[key]
        if run.label not in chain or chain[run.label].kind not in _TOKEN_STREAMING_KINDS \
                or run.optional or run.ending != "end":
            continue
        reply = run.output.get("content") if isinstance(run.output, dict) else run.output
        if isinstance(reply, str) and reply:
            out.append(key)
    return frozenset(out)


def shared_flaky_inputs(scenario: Scenario, labels: Iterable[str]) -> dict[str, str]:
    """The lambdas among ``labels`` that two retry runs of ``scenario`` would call with one
    value, each with why (:func:`expect` refuses a scenario where a flaky lambda is one).

    Which runs exist and what they receive does not depend on the flaky flags (a retried flaky
    lambda succeeds on its second attempt), so ``labels`` may name lambdas that are not flaky
    in ``scenario``: the strategies ask before making them flaky.
    """
    return _shared_toggles(scenario.chain, _expand(scenario).runs, set(labels))


def _shared_toggles(chain: Chain, runs: Mapping[tuple[int, ...], ExpectedRun],
                    labels: set[str]) -> dict[str, str]:
    """:func:`shared_flaky_inputs` over the expected ``runs``.

    A flaky lambda keeps one toggle per input value (:class:`~conformance.model.Node`), so its
    outcome is fixed only when each value reaches it through one retry run. Two retry runs
    handing it one value (two batch items past a lambda that returns its label, two items of a
    map inside a map) interleave their attempts in an order the spec leaves to the engine: a
    sequence's batch may run item by item or step by step, a retry's batch retry only the
    failed items, a parallel's branches and a map's items run at once. A value the model does
    not fix (None) is taken to be anyone's.
    """
    seen: dict[str, list[tuple[tuple[int, ...], Any]]] = {}
    for run in runs.values():
        node = chain[run.label]
        if node.kind == "retry":
            target = chain.target(node.children[0]).label
            if target in labels:
                seen.setdefault(target, []).append((run.key, run.input))
    out: dict[str, str] = {}
    for label, reaches in sorted(seen.items()):
        for i, (a, x) in enumerate(reaches):
            b = next((b for b, y in reaches[i + 1:] if x is None or y is None or x == y), None)
            if b is not None:
                value = "an input the model does not fix" if x is None else f"the input {x!r}"
                out[label] = (f"flaky lambda {label!r} is called with {value} by two retry "
                              f"runs (at {a} and {b}: batch item, then child indexes): which "
                              f"of their calls fails depends on the order of calls across "
                              f"them, which the spec leaves to the engine")
                break
    return out
