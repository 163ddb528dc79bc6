"""``Runnable.as_tool``: a tool whose run's child is the runnable's run.

langchain_core picks the tool's form from the runnable's input JSON schema, which the
reference does not build; the two forms a scenario can state are offered. A runnable
whose input is ``str`` (``with_types(input_type=str)``, a lambda's annotated parameter,
or a sequence's first step's) becomes a ``Tool`` passing the string on. With
``arg_types`` it becomes a ``StructuredTool`` passing the dict of those arguments (other
keys dropped, as langchain_core's schema drops them). Values are checked against plain
classes only: langchain_core's pydantic validation would coerce (``"5"`` to ``5``); the
reference refuses instead of guessing. Anything else raises ``NotImplementedError``
saying so, as does a missing ``description`` (langchain_core writes one from the JSON
schema).
"""

from __future__ import annotations

import inspect
import typing
from typing import Any

from reference.callbacks import Callbacks
from reference.tools._simple import Tool
from reference.tools._structured import BaseTool, StructuredTool

__all__ = ["convert_runnable_to_tool"]


def _input_annotation(runnable: Any) -> Any:
    from reference.runnables import RunnableBinding, RunnableLambda, RunnableSequence

    while True:
        if isinstance(runnable, RunnableBinding):
            if runnable.custom_input_type is not None:
                return runnable.custom_input_type
            runnable = runnable.bound
        elif isinstance(runnable, RunnableSequence):
            runnable = runnable.steps[0]
        else:
            break
    func = getattr(runnable, "_func", None) if isinstance(runnable, RunnableLambda) else None
    if func is None:
        return None
    try:
        hints = typing.get_type_hints(func)
        first = next(iter(inspect.signature(func).parameters), None)
    except Exception:  # unresolvable annotations, builtins without a signature
        return None
    return hints.get(first) if first is not None else None


def convert_runnable_to_tool(runnable: Any, args_schema: Any = None, *,
                             name: str | None = None, description: str | None = None,
                             arg_types: dict[str, type] | None = None) -> BaseTool:
    """The tool for ``runnable.as_tool(...)`` (see the module docstring)."""
    if args_schema is not None:
        raise NotImplementedError(
            "as_tool(args_schema=...) is not supported by the reference engine (it builds no "
            "schemas); pass arg_types={name: type} instead")
    if description is None:
        raise NotImplementedError(
            "as_tool() needs description=... on the reference engine: langchain_core derives "
            "one from the input's JSON schema, which the reference does not build")
    name = name or runnable.get_name()
    if arg_types is None:
        if _input_annotation(runnable) is not str:
            raise NotImplementedError(
                "as_tool() on the reference engine needs arg_types={name: type}, or a runnable "
                "whose input is annotated str (langchain_core reads its input JSON schema)")
        return Tool(name=name, func=runnable.invoke, coroutine=runnable.ainvoke,
                    description=description)
    types = dict(arg_types)

    def arguments(kwargs: dict[str, Any]) -> dict[str, Any]:
        missing = [k for k in types if k not in kwargs]
        if missing:
            raise ValueError(f"tool {name!r} is missing arguments {missing}")
        for key, kind in types.items():
            if isinstance(kind, type) and not isinstance(kwargs[key], kind):
                raise TypeError(
                    f"tool {name!r}: argument {key!r} must be {kind.__name__}, got "
                    f"{kwargs[key]!r} (the reference does not coerce values as pydantic does)")
        return {k: kwargs[k] for k in types}

    def call(callbacks: Callbacks = None, **kwargs: Any) -> Any:
        return runnable.invoke(arguments(kwargs), config={"callbacks": callbacks})

    async def acall(callbacks: Callbacks = None, **kwargs: Any) -> Any:
        return await runnable.ainvoke(arguments(kwargs), config={"callbacks": callbacks})

    return StructuredTool(name=name, description=description, func=call, coroutine=acall)
