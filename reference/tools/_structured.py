"""Tools: a function as a tool-type run; runnables it invokes become the tool run's children."""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import json
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, Literal, cast, final, overload

from reference.messages import ToolMessage
from reference.messages._messages import ToolOutputMixin, is_tool_call
from reference.runnables._base import ReassignableScope, Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import ATOOL, TOOL, arun, run
from reference.runnables._serializable import _field_names
from reference.runnables._verbose import verbose_local
from reference.tools._args import NEEDS_TOOL_CALL, call_id_params, hidden_params, json_args

__all__ = ["BaseTool", "FunctionTool", "StructuredTool", "ToolException", "tool"]


def _params(func: Callable[..., Any] | None) -> set[str]:
    if func is None:
        return set()
    try:
        return set(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return set()


def tool_message(output: Any, name: str, call_id: str | None,
                 status: Literal["success", "error"] = "success", artifact: Any = None) -> Any:
    """What a tool invoked with a tool call returns: its output as a :class:`ToolMessage`
    answering the call (content that is not text or a list of content blocks as JSON, else
    ``str``), as langchain_core's tools do; a :class:`ToolOutputMixin` (a ToolMessage, say) or
    a list of them, or any output when the call has no id, as it is."""
    if call_id is None or isinstance(output, ToolOutputMixin) or (
            isinstance(output, list) and output
            and all(isinstance(x, ToolOutputMixin) for x in output)):
        return output
    content = output
    if not (isinstance(output, str) or (
            isinstance(output, list) and all(isinstance(x, (str, dict)) for x in output))):
        try:
            content = json.dumps(output, ensure_ascii=False)
        except (TypeError, ValueError):
            content = str(output)
    return ToolMessage(content, name=name, tool_call_id=call_id, status=status, artifact=artifact)


ResponseFormat = Literal["content", "content_and_artifact"]


def split_artifact(tool: str, output: Any) -> tuple[Any, Any]:
    """A ``content_and_artifact`` tool's output as its (content, artifact) pair."""
    if isinstance(output, tuple) and len(output) == 2:
        return output[0], output[1]
    raise ValueError(
        f"Tool {tool!r} has response_format='content_and_artifact', so its function must "
        f"return a (content, artifact) pair; it returned a {type(output).__name__}"
    )


class ToolException(Exception):
    """An error a tool's function raises to say the tool failed (an ``on_tool_error``)."""


#: ``handle_tool_error``: False/None re-raise a ToolException (the run errors); True gives its
#: message, a str itself, a function its result, as the tool's output (the run ends normally).
ToolErrorHandler = bool | str | Callable[[ToolException], str] | None


class BaseTool(ReassignableScope, Runnable[Any, Any]):
    """Common base of tools (``name``, ``description``).

    A subclass written as langchain_core's are (pydantic models there) declares its fields as
    class annotations, ``name`` and ``description`` among them, takes them as constructor
    keywords, and implements ``_run(*args, run_manager=None, **kwargs)`` (and ``_arun``, else
    ``_run`` runs in a worker thread): a dict input is passed as keyword arguments, anything
    else as the one positional argument; ``_run`` gets the tool run's manager if it takes
    ``run_manager``, the tool's child config if it takes ``config``.
    """

    description: str = ""
    return_direct: bool = False
    handle_tool_error: ToolErrorHandler = False
    #: ``"content_and_artifact"``: the function returns (content, artifact); a tool call's
    #: ToolMessage carries both, other calls give the content.
    response_format: ResponseFormat = "content"
    #: Print the tool's output (in its colour) on each of its runs: see ``runnables._verbose``.
    verbose: bool = False
    #: Whether the function takes the tool run's manager (a subclass's ``_run``; never a
    #: function given to ``StructuredTool``, as in langchain_core).
    _func_rm: bool = False

    def __init__(self, **kwargs: Any) -> None:
        cls = type(self)
        if cls._run is BaseTool._run:
            raise TypeError(f"{cls.__name__} must implement _run (or be built from a function)")
        name = kwargs.pop("name", None)
        scope = [kwargs.pop(k, None) for k in ("callbacks", "tags", "metadata")]
        fields = [f for f in _field_names(cls) if f != "name"]
        unknown = sorted(k for k in kwargs if k not in fields)
        if unknown:
            raise TypeError(f"{cls.__name__}() got unknown field(s) {unknown}; "
                            f"its fields are {fields}")
        missing = [f for f in fields if f not in kwargs and not hasattr(cls, f)]
        if missing:
            raise TypeError(f"{cls.__name__}() is missing required field(s) {missing}")
        for field, value in kwargs.items():
            setattr(self, field, value)
        if name is None:
            name = getattr(cls, "name", None)  # a class-level ``name: str = "..."``
        else:
            self.name = name
        self._func_rm = "run_manager" in _params(self._run)
        arun = self._arun if cls._arun is not BaseTool._arun else None
        self._setup(name if isinstance(name, str) else None, self.description, self._run,
                    arun, self.handle_tool_error, self.return_direct, *scope)

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def _setup(
        self,
        name: str | None,
        description: str,
        func: Callable[..., Any] | None,
        coroutine: Callable[..., Awaitable[Any]] | None,
        handle_tool_error: ToolErrorHandler,
        return_direct: bool,
        callbacks: Any,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        if func is None and coroutine is None:
            raise TypeError(f"{type(self).__name__} needs func, coroutine or both")
        if not (handle_tool_error is None or isinstance(handle_tool_error, (bool, str))
                or callable(handle_tool_error)):
            raise TypeError("handle_tool_error takes a bool, a str or a function of the "
                            f"ToolException, got {handle_tool_error!r}")
        self.handle_tool_error = handle_tool_error
        self.return_direct = return_direct
        self.func = func
        self.coroutine = coroutine
        self.description = description
        fp, cp = _params(func), _params(coroutine)
        self._func_cfg = "config" in fp
        self._func_cbs = "callbacks" in fp
        self._co_cfg = "config" in cp
        self._co_cbs = "callbacks" in cp
        self._hidden = hidden_params(func, coroutine)
        self._id_params = call_id_params(func, coroutine)
        self._init_scope(name, callbacks, tags, metadata)

    def _arguments(self, input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if isinstance(input, dict):
            return (), dict(input)
        return (input,), {}

    def _serialized(self) -> dict[str, Any]:
        s = self._ser
        if s is None or "description" not in s:
            s = {**super()._serialized(), "description": self.description}
            self._ser = s
        return s

    def _call_args(
        self, input: Any, frame: RunFrame, wants_cfg: bool, wants_cbs: bool
    ) -> tuple[tuple[Any, ...], dict[str, Any]]:
        args, kwargs = self._arguments(input)
        if wants_cfg or wants_cbs:
            config = frame.function_config()
            if wants_cfg:
                kwargs["config"] = config
            if wants_cbs:
                kwargs["callbacks"] = config["callbacks"]
        return args, kwargs

    def _start(self, input: Any, call_id: str | None = None, color: str | None = "green"
               ) -> tuple[str, dict[str, Any]]:
        """The start's input text and keywords: a dict input without the plumbing and
        injected arguments (``InjectedToolArg``), as langchain_core shows it."""
        if not isinstance(input, dict):
            return str(input), {"inputs": None, "tool_call_id": call_id, "color": color}
        if not self._hidden.isdisjoint(input):
            input = {k: v for k, v in input.items() if k not in self._hidden}
        return str(input), {"inputs": input, "tool_call_id": call_id, "color": color}

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return self._invoke(input, config)

    def _invoke(self, input: Any, config: RunnableConfig | None, verbose: bool = False,
                start_color: str | None = "green", color: str | None = "green") -> Any:
        """One run of the tool; its start carries ``start_color``, its end ``color`` and the
        tool's name (what a :class:`StdOutCallbackHandler` prints the output in), and
        ``verbose`` (or the tool's own) adds one for this run."""
        local = self._local
        if verbose or self.verbose:
            local = verbose_local(config, local)
        end = {"color": color, "name": self.get_name()}
        if is_tool_call(input):  # a model's tool call: the run gets its args, answers a message
            args, call_id = input["args"], input.get("id")
            payload, extra = self._start(args, call_id, start_color)
            return run(self, partial(self._answer, call_id), args, config, TOOL,
                       payload=payload, extra=extra, local=local, end_extra=end)
        payload, extra = self._start(input, None, start_color)
        body = self._call_handled if self.handle_tool_error else self._call_content
        if self._id_params:
            body = self._without_call
        return run(self, body, input, config, TOOL, payload=payload, extra=extra, local=local,
                   end_extra=end)

    def _run_config(self, config: RunnableConfig | None, **given: Any) -> RunnableConfig:
        """``run``'s keywords (callbacks, tags, ...) over ``config``."""
        return cast(RunnableConfig, {**(config or {}),
                                     **{k: v for k, v in given.items() if v is not None}})

    def _run_input(self, tool_input: Any, tool_call_id: str | None) -> Any:
        if tool_call_id is None:
            return tool_input
        return {"type": "tool_call", "name": self.get_name(), "args": tool_input,
                "id": tool_call_id}

    def run(
        self,
        tool_input: Any,
        verbose: bool | None = None,
        start_color: str | None = "green",
        color: str | None = "green",
        callbacks: Any = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: Any = None,
        config: RunnableConfig | None = None,
        tool_call_id: str | None = None,
    ) -> Any:
        """The older way to call a tool (``invoke`` with these keywords as its config); with a
        ``tool_call_id`` it answers a ``ToolMessage``."""
        cfg = self._run_config(config, callbacks=callbacks, tags=tags, metadata=metadata,
                               run_name=run_name, run_id=run_id)
        return self._invoke(self._run_input(tool_input, tool_call_id), cfg, bool(verbose),
                            start_color, color)

    async def arun(
        self,
        tool_input: Any,
        verbose: bool | None = None,
        start_color: str | None = "green",
        color: str | None = "green",
        callbacks: Any = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: Any = None,
        config: RunnableConfig | None = None,
        tool_call_id: str | None = None,
    ) -> Any:
        """Async twin of :meth:`run`."""
        cfg = self._run_config(config, callbacks=callbacks, tags=tags, metadata=metadata,
                               run_name=run_name, run_id=run_id)
        return await self._ainvoke(self._run_input(tool_input, tool_call_id), cfg,
                                   bool(verbose), start_color, color)

    def _with_call_id(self, input: Any, call_id: str | None) -> Any:
        """``input`` with the tool call's id for the ``InjectedToolCallId`` parameters (a call
        without an id fails the run, as langchain_core's does)."""
        if call_id is None:
            raise ValueError(NEEDS_TOOL_CALL)
        return {**input, **dict.fromkeys(self._id_params, call_id)}

    def _without_call(self, input: Any, frame: RunFrame) -> Any:
        raise ValueError(NEEDS_TOOL_CALL)

    async def _awithout_call(self, input: Any, frame: RunFrame) -> Any:
        raise ValueError(NEEDS_TOOL_CALL)

    def _handled(self, error: ToolException) -> str:
        """What a handled ToolException gives instead (``handle_tool_error``'s text)."""
        handler = self.handle_tool_error
        if not handler:
            raise error
        if handler is True:
            return error.args[0] if error.args else "Tool execution error"
        if isinstance(handler, str):
            return handler
        assert callable(handler)
        return handler(error)

    def _call_content(self, input: Any, frame: RunFrame) -> Any:
        """The output of a call without a tool call id: the content alone."""
        out = self._call(input, frame)
        if self.response_format == "content_and_artifact":
            return split_artifact(self.get_name(), out)[0]
        return out

    async def _acall_content(self, input: Any, frame: RunFrame) -> Any:
        out = await self._acall(input, frame)
        if self.response_format == "content_and_artifact":
            return split_artifact(self.get_name(), out)[0]
        return out

    def _call_handled(self, input: Any, frame: RunFrame) -> Any:
        try:
            return self._call_content(input, frame)
        except ToolException as e:
            return self._handled(e)

    async def _acall_handled(self, input: Any, frame: RunFrame) -> Any:
        try:
            return await self._acall_content(input, frame)
        except ToolException as e:
            return self._handled(e)

    def _message(self, output: Any, call_id: str | None) -> Any:
        """A tool call's answer (content and artifact for a ``content_and_artifact`` tool)."""
        if self.response_format == "content_and_artifact":
            content, artifact = split_artifact(self.get_name(), output)
            return tool_message(content, self.get_name(), call_id, artifact=artifact)
        return tool_message(output, self.get_name(), call_id)

    def _answer(self, call_id: str | None, input: Any, frame: RunFrame) -> Any:
        if self._id_params:
            input = self._with_call_id(input, call_id)
        try:
            out = self._call(input, frame)
        except ToolException as e:
            return tool_message(self._handled(e), self.get_name(), call_id, "error")
        return self._message(out, call_id)

    async def _aanswer(self, call_id: str | None, input: Any, frame: RunFrame) -> Any:
        if self._id_params:
            input = self._with_call_id(input, call_id)
        try:
            out = await self._acall(input, frame)
        except ToolException as e:
            return tool_message(self._handled(e), self.get_name(), call_id, "error")
        return self._message(out, call_id)

    def _call(self, input: Any, frame: RunFrame) -> Any:
        if self.func is None:  # inside the run, as langchain_core's: handlers see the error
            raise NotImplementedError(f"{type(self).__name__} does not support sync invocation.")
        args, fkw = self._call_args(input, frame, self._func_cfg, self._func_cbs)
        if self._func_rm:  # a sync ``_run`` gets a sync manager, in async modes too
            manager = frame.run_manager
            fkw["run_manager"] = getattr(manager, "get_sync", lambda: manager)()
        return self.func(*args, **fkw)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await self._ainvoke(input, config)

    async def _ainvoke(self, input: Any, config: RunnableConfig | None, verbose: bool = False,
                       start_color: str | None = "green", color: str | None = "green") -> Any:
        """Async twin of :meth:`_invoke`."""
        local = self._local
        if verbose or self.verbose:
            local = verbose_local(config, local)
        end = {"color": color, "name": self.get_name()}
        if is_tool_call(input):
            args, call_id = input["args"], input.get("id")
            payload, extra = self._start(args, call_id, start_color)
            return await arun(self, partial(self._aanswer, call_id), args, config, ATOOL,
                              payload=payload, extra=extra, local=local, end_extra=end)
        payload, extra = self._start(input, None, start_color)
        body = self._acall_handled if self.handle_tool_error else self._acall_content
        if self._id_params:
            body = self._awithout_call
        return await arun(self, body, input, config, ATOOL, payload=payload, extra=extra,
                          local=local, end_extra=end)

    async def _acall(self, input: Any, frame: RunFrame) -> Any:
        if self.coroutine is not None:
            args, fkw = self._call_args(input, frame, self._co_cfg, self._co_cbs)
            if self._func_rm:
                fkw["run_manager"] = frame.run_manager
            return await self.coroutine(*args, **fkw)
        # A sync function may block: run it in a worker thread carrying our context.
        call = partial(contextvars.copy_context().run, self._call, input, frame)
        return await asyncio.get_running_loop().run_in_executor(None, call)


class FunctionTool(BaseTool):
    """A tool calling ``func`` (sync) or ``coroutine`` (async): what ``StructuredTool`` and
    ``Tool`` share; they differ in how the input becomes arguments (``_arguments``).

    Parameters named ``config`` / ``callbacks`` receive the child config /
    child callback manager (detected once, here).
    """

    def __init__(
        self,
        name: str,
        description: str = "",
        func: Callable[..., Any] | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        *,
        handle_tool_error: ToolErrorHandler = False,
        return_direct: bool = False,
        response_format: ResponseFormat = "content",
        verbose: bool = False,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if response_format not in ("content", "content_and_artifact"):
            raise ValueError("response_format is 'content' or 'content_and_artifact', got "
                             f"{response_format!r}")
        self.response_format = response_format
        self.verbose = verbose
        self._setup(name, description, func, coroutine, handle_tool_error, return_direct,
                    callbacks, tags, metadata)


@final
class StructuredTool(FunctionTool):
    """A tool calling its function with the input's fields: a dict input is passed as keyword
    arguments, anything else as the single positional argument."""

    #: Descriptions ``args`` adds to parameters (langchain_core's come from its args_schema).
    _arg_descriptions: dict[str, str] = {}

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any] | None = None,
        name: str | None = None,
        description: str | None = None,
        coroutine: Callable[..., Awaitable[Any]] | None = None,
        **kwargs: Any,
    ) -> StructuredTool:
        """Build a tool; name and description default to the function's name and docstring."""
        src = func if func is not None else coroutine
        if src is None:
            raise TypeError("from_function needs func or coroutine")
        return cls(
            name=name or src.__name__,
            description=description if description is not None else inspect.getdoc(src) or "",
            func=func,
            coroutine=coroutine,
            **kwargs,
        )

    @property
    def args(self) -> dict[str, Any]:
        """Each argument's JSON schema, injected ones left out (see ``_args``)."""
        args = json_args(self.func or self.coroutine, self._hidden)  # type: ignore[arg-type]
        for name, text in self._arg_descriptions.items():
            args[name] = dict(sorted({**args[name], "description": text}.items()))
        return args

    def _arguments(self, input: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        if isinstance(input, dict):
            return (), dict(input)
        return (input,), {}


@overload
def tool(name_or_callable: Callable[..., Any], /) -> StructuredTool: ...
@overload
def tool(
    name_or_callable: str | None = None, /, **kwargs: Any
) -> Callable[[Callable[..., Any]], StructuredTool]: ...


def tool(
    name_or_callable: str | Callable[..., Any] | None = None, /, **kwargs: Any
) -> StructuredTool | Callable[[Callable[..., Any]], StructuredTool]:
    """Decorator: ``@tool``, ``@tool("name")`` or ``@tool(callbacks=[...])``."""

    def make(func: Callable[..., Any], name: str | None) -> StructuredTool:
        if inspect.iscoroutinefunction(func):
            return StructuredTool.from_function(coroutine=func, name=name, **kwargs)
        return StructuredTool.from_function(func, name=name, **kwargs)

    if callable(name_or_callable):
        return make(name_or_callable, None)
    return lambda f: make(f, name_or_callable)
