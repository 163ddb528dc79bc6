"""``XMLOutputParser`` at langchain_core's names (``output_parsers``, ``output_parsers.xml``):
what ``parse`` returns, what a streamed parse yields chunk by chunk, and what a handler sees of
``model | parser``. Written once against a package prefix, expected values by hand
(langchain-core 1.8.3's); where it is installed they must hold on it too."""

from __future__ import annotations

import asyncio
import importlib.util
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
HAVE_DEFUSEDXML = importlib.util.find_spec("defusedxml") is not None


def _parser(pkg: str, **kwargs: Any) -> Any:
    return load(pkg, "output_parsers.xml", "XMLOutputParser")(parser="xml", **kwargs)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("text", "expected"), [
    ("<a>1</a>", {"a": "1"}),
    ("<a><b>1</b><c>2</c></a>", {"a": [{"b": "1"}, {"c": "2"}]}),
    ("<a><b><c>x</c><d>y</d></b><e>z</e></a>", {"a": [{"b": [{"c": "x"}, {"d": "y"}]},
                                                      {"e": "z"}]}),
    ("```xml\n<a><b>1</b></a>\n```", {"a": [{"b": "1"}]}),
    ('<?xml version="1.0" encoding="UTF-8"?>\n<a><b>1</b></a>', {"a": [{"b": "1"}]}),
    ("  <a>\n  <b>1</b>\n</a>  ", {"a": [{"b": "1"}]}),
    ("<a>text<b>1</b></a>", {"a": "text"}),
    ("<a><b/></a>", {"a": [{"b": None}]}),
    ("<a></a>", {"a": []}),
    ("<a><b>1</b><b>2</b></a>", {"a": [{"b": "1"}, {"b": "2"}]}),
    ("<a x='1'><b>1</b></a>", {"a": [{"b": "1"}]}),
])
def test_parse(pkg: str, text: str, expected: Any) -> None:
    parser = _parser(pkg)
    assert parser.parse(text) == expected
    assert parser.invoke(text) == expected
    assert parser.invoke(load(pkg, "messages", "AIMessage")(text)) == expected


@pytest.mark.parametrize("pkg", PKGS)
def test_parse_failure_is_an_output_parser_exception(pkg: str) -> None:
    exc = load(pkg, "exceptions", "OutputParserException")
    with pytest.raises(exc) as info:
        _parser(pkg).parse("Sure! <a><b>1</b></a>")
    assert str(info.value).startswith(
        "Failed to parse XML format from completion Sure! <a><b>1</b></a>. "
        "Got: not well-formed (invalid token): line 1, column 4\n")
    assert info.value.llm_output == "Sure! <a><b>1</b></a>"
    rec = recorder(pkg)
    with pytest.raises(exc, match="Got: mismatched tag: line 1, column 8"):
        _parser(pkg).invoke(" <a><b></a> ", {"callbacks": [rec]})
    assert [(e, n) for e, n, _, _ in rec.seen] == [
        ("on_chain_start", "XMLOutputParser"), ("on_chain_error", "XMLOutputParser")]


def _transform(pkg: str, chunks: list[Any]) -> list[tuple[str, Any]]:
    return [(type(o).__name__, o) for o in _parser(pkg).transform(iter(chunks))]


@pytest.mark.parametrize("pkg", PKGS)
def test_transform_yields_each_leaf_in_its_ancestors(pkg: str) -> None:
    assert _transform(pkg, ["<a>", "<b>1</b>", "<c>2", "</c></a>"]) == [
        ("AddableDict", {"a": [{"b": "1"}]}), ("AddableDict", {"a": [{"c": "2"}]})]
    assert _transform(pkg, ["Sure: <a><b><c>x</c><d>y</d></b><e>z</e></a> tail"]) == [
        ("AddableDict", {"a": [{"b": [{"c": "x"}]}]}),
        ("AddableDict", {"a": [{"b": [{"d": "y"}]}]}),
        ("AddableDict", {"a": [{"e": "z"}]})]
    # text before the first tag is skipped, anything after the root ignored
    assert _transform(pkg, ["hi ", "<", "a><b>1</b></a>", "<z>9</z>"]) == [
        ("AddableDict", {"a": [{"b": "1"}]})]
    assert _transform(pkg, ["<a>txt</a>"]) == [("AddableDict", {"a": "txt"})]
    assert _transform(pkg, ["<a><b>1</b>"]) == [("AddableDict", {"a": [{"b": "1"}]})]
    assert _transform(pkg, ["1 < 2 <a>"]) == []
    chunk = load(pkg, "messages", "AIMessageChunk")
    assert _transform(pkg, [chunk("<a><b>1</b>"), chunk([{"type": "text", "text": "<c/>"}]),
                            chunk("</a>")]) == [("AddableDict", {"a": [{"b": "1"}]})]
    with pytest.raises(ET.ParseError, match="mismatched tag"):
        _transform(pkg, ["<a><b>1</c></a>"])


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["stream", "astream", "invoke"])
def test_model_then_parser_streamed(pkg: str, mode: str) -> None:
    model = load(pkg, "language_models", "FakeListChatModel")(
        responses=["<r><b>1</b><c>2</c></r>"], name="m")
    chain = model | _parser(pkg)
    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}

    async def astream() -> list[Any]:
        return [c async for c in chain.astream("q", cfg)]

    if mode == "invoke":
        assert chain.invoke("q", cfg) == {"r": [{"b": "1"}, {"c": "2"}]}
    else:
        out = list(chain.stream("q", cfg)) if mode == "stream" else asyncio.run(astream())
        assert out == [{"r": [{"b": "1"}]}, {"r": [{"c": "2"}]}]
    ends = [(n, d) for e, n, _, d in rec.seen if e == "on_chain_end"]
    assert ends == [
        ("XMLOutputParser", "{'r': [{'b': '1'}, {'c': '2'}]}"),
        ("RunnableSequence", "{'r': [{'b': '1'}, {'c': '2'}]}"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_fields_and_the_defusedxml_default(pkg: str) -> None:
    cls = load(pkg, "output_parsers", "XMLOutputParser")
    assert cls is load(pkg, "output_parsers.xml", "XMLOutputParser")
    parser = cls(tags=["x", "y"])
    assert (parser.tags, parser.parser, parser._type) == (["x", "y"], "defusedxml", "xml")
    assert "['x', 'y']" in parser.get_format_instructions()
    if HAVE_DEFUSEDXML:
        assert parser.parse("<a>1</a>") == {"a": "1"}
        return
    with pytest.raises(ImportError, match="defusedxml"):
        parser.parse("<a>1</a>")
    with pytest.raises(ImportError, match="defusedxml"):
        list(parser.transform(iter(["<a>1</a>"])))
