"""``config_specs`` as langchain-core 1.8.3 lists them: empty for plain runnables, the keys of
``configurable_fields`` (the field's annotation, its current value as the default) and
``configurable_alternatives`` (a ``str`` enum of the choices), prefixed with ``prefix_keys``,
gathered once each by every composed runnable and binding, and a ``ValueError`` for two parts
reading one key differently. Found by a differential probe of configuration behaviour. Written
once against a package prefix, expected values by hand (langchain-core 1.8.3's)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _spec(pkg: str, **kw: Any) -> Any:
    values = {"name": None, "description": None, "default": None, "is_shared": False,
              "dependencies": None, **kw}
    return load(pkg, "runnables", "ConfigurableFieldSpec")(**values)


def _chat(pkg: str, *responses: str) -> Any:
    return load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(
        responses=list(responses))


@pytest.mark.parametrize("pkg", PKGS)
def test_plain_and_composed_runnables_read_no_configurable_keys(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    parallel = load(pkg, "runnables", "RunnableParallel")
    passthrough = load(pkg, "runnables", "RunnablePassthrough")
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}")
    parser = load(pkg, "output_parsers", "StrOutputParser")()
    plain = [lam(lambda x: x), prompt, parser, _chat(pkg, "a"), passthrough(),
             prompt | _chat(pkg, "a") | parser, parallel(a=lam(lambda x: x)),
             passthrough.assign(b=lam(lambda x: 1)), lam(lambda x: x).with_retry(),
             lam(lambda x: x).with_fallbacks([lam(lambda x: x)]), lam(lambda x: x).map(),
             lam(lambda x: x).with_config(tags=["t"])]
    for runnable in plain:
        assert runnable.config_specs == [], runnable


@pytest.mark.parametrize("pkg", PKGS)
def test_configurable_fields_list_annotation_and_current_value(pkg: str) -> None:
    field = load(pkg, "runnables", "ConfigurableField")
    model = _chat(pkg, "a").configurable_fields(
        responses=field(id="resp", name="Resp", description="desc"), sleep=field(id="sl"))
    assert model.config_specs == [
        _spec(pkg, id="resp", annotation=list[str], name="Resp", description="desc",
              default=["a"]),
        _spec(pkg, id="sl", annotation=float | None),
    ]
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}").configurable_fields(
        template=field(id="tpl", annotation=str, is_shared=True))
    assert prompt.config_specs == [_spec(pkg, id="tpl", annotation=str, default="{q}",
                                         is_shared=True)]


@pytest.mark.parametrize("pkg", PKGS)
def test_option_fields_and_alternatives_list_their_choices_as_an_enum(pkg: str) -> None:
    single = load(pkg, "runnables", "ConfigurableFieldSingleOption")
    multi = load(pkg, "runnables", "ConfigurableFieldMultiOption")
    field = load(pkg, "runnables", "ConfigurableField")
    one = _chat(pkg, "a").configurable_fields(responses=single(
        id="resp", options={"one": ["1"], "two": ["2"]}, default="one", name="N"))
    [spec] = one.config_specs
    assert (spec.id, spec.name, spec.default) == ("resp", "N", "one")
    assert spec.annotation.__name__ == "N" and [m.value for m in spec.annotation] == ["one", "two"]
    assert one.config_specs == [spec]  # the same enum each time: specs compare equal
    many = _chat(pkg, "a").configurable_fields(responses=multi(
        id="resp", options={"one": "1", "two": "2"}, default=["one"]))
    [spec] = many.config_specs
    assert spec.annotation.__origin__ is Sequence and spec.default == ["one"]
    assert spec.annotation.__args__[0].__name__ == "resp"
    alts = _chat(pkg, "a").configurable_alternatives(
        field(id="llm", name="LLM", description="which"), default_key="fake",
        other=_chat(pkg, "o"), third=_chat(pkg, "t"))
    [spec] = alts.config_specs
    assert (spec.id, spec.name, spec.description, spec.default) == ("llm", "LLM", "which",
                                                                    "fake")
    assert [m.value for m in spec.annotation] == ["other", "third", "fake"]


@pytest.mark.parametrize("pkg", PKGS)
def test_alternatives_list_the_keys_their_choices_read(pkg: str) -> None:
    field = load(pkg, "runnables", "ConfigurableField")
    inner = _chat(pkg, "t").configurable_fields(responses=field(id="responses"))
    plain = _chat(pkg, "a").configurable_fields(responses=field(id="r1")) \
        .configurable_alternatives(field(id="llm"), default_key="chat", other=inner)
    assert [s.id for s in plain.config_specs] == ["llm", "r1", "responses"]
    prefixed = _chat(pkg, "a").configurable_alternatives(
        field(id="llm"), default_key="fake", prefix_keys=True, other=inner)
    assert [(s.id, s.default) for s in prefixed.config_specs] == [
        ("llm", "fake"), ("llm==other/responses", ["t"])]
    rec = recorder(pkg)
    out = prefixed.invoke("x", {"configurable": {"llm": "other", "llm==other/responses": ["Q"]},
                                "callbacks": [rec]})
    assert out.content == "Q"


@pytest.mark.parametrize("pkg", PKGS)
def test_composed_runnables_gather_their_parts_keys_once_sorted(pkg: str) -> None:
    field = load(pkg, "runnables", "ConfigurableField")
    lam = load(pkg, "runnables", "RunnableLambda")
    m1 = _chat(pkg, "a").configurable_fields(responses=field(id="resp", name="R"))
    m2 = _chat(pkg, "b").configurable_fields(responses=field(id="resp2"))
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("{q}").configurable_fields(
        template=field(id="tpl", description="the tpl"))
    chain = prompt | m1 | lam(lambda m: m.content) | {"x": m2, "y": m1}
    assert [(s.id, s.name, s.description) for s in chain.config_specs] == [
        ("resp", "R", None), ("resp2", None, None), ("tpl", None, "the tpl")]
    for composed in (chain.with_config(configurable={"resp": ["z"]}), chain.with_retry(),
                     lam(lambda x: x).with_fallbacks([chain]), chain.map()):
        assert [s.id for s in composed.config_specs] == ["resp", "resp2", "tpl"]
    out = chain.invoke({"q": "Q"}, {"configurable": {"tpl": "T{q}", "resp": ["z"]}})
    assert (out["x"].content, out["y"].content) == ("b", "z")


@pytest.mark.parametrize("pkg", PKGS)
def test_two_parts_reading_one_key_differently_conflict(pkg: str) -> None:
    field = load(pkg, "runnables", "ConfigurableField")
    m1 = _chat(pkg, "a").configurable_fields(responses=field(id="resp", name="A"))
    m2 = _chat(pkg, "b").configurable_fields(responses=field(id="resp", name="B"))
    with pytest.raises(ValueError, match=r"conflicting config specs.*resp"):
        (m1 | m2).config_specs  # noqa: B018
