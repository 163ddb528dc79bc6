"""``runnables.config``'s functions and the recursion limit, as langchain-core 1.8.3 has them:
``ensure_config`` (``None`` values dropped, ``configurable``'s ``model`` / ``checkpoint_ns``
shown in ``metadata``, which handlers then see), ``merge_configs`` (every config completed
first; sorted tags, ``recursion_limit`` only when not 25), ``get_config_list`` and ``batch``
with a wrong number of configs, a function returning runnables until ``recursion_limit`` is
used up (``RecursionError`` on every run it passes), ``get_name``'s suffix rule and a binding's
name. Found by a differential probe of configuration behaviour. Written once against a
package prefix, expected values by hand (langchain-core 1.8.3's)."""

from __future__ import annotations

import asyncio
import warnings
from typing import Any
from uuid import UUID

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _cfg(pkg: str, name: str) -> Any:
    return load(pkg, "runnables.config", name)


# ----------------------------------------------------------------------------- ensure_config

@pytest.mark.parametrize("pkg", PKGS)
def test_ensure_config_drops_none_values(pkg: str) -> None:
    assert _cfg(pkg, "ensure_config")(
        {"tags": None, "metadata": None, "recursion_limit": None, "run_name": None}
    ) == {"tags": [], "metadata": {}, "callbacks": None, "recursion_limit": 25,
          "configurable": {}}


