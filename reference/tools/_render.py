"""Tools described in plain text for a prompt (``render_text_description`` and
``..._and_args``), and ``BaseToolkit``, the base of a group of related tools."""

from __future__ import annotations

import abc
from collections.abc import Callable
from inspect import signature
from typing import Any

from reference.runnables._serializable import _field_names
from reference.tools._structured import BaseTool

__all__ = ["BaseToolkit", "ToolsRenderer", "render_text_description",
           "render_text_description_and_args"]

#: A function describing tools for a prompt, as the two renderers here do.
ToolsRenderer = Callable[[list[BaseTool]], str]


def _described(tool: Any) -> str:
    """``name(signature) - description`` (the signature of its ``func`` if it has one)."""
    func = getattr(tool, "func", None)
    if func:
        return f"{tool.get_name()}{signature(func)} - {tool.description}"
    return f"{tool.get_name()} - {tool.description}"


def render_text_description(tools: list[BaseTool]) -> str:
    """One line per tool: its name, signature and description."""
    return "\n".join(_described(t) for t in tools)


def render_text_description_and_args(tools: list[BaseTool]) -> str:
    """One line per tool, its ``args`` after the description."""
    return "\n".join(f"{_described(t)}, args: {t.args}" for t in tools)  # type: ignore[attr-defined]


class BaseToolkit(abc.ABC):
    """A group of related tools: subclasses implement ``get_tools``. As langchain_core's (a
    pydantic model), a subclass's annotated fields are its keyword arguments."""

    def __init__(self, **kwargs: Any) -> None:
        cls = type(self)
        fields = _field_names(cls)
        unknown = sorted(set(kwargs) - set(fields))
        missing = [f for f in fields if f not in kwargs and not hasattr(cls, f)]
        if unknown or missing:
            raise TypeError(f"{cls.__name__}() got unknown field(s) {unknown}, missing "
                            f"field(s) {missing}; its fields are {fields}")
        for name, value in kwargs.items():
            setattr(self, name, value)

    @abc.abstractmethod
    def get_tools(self) -> list[BaseTool]:
        """The toolkit's tools."""
