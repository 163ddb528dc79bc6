"""What the generator draws: the distribution of N scenarios (``python -m conformance stats``).

Scenarios are drawn the way a rule test draws them (Hypothesis's generate phase, no database,
a fixed seed), so the numbers say what the suite exercises, not what an idealised sampler would.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

from .adapter import Capabilities
from .model import (
    ASYNC_MODES,
    MODES,
    NODE_KINDS,
    RUN_TYPE_OF,
    STREAM_MODES,
    Chain,
    Mode,
    Scenario,
)
from .strategies import ChainShape, Registrations, scenarios

__all__ = ["COMPOSED_FEATURES", "FEATURES", "Distribution", "draw_scenarios", "measure"]


_DEFAULT: Final = Registrations()


def draw_scenarios(n: int, capabilities: Capabilities,
                   registrations: Registrations = _DEFAULT,
                   shape: ChainShape | None = None, modes: Sequence[Mode] | None = None,
                   seed: int = 0) -> list[Scenario]:
    """``n`` scenarios as a rule test with ``max_examples=n`` would draw them."""
    drawn: list[Scenario] = []

    @hypothesis_seed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=(Phase.generate,),
              suppress_health_check=list(HealthCheck))
    @given(scenarios(capabilities, registrations, shape, modes))
    def collect(scenario: Scenario) -> None:
        drawn.append(scenario)

    collect()
    return drawn


def _runs_per_input(chain: Chain) -> int:
    """How many runs one input produces (bindings create none; reused objects run each time)."""

    def count(label: str) -> int:
        node = chain[label]
        own = 0 if node.kind == "binding" else 1
        return own + sum(count(c) for c in node.children)

    return count(chain.root)


def _nested_binding(chain: Chain) -> bool:
    """A binding inside the subtree of another binding (``x.with_config(..).with_config(..)``
    included)."""

    def below(label: str, bound: bool) -> bool:
        node = chain[label]
        if node.kind == "binding" and bound:
            return True
        return any(below(c, bound or node.kind == "binding") for c in node.children)

    return below(chain.root, False)


def _routes(scenario: Scenario) -> dict[str, set[str]]:
    """Per handler, the routes it is registered through."""
    routes: dict[str, set[str]] = {}
    for h in scenario.invocation.all_runtime_handlers():
        routes.setdefault(h, set()).add("runtime")
    reachable = {n.label for n in scenario.chain.walk()}
    for node in scenario.chain.nodes:
        if node.label in reachable:
            route = "bound" if node.kind == "binding" else "constructor"
            for h in node.callbacks:
                routes.setdefault(h, set()).add(route)
    return routes


def _reused(chain: Chain) -> bool:
    uses = Counter(c for n in chain.walk() for c in n.children)
    return any(v > 1 for v in uses.values())


def _seed_shape(chain: Chain) -> bool:
    """A sequence where a prompt is followed by a chat model (the seeds' own chain)."""
    for node in chain.walk():
        if node.kind == "sequence":
            kinds = [chain[c].kind for c in node.children]
            if any(a == "prompt" and b == "chat_model" for a, b in itertools.pairwise(kinds)):
                return True
    return False


def _duplicated(scenario: Scenario) -> bool:
    """The same handler twice in one registration list."""
    lists = [n.callbacks for n in scenario.chain.nodes]
    lists += [scenario.invocation.callbacks, *scenario.invocation.item_callbacks]
    return any(len(set(hs)) != len(hs) for hs in lists)


def _condition_fails(chain: Chain) -> bool:
    return any(n.kind == "branch" and any(chain[c].fail for c in n.children[:-1:2])
               for n in chain.walk())


def _fallback_tried(chain: Chain, every: bool) -> bool:
    """A fallbacks node whose first attempt fails (``every``: all its attempts fail)."""
    return any(n.kind == "fallbacks" and (all if every else any)(
        chain[c].fail for c in (n.children if every else n.children[:1])) for n in chain.walk())


#: Features of the composed runnables (SPEC.md §8), drawn by the tests that ask for them
#: (``stats --composed``).
COMPOSED_FEATURES: Final[dict[str, Callable[[Scenario], bool]]] = {
    "false branch condition": lambda s: any(n.falsy for n in s.chain.walk()),
    "failing branch condition": lambda s: _condition_fails(s.chain),
    "fallback tried": lambda s: _fallback_tried(s.chain, every=False),
    "every fallback attempt fails": lambda s: _fallback_tried(s.chain, every=True),
    "failing llm": lambda s: any(n.kind == "llm" and n.fail for n in s.chain.walk()),
    "retry succeeds on attempt 2": lambda s: any(n.flaky for n in s.chain.walk()),
    "every retry attempt fails": lambda s: any(
        n.kind == "retry" and s.chain.target(n.children[0]).fail for n in s.chain.walk()),
    "map over several items": lambda s: any(n.fanout > 1 for n in s.chain.walk()),
    "pick after assign": lambda s: any(n.kind == "pick" for n in s.chain.walk()),
    "failing generator": lambda s: any(
        n.kind == "generator" and n.fail for n in s.chain.walk()),
    "streaming llm in a stream mode": lambda s: s.invocation.mode in STREAM_MODES and any(
        n.kind == "streaming_llm" for n in s.chain.walk()),
}

#: Feature name -> predicate; what ``stats`` counts and the distribution test bounds.
FEATURES: Final[dict[str, Callable[[Scenario], bool]]] = {
    "single run per input": lambda s: _runs_per_input(s.chain) == 1,
    "seed shape (prompt then chat model)": lambda s: _seed_shape(s.chain),
    "reused object": lambda s: _reused(s.chain),
    "nested bindings": lambda s: _nested_binding(s.chain),
    "runtime route": lambda s: any("runtime" in r for r in _routes(s).values()),
    "bound route": lambda s: any("bound" in r for r in _routes(s).values()),
    "constructor route": lambda s: any("constructor" in r for r in _routes(s).values()),
    "one handler, two routes": lambda s: any(len(r) > 1 for r in _routes(s).values()),
    "one handler, bound and runtime": lambda s: any(
        {"bound", "runtime"} <= r for r in _routes(s).values()),
    "handler twice in one list": _duplicated,
    "manager form": lambda s: s.invocation.callbacks_as_manager
    or any(n.callbacks_as_manager for n in s.chain.nodes),
    "async handler": lambda s: any(h.asynchronous for h in s.handlers),
    "faulty handler": lambda s: any(h.fault != "none" for h in s.handlers),
    "failing node": lambda s: any(n.fail for n in s.chain.walk()),
    "slow lambda": lambda s: any(n.slow for n in s.chain.walk()),
    "function with callees": lambda s: any(
        n.kind in ("dynamic", "tool") and n.children for n in s.chain.walk()),
    "callees without forwarded config": lambda s: any(
        n.children and not n.forward_config for n in s.chain.walk()),
    "concurrent callees": lambda s: any(n.concurrent for n in s.chain.walk()),
    "sync-only function under an async mode": lambda s: s.invocation.mode in ASYNC_MODES
    and any(n.sync_only for n in s.chain.walk()),
    "sync mode inside a running loop": lambda s: s.invocation.inside_loop,
    "several inputs": lambda s: len(s.invocation.inputs) > 1,
    "per-item configs": lambda s: bool(s.invocation.item_callbacks),
    "tags or metadata": lambda s: bool(s.invocation.tags or s.invocation.metadata) or any(
        n.tags or n.metadata for n in s.chain.nodes),
    "run_name": lambda s: s.invocation.run_name is not None,
    "run_id": lambda s: s.invocation.run_id is not None,
    "ignore flag silencing a drawn run": lambda s: _silencing(s),
    "run_inline handler": lambda s: any(h.run_inline and h.id in _routes(s)
                                        for h in s.handlers),
    "local manager handler": lambda s: any(
        h in s.invocation.all_runtime_handlers() for h in s.invocation.local) or any(
        h in n.callbacks for n in s.chain.walk() for h in n.local),
}


def _silencing(scenario: Scenario) -> bool:
    """Whether a registered handler's ``ignore_*`` flag silences a run type the chain has."""
    types = {RUN_TYPE_OF[n.kind] for n in scenario.chain.walk() if n.kind != "binding"}
    registered = _routes(scenario)
    return any(h.id in registered and any(h.ignores(t) for t in types)
               for h in scenario.handlers)


@dataclass
class Distribution:
    """Counts over a sample of scenarios."""

    total: int = 0
    runs: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    modes: Counter[str] = field(default_factory=Counter)
    features: Counter[str] = field(default_factory=Counter)
    #: The features counted (their rows, in order).
    counted: tuple[str, ...] = tuple(FEATURES)

    def share(self, feature: str) -> float:
        return self.features[feature] / self.total if self.total else 0.0

    def mode_share(self, mode: str) -> float:
        return self.modes[mode] / self.total if self.total else 0.0

    def render(self) -> str:
        n = max(self.total, 1)

        def pct(count: int) -> str:
            return f"{count:6d}  {100 * count / n:5.1f}%"

        lines = [f"{self.total} scenarios", "", "runs per input:"]
        buckets: Counter[str] = Counter()
        for runs, count in self.runs.items():
            buckets[str(runs) if runs < 8 else "8+"] += count
        for key in sorted(buckets, key=lambda k: int(k.rstrip("+"))):
            lines.append(f"  {key:<40}{pct(buckets[key])}")
        lines += ["", "scenarios with a node of kind:"]
        lines += [f"  {k:<40}{pct(self.kinds[k])}" for k in NODE_KINDS]
        lines += ["", "modes:"]
        lines += [f"  {m:<40}{pct(self.modes[m])}" for m in MODES]
        lines += ["", "features:"]
        lines += [f"  {f:<40}{pct(self.features[f])}" for f in self.counted]
        return "\n".join(lines)


def measure(drawn: Iterable[Scenario], composed: bool = False) -> Distribution:
    """The distribution of ``drawn``; ``composed`` also counts :data:`COMPOSED_FEATURES`."""
    features = {**FEATURES, **COMPOSED_FEATURES} if composed else FEATURES
    dist = Distribution(counted=tuple(features))
    for s in drawn:
        dist.total += 1
        dist.runs[_runs_per_input(s.chain)] += 1
        dist.kinds.update({n.kind for n in s.chain.walk()})
        dist.modes[s.invocation.mode] += 1
        dist.features.update(name for name, has in features.items() if has(s))
    return dist
