"""``Runnable.with_listeners``: listeners get the bound runnable's run as a tracer ``Run``.

One listener tracer per call (per batch item); ``on_start`` at the run's start, ``on_end`` or
``on_error`` at its end, ``config=`` too for a listener that takes it; a binding's
``with_listeners`` adds to its own. Written once against a package prefix, expected values
by hand; where langchain-core 1.x is installed they must hold on it too.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _listened(pkg: str) -> list[tuple[Any, ...]]:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[tuple[Any, ...]] = []

    def ended(tag: str) -> Any:
        def listener(run: Any, config: Any) -> None:
            got.append((tag, run.name, run.run_type, run.inputs, run.outputs,
                        bool(run.error), [c.name for c in run.child_runs], config["tags"]))
        return listener

    def started(run: Any) -> None:
        got.append(("start", run.name, run.inputs))

    inner = lam(lambda x: x + 1, name="inner")

    def outer_f(x: int) -> int:
        return inner.invoke(x) * 2  # type: ignore[no-any-return]

    def bad(x: int) -> int:
        raise ValueError("boom")

    outer = lam(outer_f, name="outer").with_listeners(
        on_start=started, on_end=ended("end"), on_error=ended("error"))
    assert (lam(lambda x: x, name="first") | outer).invoke(1, {"tags": ["t"]}) == 4
    assert outer.batch([1, 2]) == [4, 6]
    with pytest.raises(ValueError, match="boom"):
        lam(bad).with_listeners(on_end=ended("end"), on_error=ended("error")).invoke(1)
    assert asyncio.run(outer.ainvoke(5)) == 12
    assert outer.with_config(tags=["w"]).with_listeners(on_end=ended("end2")).invoke(1) == 4
    return got


@pytest.mark.parametrize("pkg", PKGS)
def test_listeners_get_the_bound_runs_record_per_call(pkg: str) -> None:
    assert _listened(pkg) == [
        ("start", "outer", {"input": 1}),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["t"]),
        ("start", "outer", {"input": 1}),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
        ("start", "outer", {"input": 2}),
        ("end", "outer", "chain", {"input": 2}, {"output": 6}, False, ["inner"], []),
        ("error", "bad", "chain", {"input": 1}, {}, True, [], []),
        ("start", "outer", {"input": 5}),
        ("end", "outer", "chain", {"input": 5}, {"output": 12}, False, ["inner"], []),
        ("start", "outer", {"input": 1}),
        # the outer binding's listener ends first: it sees the run after the inner one's
        ("end2", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["w"]),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["w"]),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_listeners_in_a_stream_see_the_run_end_with_its_output(pkg: str) -> None:
    """Streamed: langchain_core's start shows ``{'input': ''}`` (SPEC.md R15.3's streamed
    start input), so only the end is compared."""
    lam = load(pkg, "runnables", "RunnableLambda")
    ends: list[tuple[Any, Any]] = []
    r = lam(lambda x: x * 2, name="double").with_listeners(
        on_end=lambda run: ends.append((run.inputs, run.outputs)))
    assert list(r.stream(3)) == [6]
    assert ends == [({"input": 3}, {"output": 6})]


def test_a_listener_that_is_not_callable_is_rejected() -> None:
    lam = load("reference", "runnables", "RunnableLambda")
    with pytest.raises(TypeError, match=r"with_listeners\(on_end=...\) must be callable"):
        lam(lambda x: x).with_listeners(on_end="print")
