"""What a tool tells a model about its arguments: ``InjectedToolArg`` (parameters supplied
at call time, hidden from ``args`` and from the tool's start event; ``InjectedToolCallId``
ones get the id of the tool call the tool is invoked with) and ``args``, the
JSON schema of each parameter, for the plain types a scenario states (langchain_core builds
it with pydantic; other annotations raise NotImplementedError saying so)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any, get_args, get_origin

__all__ = [
    "FILTERED_ARGS",
    "NEEDS_TOOL_CALL",
    "InjectedToolArg",
    "InjectedToolCallId",
    "call_id_params",
    "hidden_params",
    "json_args",
]

#: Input keys langchain_core never shows a tool's handlers (the run's own plumbing).
FILTERED_ARGS = frozenset({"run_manager", "callbacks"})

_JSON_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class InjectedToolArg:
    """``Annotated[T, InjectedToolArg]`` marks a parameter supplied at call time, not by the
    model: it is left out of ``args`` and of what the tool's start event shows."""


class InjectedToolCallId(InjectedToolArg):
    """``Annotated[str, InjectedToolCallId]`` marks the parameter that receives the id of the
    tool call the tool is invoked with (a tool with one must be invoked with a tool call)."""


#: langchain_core's error (its text too) when such a tool is invoked without a call's id.
NEEDS_TOOL_CALL = (
    "When tool includes an InjectedToolCallId argument, tool must always be invoked with a "
    "full model ToolCall of the form: {'args': {...}, 'name': '...', 'type': 'tool_call', "
    "'tool_call_id': '...'}")


def _hints(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:  # unresolvable names: the raw annotations (strings are never injected)
        return dict(getattr(func, "__annotations__", {}))


def _injected(annotation: Any, kind: type[InjectedToolArg] = InjectedToolArg) -> bool:
    return get_origin(annotation) is typing.Annotated and any(
        isinstance(a, kind) or (isinstance(a, type) and issubclass(a, kind))
        for a in get_args(annotation)[1:])


def hidden_params(*funcs: Callable[..., Any] | None) -> frozenset[str]:
    """The input keys a tool's start event leaves out: the plumbing and injected parameters."""
    hidden = set(FILTERED_ARGS)
    for func in funcs:
        if func is not None:
            hidden.update(n for n, a in _hints(func).items() if _injected(a))
    return frozenset(hidden)


def call_id_params(*funcs: Callable[..., Any] | None) -> tuple[str, ...]:
    """The parameters annotated ``InjectedToolCallId`` (usually none)."""
    return tuple(sorted({n for func in funcs if func is not None
                         for n, a in _hints(func).items() if _injected(a, InjectedToolCallId)}))


def _schema(name: str, annotation: Any) -> dict[str, Any]:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    if annotation in _JSON_TYPES:
        return {"type": _JSON_TYPES[annotation]}
    if get_origin(annotation) is list and len(get_args(annotation)) == 1 \
            and get_args(annotation)[0] in _JSON_TYPES:
        return {"items": {"type": _JSON_TYPES[get_args(annotation)[0]]}, "type": "array"}
    raise NotImplementedError(
        f"The reference's tools describe arguments of types str, int, float, bool and lists of "
        f"them only (langchain_core builds pydantic JSON schemas): {name!r} is {annotation!r}")


def json_args(func: Callable[..., Any], hidden: frozenset[str]) -> dict[str, Any]:
    """``{param: {"default"?, "title", "type"...}}`` as pydantic writes it (keys sorted)."""
    hints = _hints(func)
    out: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        annotation = hints.get(name, param.annotation)
        if name in hidden or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or (
                name == "config" and getattr(annotation, "__name__", None) == "RunnableConfig"):
            continue
        field = {**_schema(name, annotation),
                 "title": name.replace("_", " ").title()}
        if param.default is not param.empty:
            field["default"] = param.default
        out[name] = dict(sorted(field.items()))
    return out
