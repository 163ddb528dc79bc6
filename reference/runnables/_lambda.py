"""``RunnableLambda``: a plain function as a chain-type run.

What the function needs (is it async? a generator? does it take ``config``?)
is decided once here, in the constructor, which picks the body the run
lifecycle calls; ``invoke`` is the engine's hottest path and does no
introspection.
"""

from __future__ import annotations

import ast
import asyncio
import contextvars
import inspect
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from functools import partial
from operator import itemgetter
from typing import Any, final

from reference._signatures import takes_config
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame, apump, current_run, pump
from reference.runnables._lifecycle import (
    CHAIN,
    FUNCTION,
    arun,
    astream_run,
    run,
    stream_run,
)
from reference.runnables._streams import aclosing_stream, add_chunks
from reference.runnables._types import function_types

__all__ = ["RunnableLambda", "chain"]

def _source(func: Any) -> str:
    """How a function reads in a repr: an ``itemgetter``'s repr, a named function's name, a
    lambda's source when its lines hold just that one lambda, else ``...``."""
    if isinstance(func, itemgetter):
        return repr(func).removeprefix("operator.")
    name = getattr(func, "__name__", None)
    if name != "<lambda>":
        return name or "..."
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return "..."
    lambdas = [node for node in ast.walk(tree) if isinstance(node, ast.Lambda)]
    return ast.unparse(lambdas[0]) if len(lambdas) == 1 else "..."


def _is_async(func: Callable[..., Any]) -> bool:
    return (
        inspect.iscoroutinefunction(func)
        or inspect.isasyncgenfunction(func)
        or inspect.iscoroutinefunction(getattr(func, "__call__", None))  # noqa: B004
    )


