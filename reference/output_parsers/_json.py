"""``JsonOutputParser``: a model's JSON reply (bare or in a Markdown code fence) as Python data.

Streamed, it yields the object parsed so far after each chunk that changes it
(``{}``, ``{'a': [1]}``, ...), as langchain_core's does: an unfinished text is
read by closing what is open (a string, then the open arrays and objects)
and, if that is still not JSON, by dropping characters from its end until it is.
"""

from __future__ import annotations

import json
import re
from typing import Any

from reference.exceptions import OutputParserException
from reference.output_parsers._base import BaseCumulativeTransformOutputParser
from reference.outputs import Generation

__all__ = ["JsonOutputParser", "SimpleJsonOutputParser", "parse_json_markdown",
           "parse_partial_json"]

_CLOSER = {"{": "}", "[": "]"}
_FENCE = re.compile(r"```(json)?(.*)", re.DOTALL)


def _repair(text: str) -> tuple[list[str], str] | None:
    """``text`` as pieces (a raw newline in a string becomes ``\\n``) and the closers of what
    it leaves open; None if a closing bracket does not match."""
    pieces: list[str] = []
    open_: list[str] = []
    in_str = escape = False
    for ch in text:
        piece = ch
        if not in_str:
            if ch == '"':
                in_str, escape = True, False
            elif ch in _CLOSER:
                open_.append(_CLOSER[ch])
            elif ch in "}]" and (not open_ or open_.pop() != ch):
                return None
        elif ch == '"' and not escape:
            in_str = False
        elif ch == "\n" and not escape:
            piece = "\\n"
        else:
            escape = ch == "\\" and not escape
        pieces.append(piece)
    if in_str:
        if escape:
            pieces.pop()  # a dangling backslash would escape the closing quote
        pieces.append('"')
    return pieces, "".join(reversed(open_))


def parse_partial_json(s: str, *, strict: bool = False) -> Any:
    """Parse JSON that may be cut short; None if a bracket is mismatched.

    Raises ``json.JSONDecodeError`` if no shortening of the text parses.
    """
    try:
        return json.loads(s, strict=strict)
    except json.JSONDecodeError:
        pass
    repaired = _repair(s)
    if repaired is None:
        return None
    pieces, closers = repaired
    while pieces:
        try:
            return json.loads("".join(pieces) + closers, strict=strict)
        except json.JSONDecodeError:
            pieces.pop()
    return json.loads(s, strict=strict)


def _parse_stripped(text: str) -> Any:
    return parse_partial_json(text.strip(" \n\r\t`"))


def parse_json_markdown(text: str) -> Any:
    """JSON from the text, or from the code fence in it (```` ```json ... ``` ````)."""
    try:
        return _parse_stripped(text)
    except json.JSONDecodeError:
        fence = _FENCE.search(text)
        return _parse_stripped(text if fence is None else fence.group(2))


class JsonOutputParser(BaseCumulativeTransformOutputParser[Any]):
    """Parse a JSON reply; streamed, yield the partial object after each chunk changing it.

    ``diff=True`` (JSON patches) and ``pydantic_object`` format instructions are not
    supported by the reference: they raise ``NotImplementedError``.
    """

    pydantic_object: Any = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if self.diff:
            raise NotImplementedError(
                "The reference's JsonOutputParser does not support diff=True (JSON patches)"
            )

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        text = result[0].text.strip()
        try:
            return parse_json_markdown(text)
        except json.JSONDecodeError as e:
            if partial:
                return None
            raise OutputParserException(f"Invalid json output: {text}", llm_output=text) from e

    def parse(self, text: str) -> Any:
        return self.parse_result([Generation(text=text)])

    def get_format_instructions(self) -> str:
        if self.pydantic_object is None:
            return "Return a JSON object."
        raise NotImplementedError(
            "The reference's JsonOutputParser has no format instructions for a pydantic_object"
        )

    @property
    def _type(self) -> str:
        return "simple_json_output_parser"


#: langchain_core's older name for the same parser.
SimpleJsonOutputParser = JsonOutputParser
