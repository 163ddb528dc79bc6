"""A ``RunnableLambda`` of an async function only, called synchronously: the same error (a
TypeError naming the async method to call) and the same events as langchain_core's, as a
differential probe of both packages compared them. Written once against a package prefix,
expected values by hand (langchain-core 1.8.3's)."""

from __future__ import annotations

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


async def shout(x: str) -> str:
    return x.upper()


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("mode", "instead"), [("invoke", "ainvoke"), ("batch", "ainvoke"),
                                               ("stream", "astream")])
def test_an_async_only_lambda_called_synchronously_fails_as_langchain_cores(
    pkg: str, mode: str, instead: str
) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    with pytest.raises(TypeError) as caught:
        if mode == "invoke":
            lam(shout).invoke("x", {"callbacks": [rec]})
        elif mode == "batch":
            lam(shout).batch(["x"], {"callbacks": [rec]})
        else:
            list(lam(shout).stream("x", {"callbacks": [rec]}))
    assert "coroutine function" in str(caught.value)
    assert instead in str(caught.value)
    assert rec.seen == []


@pytest.mark.parametrize("pkg", PKGS)
def test_an_async_only_step_fails_its_sequence_run(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")

    def first(x: str) -> str:
        return x + "!"

    rec = recorder(pkg)
    with pytest.raises(TypeError, match="coroutine function"):
        (lam(first) | lam(shout)).invoke("x", {"callbacks": [rec]})
    assert [(e, n, p, d.split("(")[0] if e.endswith("error") else d.split(" run_type")[0])
            for e, n, p, d in rec.seen] == [
        ("on_chain_start", "RunnableSequence", None, "'x'"),
        ("on_chain_start", "first", "RunnableSequence", "'x'"),
        ("on_chain_end", "first", "RunnableSequence", "'x!'"),
        ("on_chain_error", "RunnableSequence", None, "TypeError"),
    ]
