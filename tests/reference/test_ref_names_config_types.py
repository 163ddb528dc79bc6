"""``InputType`` / ``OutputType`` as langchain-core 1.8.3 gives them where they are plain typing
forms: a class's generic parameters, a lambda's annotations (a generator's iterator items),
a sequence's ends, a parallel's first branch, ``with_types`` (kept by later bindings), a map's
lists, a passthrough's ``input_type``, a parser's declared output; and a subclass's ``name``
attribute naming its runs. Found by a differential probe of typing behaviour. Written once
against a package prefix, expected values by hand (langchain-core 1.8.3's)."""

# No ``from __future__ import annotations``: the functions' annotations must be the types
# themselves (with it, both packages give the annotation strings).
from collections.abc import Iterator
from typing import Any, Optional, Union

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def typed(x: int) -> str:
    return str(x)


def optional(x: Optional[int]) -> Union[int, str]:  # noqa: UP007, UP045 - typing forms kept
    return x or 0


async def atyped(x: float) -> bytes:
    return b""


def items(it: Iterator[int]) -> Iterator[str]:
    for x in it:
        yield str(x)


def _types(r: Any) -> tuple[Any, Any]:
    return r.InputType, r.OutputType


@pytest.mark.parametrize("pkg", PKGS)
def test_lambdas_and_generators_read_their_annotations(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    gen = load(pkg, "runnables", "RunnableGenerator")
    assert _types(lam(lambda x: x)) == (Any, Any)
    assert _types(lam(typed)) == (int, str)
    assert _types(lam(optional)) == (Optional[int], Union[int, str])  # noqa: UP007, UP045
    assert _types(lam(atyped)) == (float, bytes)
    assert _types(gen(items)) == (int, str)


@pytest.mark.parametrize("pkg", PKGS)
def test_composed_runnables_take_their_parts_types(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    parallel = load(pkg, "runnables", "RunnableParallel")
    passthrough = load(pkg, "runnables", "RunnablePassthrough")

    def length(x: str) -> float:
        return float(len(x))

    assert _types(lam(typed) | lam(length)) == (int, float)
    assert _types(lam(lambda x: x) | lam(typed)) == (Any, str)
    assert _types(parallel(a=lam(typed), b=lam(length))) == (int, dict[str, Any])
    assert _types(lam(typed) | {"a": lam(length)}) == (int, dict[str, Any])
    assert _types(passthrough.assign(c=lam(lambda d: 1))) == (dict[str, Any], dict[str, Any])
    assert _types(lam(typed).map()) == (list[int], list[str])
    assert _types(lam(typed).with_retry()) == (int, str)
    assert _types(lam(typed).with_fallbacks([lam(lambda x: x)])) == (int, str)
    assert _types(lam(typed).with_config(tags=["t"])) == (int, str)
    assert _types(lam(typed).bind()) == (int, str)
    assert _types(passthrough()) == (Any, Any)
    assert _types(passthrough(input_type=int)) == (int, int)


@pytest.mark.parametrize("pkg", PKGS)
def test_with_types_declares_types_later_bindings_keep(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    r = lam(lambda x: x).with_types(input_type=int, output_type=str)
    assert _types(r) == (int, str)
    assert _types(r.with_types(output_type=bytes)) == (int, bytes)
    assert _types(lam(lambda x: x).with_types(input_type=int).with_config(run_name="x")) == (
        int, Any)
    assert _types(lam(typed).with_types(input_type=float)) == (float, str)
    rec = recorder(pkg)
    assert r.invoke(1, {"callbacks": [rec]}) == 1  # the types shape no run
    assert [(e, n) for e, n, _, _ in rec.seen] == [("on_chain_start", "RunnableLambda"),
                                                   ("on_chain_end", "RunnableLambda")]


@pytest.mark.parametrize("pkg", PKGS)
def test_classes_declare_their_types_by_their_generic_parameters(pkg: str) -> None:
    runnable = load(pkg, "runnables", "Runnable")
    base_parser = load(pkg, "output_parsers", "BaseOutputParser")

    class Declared(runnable[int, str]):  # type: ignore[misc, valid-type]
        name = "Declared"

        def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
            return str(input)

    class Parser(base_parser[int]):  # type: ignore[misc, valid-type]
        def parse(self, text: str) -> int:
            return 1

    assert _types(Declared()) == (int, str)
    assert Parser().OutputType is int
    assert load(pkg, "output_parsers", "CommaSeparatedListOutputParser")().OutputType \
        == list[str]
    assert load(pkg, "output_parsers", "JsonOutputParser")().OutputType is Any
    assert load(pkg, "output_parsers", "StrOutputParser")().OutputType is str
    assert load(pkg, "language_models", "FakeListLLM")(responses=["a"]).OutputType is str
    assert load(pkg, "prompts", "PromptTemplate").from_template("{a}").InputType \
        == dict[str, Any]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_subclass_name_attribute_names_its_runs(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    runnable = load(pkg, "runnables", "Runnable")

    class Custom(runnable):  # type: ignore[misc, valid-type]
        name = "Named"

        def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
            return self._call_with_config(lambda x: x, input, config)

    assert Custom().get_name() == "Named"
    assert Custom().get_name("input") == "NamedInput"
    rec = recorder(pkg)
    (lam(lambda x: x, name="pre") | Custom()).invoke(1, {"callbacks": [rec]})
    assert [n for e, n, _, _ in rec.seen if e == "on_chain_start"] == ["RunnableSequence",
                                                                       "pre", "Named"]
