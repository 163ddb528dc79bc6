"""More of langchain_core's public names used by callback scenarios, on the reference.

``with_alisteners``, usage metadata and its callback, the console and file handlers,
``AddableDict`` chunks, ``with_types`` and ``as_tool``. Each scenario is written once against
a package prefix, its expected values by hand; where langchain-core 1.x is installed it must
hold on langchain_core too.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


# -- with_alisteners ---------------------------------------------------------------------------


def _alistened(pkg: str) -> list[tuple[Any, ...]]:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[tuple[Any, ...]] = []

    def ended(tag: str) -> Any:
        async def listener(run: Any, config: Any) -> None:
            await asyncio.sleep(0)
            got.append((tag, run.name, run.run_type, run.inputs, run.outputs,
                        bool(run.error), [c.name for c in run.child_runs], config["tags"]))
        return listener

    async def started(run: Any) -> None:
        got.append(("start", run.name, run.inputs))

    inner = lam(lambda x: x + 1, name="inner")

    def outer_f(x: int) -> int:
        got.append(("body", x))
        return inner.invoke(x) * 2  # type: ignore[no-any-return]

    def bad(x: int) -> int:
        raise ValueError("boom")

    outer = lam(outer_f, name="outer").with_alisteners(
        on_start=started, on_end=ended("end"), on_error=ended("error"))
    assert (lam(lambda x: x, name="first") | outer).invoke(1, {"tags": ["t"]}) == 4
    with pytest.raises(ValueError, match="boom"):
        lam(bad).with_alisteners(on_end=ended("end"), on_error=ended("error")).invoke(1)
    assert asyncio.run(outer.ainvoke(5)) == 12
    # on a binding, a new binding around it: its listener's config is the outer call's
    assert outer.with_config(tags=["w"]).with_alisteners(on_end=ended("end2")).invoke(1) == 4
    assert outer.with_alisteners(on_end=ended("end3")).with_listeners(
        on_end=lambda run: got.append(("sync", run.name))).invoke(1) == 4
    return got


@pytest.mark.parametrize("pkg", PKGS)
def test_alisteners_are_awaited_around_the_bound_run_in_both_modes(pkg: str) -> None:
    assert _alistened(pkg) == [
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["t"]),
        ("error", "bad", "chain", {"input": 1}, {}, True, [], []),
        ("start", "outer", {"input": 5}),
        ("body", 5),
        ("end", "outer", "chain", {"input": 5}, {"output": 12}, False, ["inner"], []),
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("end2", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["w"]),
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("sync", "outer"),
        ("end3", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_alisteners_per_batch_item_and_in_streams(pkg: str) -> None:
    """Streamed: only the end is compared (langchain_core's start shows ``{'input': ''}``)."""
    lam = load(pkg, "runnables", "RunnableLambda")
    ends: list[tuple[Any, Any]] = []

    async def end(run: Any) -> None:
        ends.append((run.inputs, run.outputs))

    r = lam(lambda x: x * 2, name="double").with_alisteners(on_end=end)
    assert r.batch([1, 2]) == [2, 4]
    assert asyncio.run(r.abatch([3])) == [6]
    assert list(r.stream(4)) == [8]

    async def astream() -> list[Any]:
        return [c async for c in r.astream(5)]

    assert asyncio.run(astream()) == [10]
    assert sorted(ends, key=repr) == [
        ({"input": 1}, {"output": 2}), ({"input": 2}, {"output": 4}),
        ({"input": 3}, {"output": 6}), ({"input": 4}, {"output": 8}),
        ({"input": 5}, {"output": 10})]


@pytest.mark.parametrize("pkg", PKGS)
def test_listeners_on_a_map_see_each_items_run(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[tuple[Any, ...]] = []

    async def aend(run: Any) -> None:
        got.append(("async", run.name, run.inputs))

    each = lam(lambda x: x + 1, name="inc").map()
    assert each.with_listeners(
        on_end=lambda run: got.append(("sync", run.name, run.inputs))).invoke([1, 2]) == [2, 3]
    assert each.with_alisteners(on_end=aend).invoke([3]) == [4]
    assert sorted(got, key=repr) == [
        ("async", "inc", {"input": 3}), ("sync", "inc", {"input": 1}),
        ("sync", "inc", {"input": 2})]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_or_sync_async_listener_is_contained_after_it_ran(
    pkg: str, caplog: pytest.LogCaptureFixture
) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[str] = []

    async def boom(run: Any) -> None:
        got.append("boom")
        raise RuntimeError("listener boom")

    r = lam(lambda x: x, name="lx")
    assert r.with_alisteners(on_end=boom).invoke(1) == 1
    assert asyncio.run(r.with_alisteners(on_end=boom).ainvoke(2)) == 2
    # a plain function is called, and its None then fails to be awaited
    assert r.with_alisteners(on_end=lambda run: got.append("plain")).invoke(3) == 3
    assert got == ["boom", "boom", "plain"]
    assert "listener boom" in caplog.text and "await" in caplog.text


def test_an_alistener_that_is_not_callable_is_rejected() -> None:
    lam = load("reference", "runnables", "RunnableLambda")
    with pytest.raises(TypeError, match=r"with_alisteners\(on_start=...\) must be callable"):
        lam(lambda x: x).with_alisteners(on_start=1)


def test_async_root_listeners_tracer_module() -> None:
    from reference.tracers.base import AsyncBaseTracer
    from reference.tracers.root_listeners import AsyncRootListenersTracer

    assert issubclass(AsyncRootListenersTracer, AsyncBaseTracer)
