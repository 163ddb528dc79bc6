"""``assign`` and ``pick`` given a non-dict input: the run starts, then ends with a ValueError,
as langchain_core's does (found by a differential fuzz of random chains on both packages; the
reference raised a TypeError before the run started). A streamed assign has started its mapper
by then. Expected events written by hand; where langchain-core 1.x is installed they must hold
on it too."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _runnables(pkg: str) -> dict[str, Any]:
    passthrough = load(pkg, "runnables", "RunnablePassthrough")
    lam = load(pkg, "runnables", "RunnableLambda")
    pick = load(pkg, "runnables.passthrough", "RunnablePick")
    return {"assign": passthrough.assign(a=lam(lambda d: 1)), "pick": pick("a"),
            "pick_list": pick(["a", "b"])}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("which", "mode"), [
    (which, mode) for which in ("assign", "pick", "pick_list")
    for mode in ("invoke", "ainvoke", "stream") if (which, mode) != ("assign", "stream")])
def test_non_dict_input_fails_inside_the_run_with_a_value_error(
    pkg: str, which: str, mode: str
) -> None:
    r = _runnables(pkg)[which]
    rec = recorder(pkg)
    config = {"callbacks": [rec]}
    with pytest.raises(ValueError):
        if mode == "invoke":
            r.invoke("s", config)
        elif mode == "ainvoke":
            asyncio.run(r.ainvoke("s", config))
        else:
            list(r.stream("s", config))
    name = {"assign": "RunnableAssign<a>", "pick": "RunnablePick<a>",
            "pick_list": "RunnablePick<a,b>"}[which]
    events: list[Seen] = [(e, n, p, d.split("(")[0]) for e, n, p, d in rec.seen]
    # the start's input is the string (langchain_core streams show it empty: SPEC.md R15.3)
    assert [(e, n, p) for e, n, p, _ in events] == [
        ("on_chain_start", name, None), ("on_chain_error", name, None)]
    assert events[1][3] == "ValueError"


@pytest.mark.parametrize("pkg", PKGS)
def test_streamed_assign_starts_its_mapper_before_the_input_check_fails(pkg: str) -> None:
    """A streamed assign starts its mapper alongside reading its input, so the mapper's runs
    have started when the check fails the assign run. The reference ends them first (closed:
    an error event with the GeneratorExit); langchain_core ends them after the assign's error,
    when the abandoned stream is collected."""
    rec = recorder(pkg)
    with pytest.raises(ValueError):
        list(_runnables(pkg)["assign"].stream("s", {"callbacks": [rec]}))
    gc.collect()
    starts = [(n, p) for e, n, p, _ in rec.seen if e == "on_chain_start"]
    assert starts == [("RunnableAssign<a>", None), ("RunnableParallel<a>", "RunnableAssign<a>"),
                      ("RunnableLambda", "RunnableParallel<a>")]
    assert ("on_chain_error", "RunnableAssign<a>", None, "ValueError") in [
        (e, n, p, d.split("(")[0]) for e, n, p, d in rec.seen]
    if pkg == "reference":
        assert [(e, n, d) for e, n, _, d in rec.seen[3:]] == [
            ("on_chain_error", "RunnableLambda", "GeneratorExit()"),
            ("on_chain_error", "RunnableParallel<a>", "GeneratorExit()"),
            ("on_chain_error", "RunnableAssign<a>",
             "ValueError(RunnableAssign<a> takes a dict input, got str: 's')"),
        ]


@pytest.mark.parametrize("pkg", PKGS)
def test_dict_input_still_works(pkg: str) -> None:
    rs = _runnables(pkg)
    assert rs["assign"].invoke({"b": 2}) == {"b": 2, "a": 1}
    assert rs["pick"].invoke({"a": 3}) == 3
    assert rs["pick_list"].invoke({"a": 3, "c": 4}) == {"a": 3}
