"""``Tool``: a tool of one string input, from a function (and/or a coroutine), as
langchain_core's: the input (a str, or a dict of exactly one value) is the function's one
argument; a dict of more values is a ``ToolException`` inside the tool's run."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, final

from reference.runnables._config import RunnableConfig
from reference.tools._structured import FunctionTool, ToolErrorHandler, ToolException

__all__ = ["Tool"]


@final
class Tool(FunctionTool):
    """``Tool(name, func, description, coroutine=None)``: ``func(input)``; ``ainvoke`` awaits
    ``coroutine(input)``, or without one runs ``invoke`` in a worker thread."""

    def __init__(
        self,
        name: str,
        func: Callable[..., Any] | None,
        description: str,
        *,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        return_direct: bool = False,
        args_schema: Any = None,
        handle_tool_error: ToolErrorHandler = False,
        verbose: bool = False,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if args_schema is not None:
            raise NotImplementedError("The reference's Tool does not support args_schema")
        super().__init__(name, description, func, coroutine, return_direct=return_direct,
                         handle_tool_error=handle_tool_error, verbose=verbose,
                         callbacks=callbacks, tags=tags,
                         metadata=metadata)

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None,
        name: str,
        description: str,
        return_direct: bool = False,
        args_schema: Any = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> Tool:
        """A tool of ``func`` and/or ``coroutine`` (one of them is needed)."""
        if func is None and coroutine is None:
            raise ValueError("Function and/or coroutine must be provided")
        return cls(name, func, description, coroutine=coroutine, return_direct=return_direct,
                   args_schema=args_schema, **kwargs)

    @property
    def args(self) -> dict[str, Any]:
        """One string argument, as langchain_core describes a ``Tool``'s."""
        return {"tool_input": {"type": "string"}}

    @property
    def is_single_input(self) -> bool:
        return True

    def _arguments(self, input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if not isinstance(input, dict):
            return (input,), {}
        values = list(input.values())
        if len(values) != 1:
            # langchain_core's text, its line break and indent included: handlers see it.
            raise ToolException(
                f"Too many arguments to single-input tool {self.get_name()}.\n"
                f"                Consider using StructuredTool instead. Args: {values}"
            )
        return (values[0],), {}

    async def _ainvoke(self, input: Any, config: RunnableConfig | None, verbose: bool = False,
                       start_color: str | None = "green", color: str | None = "green") -> Any:
        if self.coroutine is not None:
            return await super()._ainvoke(input, config, verbose, start_color, color)
        call = partial(contextvars.copy_context().run, self._invoke, input, config, verbose,
                       start_color, color)
        return await asyncio.get_running_loop().run_in_executor(None, call)
