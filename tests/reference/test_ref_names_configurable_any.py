"""``configurable_alternatives`` on any runnable (a sequence, a binding, a tool), as in
langchain_core: the wrapper starts no run, the chosen runnable's runs are what a handler sees.
Written once against a package prefix, expected events by hand; where langchain-core 1.x is
installed they must hold on it too."""

from __future__ import annotations

import asyncio

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _chosen(pkg: str, key: str | None, mode: str) -> tuple[object, list[Seen]]:
    lam = load(pkg, "runnables", "RunnableLambda")
    field = load(pkg, "runnables", "ConfigurableField")

    def inc(x: int) -> int:
        return x + 1

    def double(x: int) -> int:
        return x * 2

    def neg(x: int) -> int:
        return -x

    seq = (lam(inc) | lam(double)).configurable_alternatives(
        field(id="which"), default_key="seq", neg=lam(neg).with_config(tags=["bound"]))
    rec = recorder(pkg)
    config: dict[str, object] = {"callbacks": [rec]}
    if key is not None:
        config["configurable"] = {"which": key}
    out = seq.invoke(3, config) if mode == "invoke" else asyncio.run(seq.ainvoke(3, config))
    return out, rec.seen


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_sequence_with_alternatives_runs_the_chosen_one(pkg: str, mode: str) -> None:
    assert _chosen(pkg, None, mode) == (8, [
        ("on_chain_start", "RunnableSequence", None, "int"),
        ("on_chain_start", "inc", "RunnableSequence", "int"),
        ("on_chain_end", "inc", "RunnableSequence", "int"),
        ("on_chain_start", "double", "RunnableSequence", "int"),
        ("on_chain_end", "double", "RunnableSequence", "int"),
        ("on_chain_end", "RunnableSequence", None, "int"),
    ])
    assert _chosen(pkg, "neg", mode) == (-3, [
        ("on_chain_start", "neg", None, "int"),
        ("on_chain_end", "neg", None, "int"),
    ])
    with pytest.raises(ValueError):
        _chosen(pkg, "nope", mode)
