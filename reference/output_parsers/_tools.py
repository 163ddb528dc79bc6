"""Parsers of a chat model's tool calls, as langchain_core's ``openai_tools`` ones: each call
as ``{"type": name, "args": ...}`` (``"id"`` with ``return_id``), from ``AIMessage.tool_calls``
or, for older messages, OpenAI's raw ``additional_kwargs["tool_calls"]``. A model's refusal
content blocks are not checked (the reference's messages have none)."""

from __future__ import annotations

import copy
import json
from typing import Any

from reference.exceptions import OutputParserException
from reference.messages import AIMessage, InvalidToolCall
from reference.messages._tool_calls import invalid_tool_call
from reference.output_parsers._base import BaseCumulativeTransformOutputParser
from reference.output_parsers._json import parse_partial_json
from reference.outputs import ChatGeneration, Generation

__all__ = [
    "JsonOutputKeyToolsParser",
    "JsonOutputToolsParser",
    "make_invalid_tool_call",
    "parse_tool_call",
    "parse_tool_calls",
]


def parse_tool_call(raw_tool_call: dict[str, Any], *, partial: bool = False,
                    strict: bool = False, return_id: bool = True) -> dict[str, Any] | None:
    """One raw ``{"id", "function": {"name", "arguments"}}`` call; None if not parsable yet."""
    if "function" not in raw_tool_call:
        return None
    function = raw_tool_call["function"]
    text = function["arguments"]
    if partial:
        try:
            args = parse_partial_json(text, strict=strict)
        except (json.JSONDecodeError, TypeError):
            return None
    elif not text:
        args = {}
    else:
        try:
            args = json.loads(text, strict=strict)
        except json.JSONDecodeError as e:
            raise OutputParserException(
                f"Function {function['name']} arguments:\n\n{text}\n\nare not valid "
                f"JSON. Received JSONDecodeError {e}") from e
    call: dict[str, Any] = {"name": function["name"] or "", "args": args or {}}
    if return_id:
        call = {**call, "id": raw_tool_call.get("id"), "type": "tool_call"}
    return call


def make_invalid_tool_call(raw_tool_call: dict[str, Any],
                           error_msg: str | None) -> InvalidToolCall:
    """A raw call that did not parse, kept as an :class:`InvalidToolCall` with the error."""
    function = raw_tool_call["function"]
    return invalid_tool_call(name=function["name"], args=function["arguments"],
                             id=raw_tool_call.get("id"), error=error_msg)


def parse_tool_calls(raw_tool_calls: list[dict[str, Any]], *, partial: bool = False,
                     strict: bool = False, return_id: bool = True) -> list[dict[str, Any]]:
    """Raw calls parsed; every invalid one's message in one OutputParserException."""
    calls, errors = [], []
    for raw in raw_tool_calls:
        try:
            call = parse_tool_call(raw, partial=partial, strict=strict, return_id=return_id)
        except OutputParserException as e:
            errors.append(str(e))
            continue
        if call:
            calls.append(call)
    if errors:
        raise OutputParserException("\n\n".join(errors))
    return calls


class JsonOutputToolsParser(BaseCumulativeTransformOutputParser[Any]):
    """A message's tool calls as ``[{"type": name, "args": {...}}]`` (``first_tool_only``:
    the first or None); streamed, the calls so far after each chunk."""

    strict: bool = False
    return_id: bool = False
    first_tool_only: bool = False

    def _calls(self, result: list[Generation], partial: bool) -> list[dict[str, Any]] | None:
        """The calls, ``type`` their name; None if the message has no calls at all."""
        gen = result[0]
        if not isinstance(gen, ChatGeneration):
            raise OutputParserException(
                "This output parser can only be used with a chat generation.")
        message = gen.message
        if isinstance(message, AIMessage) and message.tool_calls:
            calls = [dict(tc) for tc in message.tool_calls]
            if not self.return_id:
                for tc in calls:
                    tc.pop("id")
        elif "tool_calls" in message.additional_kwargs:
            calls = parse_tool_calls(copy.deepcopy(message.additional_kwargs["tool_calls"]),
                                     partial=partial, strict=self.strict,
                                     return_id=self.return_id)
        else:
            return None
        for tc in calls:
            tc["type"] = tc.pop("name")
        return calls

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        calls = self._calls(result, partial)
        if calls is None:  # no calls at all: [] even with first_tool_only, as langchain_core
            return []
        if self.first_tool_only:
            return calls[0] if calls else None
        return calls

    def parse(self, text: str) -> Any:
        raise NotImplementedError


class JsonOutputKeyToolsParser(JsonOutputToolsParser):
    """The calls of tool ``key_name`` only: their args (with ``return_id``, the calls)."""

    key_name: str

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        calls = self._calls(result, partial)
        if calls is None:
            return None if self.first_tool_only else []
        mine = [c for c in calls if c["type"] == self.key_name]
        if self.first_tool_only:
            if not mine:
                return None
            return mine[0] if self.return_id else mine[0]["args"]
        return mine if self.return_id else [c["args"] for c in mine]
