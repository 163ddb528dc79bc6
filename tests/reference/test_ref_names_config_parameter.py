"""Which functions get ``config=``: a lambda, a generator, a passthrough's function and a root
listener get it when they have a parameter of that name, of any kind (positional, keyword-only,
``**config``), as langchain_core decides; a function without one is called without it. Written
once against a package prefix; where langchain-core 1.x is installed it must hold there too."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _plain(x: Any) -> Any:
    return ("plain", x)


def _named(x: Any, config: Any) -> Any:
    return ("named", sorted(config))


def _keyword_only(x: Any, *, config: Any) -> Any:
    return ("keyword-only", sorted(config))


def _var_keyword(x: Any, **config: Any) -> Any:
    return ("var-keyword", sorted(config))


def _wrapped(x: Any, config: Any) -> Any:
    return ("wrapped", sorted(config))


@functools.wraps(_wrapped)
def _decorated(*args: Any, **kwargs: Any) -> Any:
    return _wrapped(*args, **kwargs)


FULL = ["callbacks", "configurable", "metadata", "recursion_limit", "tags"]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("func", "expected"), [
    (_plain, ("plain", 1)),
    (_named, ("named", FULL)),
    (_keyword_only, ("keyword-only", FULL)),
    (_var_keyword, ("var-keyword", ["config"])),
    (_decorated, ("wrapped", FULL)),
    (functools.partial(_named), ("named", FULL)),
])
def test_lambda_gets_config_when_a_parameter_is_named_config(pkg: str, func: Any,
                                                             expected: Any) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    assert lam(func).invoke(1) == expected


@pytest.mark.parametrize("pkg", PKGS)
def test_generator_and_passthrough_functions_get_config_by_parameter_name(pkg: str) -> None:
    generator = load(pkg, "runnables", "RunnableGenerator")
    passthrough = load(pkg, "runnables", "RunnablePassthrough")
    seen: list[Any] = []

    def gen(xs: Iterator[Any], **config: Any) -> Iterator[Any]:
        for x in xs:
            yield (x, sorted(config))

    def side(x: Any, *, config: Any) -> None:
        seen.append(sorted(config))

    assert generator(gen).invoke(1) == (1, ["config"])
    assert passthrough(side).invoke(2) == 2
    assert seen == [FULL]


@pytest.mark.parametrize("pkg", PKGS)
def test_root_listener_gets_config_by_parameter_name(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    seen: list[Any] = []

    def on_start(run: Any, **config: Any) -> None:
        seen.append(("start", sorted(config)))

    def on_end(run: Any) -> None:
        seen.append(("end", run.name))

    lam(_plain).with_listeners(on_start=on_start, on_end=on_end).invoke(1)
    assert seen == [("start", ["config"]), ("end", "_plain")]
