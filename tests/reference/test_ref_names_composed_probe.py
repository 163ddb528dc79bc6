"""Composed runnables where a differential probe of both packages looked closely: custom events
(any hashable name; inside tools), ``with_retry`` in ``batch`` / ``abatch`` (each item's attempts
are children of its own retry run), ``.map()`` given a tuple (its run's start carries the tuple),
``batch_as_completed`` with one config per input. Written once against a package prefix, expected
values by hand (langchain-core 1.8.3's); batch events are compared as sorted lists, their order
across items being the engine's."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder, shape

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _custom_recorder(pkg: str) -> Any:
    """:func:`recorder`, also recording custom events with their tags and metadata."""
    class CustomRecorder(type(recorder(pkg))):  # type: ignore[misc]
        def on_custom_event(self, name: Any, data: Any, *, run_id: Any, tags: Any = None,
                            metadata: Any = None, **kw: Any) -> None:
            self.seen.append(("on_custom_event", self.names.get(run_id), None,
                              f"{name!r} {shape(data)} tags={tags} "
                              f"metadata={sorted(metadata or {})}"))

    return CustomRecorder()


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_tools_custom_events_carry_the_tools_run_tags_and_metadata(pkg: str, mode: str) -> None:
    tool = load(pkg, "tools", "tool")
    dispatch = load(pkg, "callbacks.manager", "dispatch_custom_event")
    adispatch = load(pkg, "callbacks.manager", "adispatch_custom_event")

    @tool
    def lookup(key: str) -> str:
        """Look a key up."""
        dispatch("progress", {"key": key})
        return key.upper()

    @tool
    async def alookup(key: str) -> str:
        """Look a key up."""
        await adispatch("progress", {"key": key})
        return key.upper()

    rec = _custom_recorder(pkg)
    config = {"callbacks": [rec], "tags": ["t"], "metadata": {"m": 1}}
    out = lookup.invoke({"key": "k"}, config) if mode == "invoke" else asyncio.run(
        alookup.ainvoke({"key": "k"}, config))
    assert out == "K"
    name = "lookup" if mode == "invoke" else "alookup"
    assert [(e, n, d) for e, n, _, d in rec.seen] == [
        ("on_tool_start", name, "\"{'key': 'k'}\""),
        ("on_custom_event", name, "'progress' {'key': 'k'} tags=['t'] metadata=['m']"),
        ("on_tool_end", name, "'K'"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_custom_events_name_need_not_be_a_string(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    dispatch = load(pkg, "callbacks.manager", "dispatch_custom_event")

    def step(x: int) -> int:
        dispatch(7, {"x": x})
        return x

    rec = _custom_recorder(pkg)
    assert lam(step, name="step").invoke(1, {"callbacks": [rec]}) == 1
    assert rec.seen[1] == ("on_custom_event", "step", None, "7 {'x': int} tags=[] metadata=[]")

    async def events() -> list[tuple[str, Any]]:
        return [(e["event"], e["name"]) async for e in lam(step, name="step").astream_events(
            1, version="v2", include_types=[7])]

    # a custom event's type, for the *_types filters, is its name, whatever its type
    assert asyncio.run(events()) == [("on_custom_event", 7)]


def _flaky(fails: dict[str, int]) -> Any:
    """A function failing its first ``fails[x]`` calls with ``x``."""
    calls: dict[str, int] = {}

    def f(x: str) -> str:
        calls[x] = calls.get(x, 0) + 1
        if calls[x] <= fails.get(x, 0):
            raise ValueError(f"{x} #{calls[x]}")
        return x.upper()

    return f


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["batch", "abatch"])
def test_retries_in_a_batch_are_children_of_each_items_retry_run(pkg: str, mode: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    retried = lam(_flaky({"a": 1, "b": 1}), name="flaky").with_retry(
        stop_after_attempt=3, wait_exponential_jitter=False)
    rec = recorder(pkg)
    config = {"callbacks": [rec]}
    out = retried.batch(["a", "b", "c"], config) if mode == "batch" else asyncio.run(
        retried.abatch(["a", "b", "c"], config))
    assert out == ["A", "B", "C"]
    # every run is named after the wrapped lambda; the attempts' parent is their item's retry run
    retry_runs = [(e, "flaky", None, d) for x, y in [("a", "A"), ("b", "B"), ("c", "C")]
                  for e, d in [("on_chain_start", repr(x)), ("on_chain_end", repr(y))]]
    attempts = [
        ("on_chain_start", "flaky", "flaky", "'a'"),
        ("on_chain_error", "flaky", "flaky", "ValueError(a #1)"),
        ("on_chain_start", "flaky", "flaky", "'a'"), ("on_chain_end", "flaky", "flaky", "'A'"),
        ("on_chain_start", "flaky", "flaky", "'b'"),
        ("on_chain_error", "flaky", "flaky", "ValueError(b #1)"),
        ("on_chain_start", "flaky", "flaky", "'b'"), ("on_chain_end", "flaky", "flaky", "'B'"),
        ("on_chain_start", "flaky", "flaky", "'c'"), ("on_chain_end", "flaky", "flaky", "'C'"),
    ]
    assert sorted(rec.seen, key=repr) == sorted(retry_runs + attempts, key=repr)


@pytest.mark.parametrize("pkg", PKGS)
def test_with_retry_keeps_the_jitter_params_it_was_given(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    plain = lam(lambda x: x).with_retry(stop_after_attempt=4)
    assert (plain.max_attempt_number, plain.retry_exception_types,
            plain.wait_exponential_jitter, plain.exponential_jitter_params) == (
        4, (Exception,), True, None)
    given = lam(lambda x: x).with_retry(exponential_jitter_params={"initial": 0.5})
    assert given.exponential_jitter_params == {"initial": 0.5}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_map_given_a_tuple_starts_with_the_tuple(pkg: str, mode: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    each = lam(lambda x: x * 2, name="double").map()
    rec = recorder(pkg)
    config = {"callbacks": [rec]}
    out = each.invoke(("a", "b"), config) if mode == "invoke" else asyncio.run(
        each.ainvoke(("a", "b"), config))
    assert out == ["aa", "bb"]
    starts = sorted((n, p, d) for e, n, p, d in rec.seen if e == "on_chain_start")
    # shape() shows a tuple as a list: the start's payload type is checked below
    assert starts == [("RunnableEach<double>", None, "['a', 'b']"),
                      ("double", "RunnableEach<double>", "'a'"),
                      ("double", "RunnableEach<double>", "'b'")]
    assert rec.seen[-1] == ("on_chain_end", "RunnableEach<double>", None, "['aa', 'bb']")


@pytest.mark.parametrize("pkg", PKGS)
def test_a_maps_start_carries_its_input_as_given(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    inputs: list[Any] = []

    class Inputs(base):  # type: ignore[misc, valid-type]
        def on_chain_start(self, serialized: Any, payload: Any, **kw: Any) -> None:
            if kw.get("parent_run_id") is None:
                inputs.append(payload)

    lam(lambda x: x, name="same").map().invoke((1, 2), {"callbacks": [Inputs()]})
    assert inputs == [(1, 2)]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["batch_as_completed", "abatch_as_completed"])
def test_as_completed_gives_each_input_its_own_config(pkg: str, mode: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    double = lam(lambda x: x * 2, name="double")
    rec = recorder(pkg)
    configs = [{"callbacks": [rec]}, {"callbacks": [rec], "run_name": "second"}]
    if mode == "batch_as_completed":
        pairs = list(double.batch_as_completed(["a", "b"], configs))
    else:
        async def collect() -> list[tuple[int, Any]]:
            return [p async for p in double.abatch_as_completed(["a", "b"], configs)]
        pairs = asyncio.run(collect())
    assert sorted(pairs) == [(0, "aa"), (1, "bb")]
    assert sorted(rec.seen, key=repr) == sorted([
        ("on_chain_start", "double", None, "'a'"), ("on_chain_end", "double", None, "'aa'"),
        ("on_chain_start", "second", None, "'b'"), ("on_chain_end", "second", None, "'bb'"),
    ], key=repr)
