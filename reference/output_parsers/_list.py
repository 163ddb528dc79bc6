"""List parsers, as langchain_core's: streamed, each item is yielded as ``[item]`` once the
next one has begun (the last at the end), so the run's end value is the whole list."""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator, Iterator
from io import StringIO
from typing import Any

from reference.messages import BaseMessage
from reference.output_parsers._base import BaseTransformOutputParser

__all__ = [
    "CommaSeparatedListOutputParser",
    "ListOutputParser",
    "MarkdownListOutputParser",
    "NumberedListOutputParser",
]


class ListOutputParser(BaseTransformOutputParser[list[str]]):
    """Subclass and implement ``parse(text) -> list[str]`` (and, to stream item by item from
    a regex, ``parse_iter(text)``: the matches, each item its group 1)."""

    def parse_iter(self, text: str) -> Iterator[re.Match[str]]:
        raise NotImplementedError

    def _complete(self, buffer: str) -> tuple[list[str], str]:
        """The items of ``buffer`` known complete (another follows), and the rest."""
        try:
            matches = list(self.parse_iter(buffer))
        except NotImplementedError:
            parts = self.parse(buffer)
            if len(parts) > 1:
                return parts[:-1], parts[-1]
            return [], buffer
        done = matches[:-1]
        return [m.group(1) for m in done], buffer[done[-1].end():] if done else buffer

    def _items(self, buffer: str, text: Any) -> tuple[list[list[str]], str]:
        if isinstance(text, BaseMessage):
            if not isinstance(text.content, str):
                return [], buffer
            text = text.content
        items, rest = self._complete(buffer + text)
        return [[item] for item in items], rest

    def _transform(self, input: Iterator[Any]) -> Iterator[list[str]]:
        buffer = ""
        for chunk in input:
            items, buffer = self._items(buffer, chunk)
            yield from items
        for item in self.parse(buffer):
            yield [item]

    async def _atransform(self, input: AsyncIterator[Any]) -> AsyncIterator[list[str]]:
        buffer = ""
        async for chunk in input:
            items, buffer = self._items(buffer, chunk)
            for item in items:
                yield item
        for last in self.parse(buffer):
            yield [last]


class CommaSeparatedListOutputParser(ListOutputParser):
    """``a, b, "c, d"`` -> ``["a", "b", "c, d"]`` (CSV: quotes protect commas)."""

    def get_format_instructions(self) -> str:
        return (
            "Your response should be a list of comma separated values, "
            "eg: `foo, bar, baz` or `foo,bar,baz`"
        )

    def parse(self, text: str) -> list[str]:
        try:
            rows = csv.reader(StringIO(text), quotechar='"', delimiter=",",
                              skipinitialspace=True)
            return [item for row in rows for item in row]
        except csv.Error:
            return [part.strip() for part in text.split(",")]

    @property
    def _type(self) -> str:
        return "comma-separated-list"


class NumberedListOutputParser(ListOutputParser):
    """``1. a`` lines -> ``["a", ...]`` (``pattern``'s group 1)."""

    pattern: str = r"\d+\.\s([^\n]+)"

    def get_format_instructions(self) -> str:
        return (
            "Your response should be a numbered list with each item on a new line. "
            "For example: \n\n1. foo\n\n2. bar\n\n3. baz"
        )

    def parse(self, text: str) -> list[str]:
        return re.findall(self.pattern, text)

    def parse_iter(self, text: str) -> Iterator[re.Match[str]]:
        return re.finditer(self.pattern, text)

    @property
    def _type(self) -> str:
        return "numbered-list"


class MarkdownListOutputParser(ListOutputParser):
    """``- a`` / ``* a`` lines -> ``["a", ...]`` (``pattern``'s group 1)."""

    pattern: str = r"^\s*[-*]\s([^\n]+)$"

    def get_format_instructions(self) -> str:
        return "Your response should be a markdown list, eg: `- foo\n- bar\n- baz`"

    def parse(self, text: str) -> list[str]:
        return re.findall(self.pattern, text, re.MULTILINE)

    def parse_iter(self, text: str) -> Iterator[re.Match[str]]:
        return re.finditer(self.pattern, text, re.MULTILINE)

    @property
    def _type(self) -> str:
        return "markdown-list"