@final
class RunnableLambda(Runnable[Any, Any]):
    """Wrap ``func`` (sync) and/or ``afunc`` (async) as a runnable.

    A function with a ``config`` parameter receives the child config, which it
    may forward; one without still gets its nested invocations attached to this
    run through the context variable. A returned Runnable is invoked with the
    same input, as a child of this run.
    """

    __slots__ = ("_afunc", "_afunc_cfg", "_afunc_gen", "_body", "_func", "_func_cfg",
                 "_func_gen", "_kind", "_leaf")

    def __init__(
        self,
        func: Callable[..., Any] | None = None,
        afunc: Callable[..., Awaitable[Any]] | None = None,
        name: str | None = None,
        *,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if func is None and afunc is None:
            raise TypeError("RunnableLambda needs func, afunc or both")
        if func is not None and not callable(func):
            raise TypeError(
                f"RunnableLambda expects a callable, got {type(func).__name__} {func!r}"
            )
        if func is not None and _is_async(func):
            if afunc is not None:
                raise TypeError("func is a coroutine function; pass the sync version as func")
            func, afunc = None, func
        if afunc is not None and not _is_async(afunc):
            raise TypeError(f"afunc must be an async function, got {afunc!r}")
        self._func = func
        self._afunc = afunc
        self._func_cfg = func is not None and takes_config(func)
        self._afunc_cfg = afunc is not None and takes_config(afunc)
        self._func_gen = func is not None and inspect.isgeneratorfunction(func)
        self._afunc_gen = afunc is not None and inspect.isasyncgenfunction(afunc)
        # The body the lifecycle runs, chosen once: the plain case skips every check.
        plain = func is not None and not self._func_cfg and not self._func_gen
        self._body: Any = func if plain else self._call
        self._kind = FUNCTION if plain else CHAIN
        if name is None:
            src = func if func is not None else afunc
            fname = getattr(src, "__name__", None)
            name = fname if fname and fname != "<lambda>" else None
        self._init_scope(name, callbacks, tags, metadata)
        # No constructor options either: the lifecycle may run it inline (run_steps).
        self._leaf = func if plain and self._local is None else None

    def _default_name(self) -> str:
        return "RunnableLambda"

    @property
    def InputType(self) -> Any:
        """The function's first parameter's annotation (``Any`` when it has none)."""
        return function_types(self._func or self._afunc)[0]

    @property
    def OutputType(self) -> Any:
        """The function's return annotation (an iterator's items; ``Any`` when it has none)."""
        return function_types(self._func or self._afunc)[1]

    def __repr__(self) -> str:
        """As langchain_core's: the function's name (or a lambda's source), ``afunc=`` when
        there is only a coroutine function; error messages (recursion limit) quote it."""
        if self._func is not None:
            return f"RunnableLambda({_source(self._func)})"
        return f"RunnableLambda(afunc={_source(self._afunc)})"

    def _check_sync(self, verb: str = "invoke") -> None:
        """Only an async function: the sync call fails before any run starts, with
        langchain_core's TypeError (its wording), which names the async method to call."""
        if self._func is None:
            raise TypeError(
                f"RunnableLambda {self.get_name()!r} wraps only a coroutine function, so it "
                f"cannot {verb} synchronously: call a{verb}() instead, or give it a sync "
                "function as well."
            )

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        if self._func is None:
            self._check_sync()
        if kwargs:  # bind(...)'s or the caller's keywords: the function gets them too
            return run(self, partial(self._call, kwargs=kwargs), input, config)
        return run(self, self._body, input, config, self._kind)

    def _apply(self, input: Any, frame: RunFrame, kwargs: dict[str, Any] | None = None) -> Any:
        """The sync function's result: called with its own config copy if it takes one (and
        with the call's keywords, if any), and a generator function's chunks consumed and
        added up (as LangChain does)."""
        func = self._func
        assert func is not None
        if kwargs:
            out = func(input, config=frame.function_config(), **kwargs) if self._func_cfg \
                else func(input, **kwargs)
        else:
            out = func(input, config=frame.function_config()) if self._func_cfg else func(input)
        if self._func_gen:
            out = add_chunks(list(out))
        return out

    def _call(self, input: Any, frame: RunFrame, kwargs: dict[str, Any] | None = None) -> Any:
        out = self._apply(input, frame, kwargs)
        if isinstance(out, Runnable):
            out = out.invoke(input, frame.returned_config(self, input))
        return out

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        body = partial(self._acall, kwargs=kwargs) if kwargs else self._acall
        return await arun(self, body, input, config)

    async def _acall(self, input: Any, frame: RunFrame,
                     kwargs: dict[str, Any] | None = None, whole: bool = True) -> Any:
        afunc = self._afunc
        if afunc is not None:
            if kwargs:
                result = afunc(input, config=frame.function_config(), **kwargs) \
                    if self._afunc_cfg else afunc(input, **kwargs)
            else:
                result = afunc(input, config=frame.function_config()) if self._afunc_cfg \
                    else afunc(input)
            if self._afunc_gen:
                out = add_chunks([chunk async for chunk in result])  # type: ignore[attr-defined]
            else:
                out = await result
        else:
            # A sync function may block: run it in a worker thread carrying our context.
            ctx = contextvars.copy_context()
            call = partial(ctx.run, self._apply, input, frame, kwargs)
            out = await asyncio.get_running_loop().run_in_executor(None, call)
        if whole and isinstance(out, Runnable):
            out = await out.ainvoke(input, frame.returned_config(self, input))
        return out

    # -- streaming: one run whose chunks are the function's result, or the chunks of the
    # Runnable it returns (streamed as the run's child, as langchain_core's); ``transform``
    # stays ``Runnable``'s (the input is buffered, then streamed from here)

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        """One streamed run; it ends once its chunks are consumed, and ``astream_log`` logs
        them as the run's."""
        self._check_sync("stream")
        return stream_run(self, input, config, partial(self._chunks, input, kwargs), tap=True)

    def _chunks(self, input: Any, kwargs: dict[str, Any], frame: RunFrame) -> Iterator[Any]:
        if self._func_gen:  # a generator function's chunks are the run's, one by one
            yield from self._generated(input, kwargs, frame)
            return
        token = current_run.set(frame)  # as run sets it: nested calls find their parent
        try:
            out = self._apply(input, frame, kwargs)
        finally:
            current_run.reset(token)
        if isinstance(out, Runnable):
            yield from out.stream(input, frame.returned_config(self, input))
        else:
            yield out

    def _generated(self, input: Any, kwargs: dict[str, Any], frame: RunFrame
                   ) -> Iterator[Any]:
        """The generator function's chunks as it yields them, its code run as this run's."""
        func = self._func
        assert func is not None
        if self._func_cfg:
            kwargs = {**kwargs, "config": frame.function_config()}
        return pump(frame, func(input, **kwargs))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`stream`."""
        stream = astream_run(self, input, config, partial(self._achunks, input, kwargs),
                             tap=True)
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk

    async def _achunks(self, input: Any, kwargs: dict[str, Any], frame: RunFrame
                       ) -> AsyncIterator[Any]:
        if self._afunc_gen:  # an async generator's chunks are the run's, one by one
            async with aclosing_stream(self._agenerated(input, kwargs, frame)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return
        if self._afunc is None and self._func_gen:
            # As in langchain_core: a sync generator function does not stream async (a TypeError).
            raise TypeError(f"RunnableLambda {self.get_name()!r} wraps a sync generator function, "
                            "which cannot be streamed asynchronously: call stream() instead")
        token = current_run.set(frame)  # as arun sets it: nested calls find their parent
        try:
            out = await self._acall(input, frame, kwargs, whole=False)
        finally:
            current_run.reset(token)
        if isinstance(out, Runnable):
            async with aclosing_stream(out.astream(input, frame.returned_config(self, input))) \
                    as it:
                async for chunk in it:
                    yield chunk
        else:
            yield out

    def _agenerated(self, input: Any, kwargs: dict[str, Any], frame: RunFrame
                    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`_generated`, for an async generator ``afunc``."""
        afunc = self._afunc
        assert afunc is not None
        if self._afunc_cfg:
            kwargs = {**kwargs, "config": frame.function_config()}
        # afunc is typed as a coroutine function; here it is an async generator function.
        agen: Any = afunc(input, **kwargs)
        return apump(frame, agen)


def chain(func: Callable[..., Any]) -> RunnableLambda:
    """Decorator: ``func`` as a ``RunnableLambda`` (its runs named after the function)."""
    return RunnableLambda(func)
