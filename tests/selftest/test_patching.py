"""The broken engines' patches are active only inside their adapter's calls, and never leak."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.harness import run_concurrently, run_scenario
from conformance.model import Scenario

from .broken import _patching
from .broken.catalogue import CATALOGUE as ENGINES
from .broken.catalogue import BrokenAdapter, NoDedup, Unbroken

#: A chain with a sequence, a parallel, a dynamic function that does not forward config and a
#: binding: something every patch touches.
CHAIN = {
    "root": "seq1",
    "nodes": [
        {"label": "fn1", "kind": "lambda"},
        {"label": "fn2", "kind": "lambda"},
        {"label": "fn3", "kind": "lambda"},
        {"label": "dyn1", "kind": "dynamic", "children": ["fn2", "fn3"], "forward_config": False},
        {"label": "par1", "kind": "parallel", "children": ["fn1", "dyn1"]},
        {"label": "bind1", "kind": "binding", "children": ["fn3"], "callbacks": ["h2"]},
        {"label": "seq1", "kind": "sequence", "children": ["par1", "bind1"]},
    ],
}


def _scenario(mode: str, bound: bool = True) -> Scenario:
    chain: dict[str, Any] = {
        "root": CHAIN["root"],
        "nodes": [n if bound else {k: v for k, v in n.items() if k != "callbacks"}
                  for n in CHAIN["nodes"]],
    }
    return Scenario.from_json({
        "chain": chain,
        "handlers": [{"id": "h1"}, {"id": "h2"}],
        "invocation": {"mode": mode, "callbacks": ["h1", "h1"], "tags": ["t"],
                       "inputs": ["a", "b"] if mode.endswith("batch") else ["a"]},
    })


def _snapshot() -> dict[tuple[str, str], int]:
    """Identity of every attribute of every reference module and class."""
    out: dict[tuple[str, str], int] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "reference" or name.startswith("reference.")):
            continue
        for attr, value in vars(module).items():
            out[(name, attr)] = id(value)
            if isinstance(value, type) and value.__module__.startswith("reference"):
                for cattr, cvalue in vars(value).items():
                    out[(f"{name}.{attr}", cattr)] = id(cvalue)
    return out


def _loggers() -> dict[str, tuple[bool, int, bool]]:
    """disabled, level and propagate of every logger: an engine that silences the reference's
    warnings must give them back, or every later R10 check fails the reference."""
    return {name: (lg.disabled, lg.level, lg.propagate)
            for name, lg in list(logging.root.manager.loggerDict.items())
            if isinstance(lg, logging.Logger)}


@pytest.mark.parametrize("engine", ENGINES, ids=lambda e: e.__name__)
def test_selftest_patches_do_not_leak(engine: type[BrokenAdapter]) -> None:
    before, loggers = _snapshot(), _loggers()
    adapter = engine()
    for mode in ("invoke", "ainvoke", "batch", "abatch", "stream", "astream"):
        run_scenario(adapter, _scenario(mode))
        assert not _patching.is_active()
    run_concurrently(adapter, [_scenario("invoke", bound=False)] * 2)
    run_concurrently(adapter, [_scenario("ainvoke", bound=False)] * 2)
    assert not _patching.is_active()
    after = _snapshot()
    changed = sorted(k for k in before if after.get(k) != before[k])
    assert not changed, f"{engine.__name__} left the reference patched: {changed}"
    now = _loggers()
    left = sorted(name for name in loggers if now.get(name) != loggers[name])
    assert not left, f"{engine.__name__} left loggers changed: {left}"


def test_selftest_reference_unaffected_after_broken_engine_ran() -> None:
    """A broken engine's run changes nothing for the reference adapter that runs afterwards."""
    run_scenario(NoDedup(), _scenario("invoke"))
    ref = run_scenario(ReferenceAdapter(), _scenario("invoke"))
    starts = [e for e in ref.events if e.kind == "start" and e.handler == "h1"]
    assert len(starts) == len({e.run_id for e in starts})  # h1 registered twice, seen once


def test_selftest_two_engines_cannot_be_patched_at_once() -> None:
    first, second = NoDedup(), Unbroken()
    with first.engine(), pytest.raises(RuntimeError, match="cannot apply"), second.engine():
        pass
    assert not _patching.is_active()
