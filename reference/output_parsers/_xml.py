"""``XMLOutputParser``: a model's XML reply as nested dicts and lists, whole or streamed.

Parsed whole, an element with text is ``{tag: text}``; one without is ``{tag: [child, ...]}``
(a childless one ``{tag: None}`` inside its parent); attributes are dropped. A reply inside a
fenced code block, or after an XML declaration that names an encoding, is parsed from there.

Streamed, each leaf element is yielded as soon as it closes, wrapped in its ancestors
(``{"a": [{"b": [{"c": "x"}]}]}``), as an ``AddableDict``, so the run's output adds up to the
whole. Text before the first tag is skipped, anything after the root element ignored, and
malformed XML inside the root raises the parser's ``ParseError``.

``parser="defusedxml"`` (the default, as in langchain_core) needs the ``defusedxml`` package
(it guards the standard library's parser against hostile documents): without it parsing
raises ImportError, as langchain_core's does; ``parser="xml"`` uses the standard library.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any, Literal, cast

from reference.exceptions import OutputParserException
from reference.messages import BaseMessage
from reference.output_parsers._base import BaseTransformOutputParser
from reference.runnables._addable import AddableDict

__all__ = ["XMLOutputParser", "nested_element"]

_NO_DEFUSEDXML = (
    "XMLOutputParser(parser='defusedxml') needs the defusedxml package, which is not installed: "
    "pip install defusedxml, or pass parser='xml' to use the standard library's parser"
)
_FENCED = re.compile(r"```(xml)?(.*)```", re.DOTALL)
_TAG_START = re.compile(r"<[a-zA-Z:_]")


def _element_tree(parser: str) -> ModuleType:
    """The ElementTree module to parse with: defusedxml's or the standard library's."""
    if parser != "defusedxml":
        return ET
    try:
        from defusedxml import ElementTree  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        raise ImportError(_NO_DEFUSEDXML) from None
    return ElementTree  # type: ignore[no-any-return, unused-ignore]


def _pull_parser(parser: str) -> ET.XMLPullParser[Any]:
    if parser != "defusedxml":
        return ET.XMLPullParser(["start", "end"])
    _element_tree(parser)  # ImportError without defusedxml
    from defusedxml.ElementTree import XMLParser  # type: ignore[import-untyped, unused-ignore]

    return ET.XMLPullParser(["start", "end"], _parser=XMLParser(target=ET.TreeBuilder()))


def nested_element(path: list[str], elem: ET.Element) -> Any:
    """``elem`` as ``{tag: text}``, wrapped in one ``{ancestor: [...]}`` per tag of ``path``."""
    value = AddableDict({elem.tag: elem.text})
    for tag in reversed(path):
        value = AddableDict({tag: [value]})
    return value


class _Stream:
    """One streamed reply's parsing state: text held until a tag starts, the open tags."""

    def __init__(self, parser: str) -> None:
        self.pull = _pull_parser(parser)
        self.pending = ""
        self.open: list[str] = []
        self.open_has_children = False
        self.started = False

    def feed(self, chunk: Any) -> Iterator[AddableDict]:
        if isinstance(chunk, BaseMessage):
            if not isinstance(chunk.content, str):
                return  # content blocks carry no XML text
            chunk = chunk.content
        self.pending += chunk
        if not self.started:
            found = _TAG_START.search(self.pending)
            if found is None:
                return
            self.pending = self.pending[found.start():]
            self.started = True
        self.pull.feed(self.pending)
        self.pending = ""
        try:
            for event, elem in cast("Iterator[tuple[str, ET.Element]]", self.pull.read_events()):
                if event == "start":
                    self.open.append(elem.tag)
                    self.open_has_children = False
                    continue
                self.open.pop()
                if not self.open_has_children:  # a leaf
                    yield nested_element(self.open, elem)
                if self.open:
                    self.open_has_children = True
                else:
                    self.started = False  # the root closed
        except ET.ParseError:
            if self.open:
                raise
            # Outside the root (text after it): ignored.

    def close(self) -> None:
        with contextlib.suppress(ET.ParseError):
            self.pull.close()


class XMLOutputParser(BaseTransformOutputParser[dict[str, Any]]):
    """Parse XML into nested dicts and lists (see the module docstring); ``tags`` are the
    tags the format instructions ask for."""

    tags: list[str] | None = None
    parser: Literal["defusedxml", "xml"] = "defusedxml"
    encoding_matcher: re.Pattern[str] = re.compile(
        r"<([^>]*encoding[^>]*)>\n(.*)", re.MULTILINE | re.DOTALL)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.parser not in ("defusedxml", "xml"):
            raise ValueError(f"XMLOutputParser(parser=...) is 'defusedxml' (the default) or "
                             f"'xml' (the standard library's), got {self.parser!r}")

    @property
    def _type(self) -> str:
        return "xml"

    def get_format_instructions(self) -> str:
        return (
            "Answer in XML: one root element, every tag closed, nested as the structure "
            f"requires. Use these tags: {self.tags}"
        )

    def parse(self, text: str) -> dict[str, Any]:
        et = _element_tree(self.parser)
        fenced = _FENCED.search(text)
        if fenced is not None:
            text = fenced.group(2)
        declared = self.encoding_matcher.search(text)
        if declared is not None:
            text = declared.group(2)
        text = text.strip()
        try:
            root = et.fromstring(text)
        except et.ParseError as e:
            raise OutputParserException(
                f"Failed to parse XML format from completion {text}. Got: {e}",
                llm_output=text) from e
        return self._to_dict(root)

    def _to_dict(self, elem: ET.Element) -> dict[str, Any]:
        if elem.text and not elem.text.isspace():
            return {elem.tag: elem.text}
        return {elem.tag: [{c.tag: c.text} if len(c) == 0 else self._to_dict(c) for c in elem]}

    def _transform(self, input: Iterator[Any]) -> Iterator[dict[str, Any]]:
        stream = _Stream(self.parser)
        for chunk in input:
            yield from stream.feed(chunk)
        stream.close()

    async def _atransform(self, input: AsyncIterator[Any]) -> AsyncIterator[dict[str, Any]]:
        stream = _Stream(self.parser)
        async for chunk in input:
            for out in stream.feed(chunk):
                yield out
        stream.close()
