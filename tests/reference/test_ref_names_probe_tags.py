"""Tag order under bindings, as a differential probe of both packages found it: a binding
(``with_config``, ``bind``) hands its runnable the caller's and its own tags sorted, and a tag
a run is given again moves to the end of its list (langchain_core's ``add_tags``).

Written once against a package prefix, expected values by hand (langchain-core 1.8.3's); the
engine's own ``seq:step:N`` / ``map:key:K`` tags, which the reference does not add, are left
out.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
MODES = ["invoke", "ainvoke", "batch", "abatch"]


def _tags_seen(pkg: str, runnable: Any, config: dict[str, Any], mode: str) -> list[Any]:
    base = load(pkg, "callbacks", "BaseCallbackHandler")
    seen: list[Any] = []

    class Tags(base):  # type: ignore[misc, valid-type]
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            seen.append((kw["name"], [t for t in kw["tags"]
                                      if not t.startswith(("seq:step:", "map:key:"))]))

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            seen.append(("model", [t for t in kw["tags"] if not t.startswith("seq:step:")]))

    config = {**config, "callbacks": [Tags()]}
    if mode == "invoke":
        runnable.invoke("x", config)
    elif mode == "ainvoke":
        asyncio.run(runnable.ainvoke("x", config))
    elif mode == "batch":
        runnable.batch(["x"], config)
    else:
        asyncio.run(runnable.abatch(["x"], config))
    return seen


def _lam(pkg: str, name: str) -> Any:
    def fn(x: Any) -> Any:
        return x

    return load(pkg, "runnables", "RunnableLambda")(fn, name=name)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_bound_runnable_gets_the_bound_and_runtime_tags_sorted(pkg: str, mode: str) -> None:
    chain = _lam(pkg, "first") | _lam(pkg, "bound").with_config(tags=["z", "m"])
    assert _tags_seen(pkg, chain, {"tags": ["b", "a"]}, mode) == [
        ("RunnableSequence", ["b", "a"]),
        ("first", ["b", "a"]),
        ("bound", ["a", "b", "m", "z"]),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_a_bound_sequence_passes_its_sorted_tags_on_and_an_inner_binding_sorts_again(
    pkg: str, mode: str
) -> None:
    chain = (_lam(pkg, "a1") | _lam(pkg, "a2").with_config(tags=["c"])).with_config(tags=["z"])
    assert _tags_seen(pkg, chain, {"tags": ["m"]}, mode) == [
        ("RunnableSequence", ["m", "z"]),
        ("a1", ["m", "z"]),
        ("a2", ["c", "m", "z"]),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
def test_runtime_tags_alone_keep_their_order(pkg: str, mode: str) -> None:
    chain = _lam(pkg, "a1") | _lam(pkg, "a2")
    assert _tags_seen(pkg, chain, {"tags": ["z", "a"]}, mode) == [
        ("RunnableSequence", ["z", "a"]), ("a1", ["z", "a"]), ("a2", ["z", "a"])]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("how", "model_tags"), [("with_config", ["b", "mt", "rt"]),
                                                 ("bind", ["b", "rt"])])
def test_a_model_bound_with_tags_or_arguments_sees_the_tags_sorted(
    pkg: str, mode: str, how: str, model_tags: list[str]
) -> None:
    """``model.bind(stop=...)`` is a binding too: the model's tags come sorted."""
    model = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["ok"])
    bound = model.with_config(tags=["mt"]) if how == "with_config" else model.bind(stop=["zz"])
    seen = _tags_seen(pkg, _lam(pkg, "q") | bound, {"tags": ["rt", "b"]}, mode)
    assert seen == [("RunnableSequence", ["rt", "b"]), ("q", ["rt", "b"]), ("model", model_tags)]