@pytest.mark.parametrize("pkg", PKGS)
def test_ensure_config_shows_configurable_model_and_checkpoint_ns_in_metadata(pkg: str) -> None:
    ensure = _cfg(pkg, "ensure_config")
    out = ensure({"configurable": {"model": "m", "checkpoint_ns": "c", "user": "u", "n": 1}})
    assert out["metadata"] == {"model": "m", "checkpoint_ns": "c"}
    # metadata given wins; a value that is not a string is not shown
    assert ensure({"metadata": {"model": "given"}, "configurable": {"model": "m"}}
                  )["metadata"] == {"model": "given"}
    assert ensure({"configurable": {"model": 3}})["metadata"] == {}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_configurable_model_reaches_the_handlers_metadata(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    seen: list[dict[str, Any]] = []
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")

    class Meta(base):  # type: ignore[misc, valid-type]
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            seen.append({k: v for k, v in kw["metadata"].items() if not k.startswith("ls_")})

    def read(x: int, config: Any) -> dict[str, Any]:
        return dict(config["metadata"])

    chain = lam(lambda x: x, name="first") | lam(read, name="read")
    out = chain.invoke(1, {"callbacks": [rec, Meta()],
                           "configurable": {"model": "m1", "checkpoint_ns": "ns", "other": "o"}})
    assert out == {"model": "m1", "checkpoint_ns": "ns"}
    assert seen == [{"model": "m1", "checkpoint_ns": "ns"}] * 3


# ----------------------------------------------------------------------------- merge_configs

@pytest.mark.parametrize("pkg", PKGS)
def test_merge_configs_completes_each_config_and_sorts_tags(pkg: str) -> None:
    merge = _cfg(pkg, "merge_configs")
    assert merge({"tags": ["z", "b"], "metadata": {"x": 1}}, {"tags": ["a", "z"]}) == {
        "tags": ["a", "b", "z"], "metadata": {"x": 1}, "configurable": {}}
    assert merge() == {}
    assert merge(None, None) == {}
    assert merge({"run_name": "x"}) == {"tags": [], "metadata": {}, "configurable": {},
                                        "run_name": "x"}
    assert merge({"configurable": {"a": 1, "b": 1}}, {"configurable": {"b": 2}})[
        "configurable"] == {"a": 1, "b": 2}


@pytest.mark.parametrize("pkg", PKGS)
def test_merge_configs_takes_a_later_value_only_when_it_says_something(pkg: str) -> None:
    merge = _cfg(pkg, "merge_configs")
    # recursion_limit: not when it is the default 25; other keys: not when falsy
    assert merge({"recursion_limit": 5}, {"recursion_limit": 25})["recursion_limit"] == 5
    assert merge({"recursion_limit": 5}, {"recursion_limit": 7})["recursion_limit"] == 7
    assert "recursion_limit" not in merge({"recursion_limit": 25})
    assert merge({"run_name": "a"}, {"run_name": ""})["run_name"] == "a"
    assert merge({"run_name": "a"}, {"run_name": None})["run_name"] == "a"
    assert merge({"max_concurrency": 3}, {"max_concurrency": 0})["max_concurrency"] == 3
    # package versions in metadata add up
    assert merge({"metadata": {"lc_versions": {"a": 1}, "k": 1}},
                 {"metadata": {"lc_versions": {"b": 2}}})["metadata"] == {
        "lc_versions": {"a": 1, "b": 2}, "k": 1}


@pytest.mark.parametrize("pkg", PKGS)
def test_merge_configs_joins_callbacks_of_lists_and_managers(pkg: str) -> None:
    merge = _cfg(pkg, "merge_configs")
    manager_cls = load(pkg, "callbacks.manager", "CallbackManager")
    a, b, c = recorder(pkg), recorder(pkg), recorder(pkg)
    lists = merge({"callbacks": [a]}, {"callbacks": [b]})["callbacks"]
    assert type(lists) is list and lists == [a, b]
    manager = manager_cls(handlers=[a], inheritable_handlers=[a], inheritable_tags=["it"])
    manager.add_handler(c, inherit=False)
    for configs in (({"callbacks": manager}, {"callbacks": [b]}),
                    ({"callbacks": [b]}, {"callbacks": manager})):
        merged = merge(*configs)["callbacks"]
        assert isinstance(merged, manager_cls) and merged is not manager
        assert merged.handlers == [a, c, b]
        assert merged.inheritable_handlers == [a, b]
        assert merged.inheritable_tags == ["it"]
    # a chain run with the merged config: the list's handler is inherited, the manager's
    # local one sees the root only
    lam = load(pkg, "runnables", "RunnableLambda")
    config = merge({"callbacks": manager, "tags": ["x"]}, {"callbacks": [b]})
    (lam(lambda x: x, name="one") | lam(lambda x: x, name="two")).invoke(1, config)
    names = [(e, n) for e, n, _, _ in b.seen if e.endswith("start")]
    assert names == [("on_chain_start", "RunnableSequence"), ("on_chain_start", "one"),
                     ("on_chain_start", "two")]
    assert [(e, n) for e, n, _, _ in c.seen] == [("on_chain_start", "RunnableSequence"),
                                                 ("on_chain_end", "RunnableSequence")]


# ----------------------------------------------------------------------------- config lists

@pytest.mark.parametrize("pkg", PKGS)
def test_a_config_list_of_the_wrong_length_says_so(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    message = "2 configs for 3 inputs"  # (each package in its own words)
    with pytest.raises(ValueError) as info:
        lam(lambda x: x).batch([1, 2, 3], [{}, {}])
    assert message in str(info.value)
    with pytest.raises(ValueError) as info:
        asyncio.run(lam(lambda x: x).abatch([1, 2, 3], [{}, {}]))
    assert message in str(info.value)
    with pytest.raises(ValueError) as info:
        (lam(lambda x: x) | lam(lambda x: x)).batch([1, 2, 3], [{}, {}])
    assert message in str(info.value)
    with pytest.raises(ValueError) as info:
        _cfg(pkg, "get_config_list")([{}, {}], 3)
    assert message in str(info.value)
    with pytest.raises(ValueError) as info:
        _cfg(pkg, "get_config_list")(None, -1)
    assert "-1" in str(info.value)


@pytest.mark.parametrize("pkg", PKGS)
def test_a_run_id_for_a_batch_warns_that_only_the_first_item_gets_it(pkg: str) -> None:
    rid = UUID(int=7)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        configs = _cfg(pkg, "get_config_list")({"run_id": rid, "tags": ["a"]}, 2)
    assert [c.get("run_id") for c in configs] == [rid, None]
    assert [w.category for w in caught] == [RuntimeWarning]
    assert "first" in str(caught[0].message)


# ----------------------------------------------------------------------------- recursion limit

def _returns_itself(pkg: str, asynchronous: bool) -> Any:
    lam = load(pkg, "runnables", "RunnableLambda")

    def f(x: int) -> Any:
        return lam(f)

    async def af(x: int) -> Any:
        return lam(af)

    return lam(af) if asynchronous else lam(f)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_function_returning_runnables_stops_at_the_recursion_limit(
    pkg: str, mode: str
) -> None:
    rec = recorder(pkg)
    runnable = _returns_itself(pkg, mode == "ainvoke")
    config = {"recursion_limit": 2, "callbacks": [rec]}
    with pytest.raises(RecursionError) as info:
        if mode == "invoke":
            runnable.invoke(5, config)
        else:
            asyncio.run(runnable.ainvoke(5, config))
    shown = "RunnableLambda(f)" if mode == "invoke" else "RunnableLambda(afunc=af)"
    message = str(info.value)
    assert shown in message and "with input 5" in message, message  # own words each
    name = "f" if mode == "invoke" else "af"
    error = f"RecursionError({message})"
    assert rec.seen == [
        ("on_chain_start", name, None, "int"),
        ("on_chain_start", name, name, "int"),
        ("on_chain_start", name, name, "int"),
        ("on_chain_error", name, name, error),
        ("on_chain_error", name, name, error),
        ("on_chain_error", name, None, error),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_returned_runnable_gets_one_recursion_level_less(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    seen: list[int] = []

    def read(x: int, config: Any) -> int:
        seen.append(config["recursion_limit"])
        return x

    lam(lambda x: lam(read)).invoke(1, {"recursion_limit": 9})
    list(lam(lambda x: lam(read)).stream(1, {"recursion_limit": 9}))
    (lam(read) | lam(read)).invoke(1, {"recursion_limit": 9})
    lam(lambda x: lam(read).invoke(x)).invoke(1, {"recursion_limit": 9})
    assert seen == [8, 8, 9, 9, 9]


# ----------------------------------------------------------------------------- names

@pytest.mark.parametrize("pkg", PKGS)
def test_get_name_suffix_follows_the_names_case(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    parallel = load(pkg, "runnables", "RunnableParallel")

    def my_func(x: int) -> int:
        return x

    assert lam(my_func).get_name("Input") == "my_func_input"
    assert lam(my_func).get_name("input") == "my_func_input"
    assert lam(lambda x: x).get_name("input") == "RunnableLambdaInput"
    assert parallel(a=lam(my_func)).get_name("output") == "RunnableParallel<a>Output"
    assert lam(my_func).get_name("x", name="Given") == "GivenX"


@pytest.mark.parametrize("pkg", PKGS)
def test_a_binding_is_named_after_its_bound_runnable_not_its_run_name(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")

    def my_func(x: int) -> int:
        return x

    bound = (lam(my_func) | lam(my_func)).with_config(run_name="mine")
    assert bound.get_name() == "RunnableSequence"
    rec = recorder(pkg)
    bound.invoke(1, {"callbacks": [rec]})
    assert rec.seen[0][:2] == ("on_chain_start", "mine")  # the run is named by run_name
    assert lam(my_func).with_config(run_name="r").get_name() == "my_func"


@pytest.mark.parametrize("pkg", PKGS)
def test_a_lambdas_repr_shows_its_function(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")

    def f(x: int) -> int:
        return x

    async def af(x: int) -> int:
        return x

    assert repr(lam(f)) == "RunnableLambda(f)"
    assert repr(lam(f, name="other")) == "RunnableLambda(f)"
    assert repr(lam(af)) == "RunnableLambda(afunc=af)"
    assert repr(lam(lambda x: x + 1)) == "RunnableLambda(lambda x: x + 1)"
