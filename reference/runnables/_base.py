"""The ``Runnable`` protocol: invoke / batch / stream in sync and async flavours, and ``|``.

Subclasses implement ``invoke`` (and usually ``ainvoke``); everything else has
a default built on those. Every run goes through the run lifecycle
(``_lifecycle.run`` and its twins), which opens it, exposes it to nested
invocations through the context variable, and closes it exactly once.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    Sequence,
)
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from reference._workers import run_all
from reference.callbacks._dispatch import HandlerSet, check_handlers
from reference.runnables._config import (
    Local,
    RunnableConfig,
    combine_configs,
    per_item_configs,
    validate_config,
)
from reference.runnables._streams import aclosing_stream, add_chunks

if TYPE_CHECKING:
    from reference.runnables._binding import RunnableBinding
    from reference.runnables._configurable_specs import (
        ConfigurableField,
        ConfigurableFieldSpec,
    )
    from reference.runnables._fallbacks import RunnableWithFallbacks
    from reference.runnables._sequence import RunnableSequence

__all__ = [
    "Runnable",
    "add_chunks",
    "coerce_to_runnable",
    "gather_limited",
    "make_local",
]

Input = TypeVar("Input")
Output = TypeVar("Output")
T = TypeVar("T")

def make_local(
    callbacks: Any, tags: list[str] | None, metadata: dict[str, Any] | None
) -> Local | None:
    """Constructor-scope registrations, precomputed once (None when there are none)."""
    if hasattr(callbacks, "handlers") and hasattr(callbacks, "inheritable_handlers"):
        callbacks = callbacks.handlers
    handlers = HandlerSet(check_handlers(callbacks, "callbacks"))
    if tags is not None and (
        not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags)
    ):
        raise TypeError(f"tags must be a list of strings, got {tags!r}")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict, got {type(metadata).__name__}")
    if not handlers and not tags and not metadata:
        return None
    return handlers, list(tags) if tags else None, dict(metadata) if metadata else None


class ReassignableTagsMetadata:
    """``tags`` and ``metadata`` that can be assigned after construction, taking effect from the
    next call (langchain_core's prompts and retrievers are pydantic models whose fields can be
    assigned); the other constructor-scope options are kept."""

    _local: Local | None

    @property
    def tags(self) -> list[str] | None:
        return self._local[1] if self._local else None

    @tags.setter
    def tags(self, value: list[str] | None) -> None:
        self._local = make_local(_handlers_of(self._local), value, self.metadata)

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._local[2] if self._local else None

    @metadata.setter
    def metadata(self, value: dict[str, Any] | None) -> None:
        self._local = make_local(_handlers_of(self._local), self.tags, value)


class ReassignableScope(ReassignableTagsMetadata):
    """:class:`ReassignableTagsMetadata` and ``callbacks`` too (langchain_core's models and
    tools): handlers assigned after construction are the object's own from its next call."""

    @property
    def callbacks(self) -> list[Any] | None:
        """Constructor handlers (local to this object's runs)."""
        return _handlers_of(self._local)

    @callbacks.setter
    def callbacks(self, value: Any) -> None:
        self._local = make_local(value, self.tags, self.metadata)


def _handlers_of(local: Local | None) -> list[Any] | None:
    return list(local[0].items) if local else None


class Runnable(Generic[Input, Output]):
    """A unit of work that can be invoked, batched, streamed and composed with ``|``."""

    _name: str | None = None
    _local: Local | None = None
    _ser: dict[str, Any] | None = None
    #: A plain function the run lifecycle may call directly as this runnable's whole run (its
    #: hot path, ``_lifecycle.run_steps``); None for every runnable but a plain lambda.
    _leaf: Callable[[Any], Any] | None = None

    # -- identity -----------------------------------------------------------------------

    @property
    def name(self) -> str | None:
        """An explicit name for this runnable's runs (``get_name()`` falls back to the class)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        self._ser = None

    def _default_name(self) -> str:
        return type(self).__name__

    @property
    def InputType(self) -> Any:
        """What this runnable takes, as a typing form: its class's generic input parameter."""
        from reference.runnables._types import declared_types

        return declared_types(type(self))[0]

    @property
    def OutputType(self) -> Any:
        """What this runnable gives: its class's generic output parameter."""
        from reference.runnables._types import declared_types

        return declared_types(type(self))[1]

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The ``configurable`` keys this runnable's runs read: none, unless it is made of parts
        that read some (composed runnables list theirs) or is configurable itself."""
        return []

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        """The run name handlers see."""
        n = name or self.name or self._default_name()  # a subclass may set ``name = "..."``
        if not suffix:
            return n
        # langchain_core's rule: ``RunnableParallel`` + ``Input`` is ``RunnableParallelInput``,
        # a function name gets a snake-case tail (``my_func`` + ``Input``: ``my_func_input``).
        return n + suffix.title() if n[:1].isupper() else f"{n}_{suffix.lower()}"

    def _serialized(self) -> dict[str, Any]:
        """The ``serialized`` mapping passed to start events; built once per name."""
        s = self._ser
        if s is None:
            s = {
                "lc": 1,
                "type": "not_implemented",
                "id": [type(self).__module__, type(self).__name__],
                "name": self.get_name(),
            }
            self._ser = s
        return s

    def _init_scope(
        self,
        name: str | None,
        callbacks: Any,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
    ) -> None:
        """Record constructor-scope options: they apply to this object's own runs only (R3)."""
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        self._name = name
        self._local = make_local(callbacks, tags, metadata)

    @property
    def callbacks(self) -> list[Any] | None:
        """Constructor handlers (local to this object's runs)."""
        return _handlers_of(self._local)

    @property
    def tags(self) -> list[str] | None:
        return self._local[1] if self._local else None

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._local[2] if self._local else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.get_name()!r})"

    # -- single input ---------------------------------------------------------------------

    def invoke(self, input: Input, config: RunnableConfig | None = None, **kwargs: Any) -> Output:
        """Run on one input."""
        raise NotImplementedError(f"{type(self).__name__} must implement invoke()")

    async def ainvoke(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Output:
        """Run on one input from async code; the default runs ``invoke`` in a worker thread."""
        ctx = contextvars.copy_context()
        call = partial(ctx.run, self.invoke, input, config, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    # -- many inputs ----------------------------------------------------------------------

    def batch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output]:
        """Invoke on each input in a thread pool; every item is its own run tree.

        Waits for every item; without ``return_exceptions`` then raises the
        first failure in input order. ``return_exceptions`` returns ``Exception``
        instances in place of results; any other ``BaseException`` (``SystemExit``,
        ``KeyboardInterrupt``, cancellation) is raised, however many inputs.
        """
        if not inputs:
            return []
        configs = per_item_configs(config, len(inputs))
        first = configs[0]
        limit = first.get("max_concurrency") if first else None
        if len(inputs) == 1:
            try:
                return [self.invoke(inputs[0], configs[0], **kwargs)]
            except Exception as e:
                if return_exceptions:
                    return [cast(Output, e)]
                raise
        futures = run_all([
            partial(contextvars.copy_context().run, self.invoke, x, c, **kwargs)
            for x, c in zip(inputs, configs, strict=True)
        ], limit)
        return _collect([f.exception() or f.result() for f in futures], return_exceptions)

    async def abatch(
        self,
        inputs: list[Input],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> list[Output]:
        """Await ``ainvoke`` on each input concurrently (bounded by ``max_concurrency``)."""
        if not inputs:
            return []
        configs = per_item_configs(config, len(inputs))
        first = configs[0]
        limit = first.get("max_concurrency") if first else None
        calls = [
            partial(self.ainvoke, x, c, **kwargs) for x, c in zip(inputs, configs, strict=True)
        ]
        return _collect(await gather_limited(calls, limit), return_exceptions)

    # -- streaming ------------------------------------------------------------------------

    def stream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Yield the output in chunks; the default yields ``invoke``'s result whole."""
        yield self.invoke(input, config, **kwargs)

    async def astream(
        self, input: Input, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async ``stream``; the default yields ``ainvoke``'s result whole."""
        yield await self.ainvoke(input, config, **kwargs)

    def transform(
        self, input: Iterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Output]:
        """Stream over a stream of input chunks; the default buffers them, then streams.

        Buffering first means this runnable's run starts only after the
        upstream step has produced (so has started) - the pipelining rule R7.4.
        """
        chunks = list(input)
        if not chunks:
            return
        yield from self.stream(add_chunks(chunks), config, **kwargs)

    async def atransform(
        self, input: AsyncIterator[Input], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Output]:
        """Async ``transform``; the default buffers, then streams."""
        chunks = [c async for c in input]
        if not chunks:
            return
        async with aclosing_stream(self.astream(add_chunks(chunks), config, **kwargs)) as stream:
            async for out in stream:
                yield out

    # -- composition ----------------------------------------------------------------------

    def __or__(self, other: Any) -> RunnableSequence:
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(self, coerce_to_runnable(other, "|"))

    def __ror__(self, other: Any) -> RunnableSequence:
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(coerce_to_runnable(other, "|"), self)

    def pipe(self, *others: Any, name: str | None = None) -> RunnableSequence:
        """``self | others[0] | ...`` as one sequence."""
        from reference.runnables._sequence import RunnableSequence

        return RunnableSequence(self, *(coerce_to_runnable(o, "pipe()") for o in others), name=name)

    def with_config(
        self, config: RunnableConfig | None = None, **kwargs: Any
    ) -> RunnableBinding:
        """Bind configuration applied as runtime config to this object's subtree (R2).

        The binding creates no run of its own (R6).
        """
        from reference.runnables._binding import RunnableBinding

        if config is not None:
            validate_config(config, "with_config(config)")
        validate_config(kwargs, "with_config(**kwargs)")
        merged = combine_configs(config, cast(RunnableConfig, kwargs))
        return RunnableBinding(bound=self, config=merged)

    def with_listeners(self, *, on_start: Callable[..., None] | None = None,
                       on_end: Callable[..., None] | None = None,
                       on_error: Callable[..., None] | None = None) -> Runnable[Input, Output]:
        """Call ``on_start(run)`` / ``on_end(run)`` / ``on_error(run)`` with this runnable's
        run (a tracer ``Run``; ``config=`` too if a listener takes it) on each call."""
        from reference.runnables._binding import RunnableBinding
        from reference.runnables._listeners import listeners_factory

        return RunnableBinding(bound=self, config_factories=[
            listeners_factory(on_start, on_end, on_error)])

    def with_alisteners(self, *, on_start: Callable[..., Awaitable[None]] | None = None,
                        on_end: Callable[..., Awaitable[None]] | None = None,
                        on_error: Callable[..., Awaitable[None]] | None = None
                        ) -> Runnable[Input, Output]:
        """``with_listeners`` with async listeners, awaited in every mode. On a binding it
        wraps the binding (langchain_core does not fold it in as ``with_listeners``)."""
        from reference.runnables._binding import RunnableBinding
        from reference.runnables._listeners import alisteners_factory

        return RunnableBinding(bound=self, config_factories=[
            alisteners_factory(on_start, on_end, on_error)])

    def with_types(self, *, input_type: Any = None, output_type: Any = None
                   ) -> Runnable[Input, Output]:
        """A binding declaring the input and output types: transparent (no run of its own).
        langchain_core uses the types for schemas, which the reference does not build;
        ``as_tool`` reads the input type."""
        from reference.runnables._binding import RunnableBinding

        return RunnableBinding(bound=self, custom_input_type=input_type,
                               custom_output_type=output_type)

    def as_tool(self, args_schema: Any = None, *, name: str | None = None,
                description: str | None = None, arg_types: dict[str, type] | None = None
                ) -> Any:
        """A tool running this runnable as its child run (see ``reference.tools._from_runnable``
        for the forms offered)."""
        from reference.tools._from_runnable import convert_runnable_to_tool

        return convert_runnable_to_tool(self, args_schema, name=name,
                                        description=description, arg_types=arg_types)

    def configurable_alternatives(
        self,
        which: ConfigurableField,
        *,
        default_key: str = "default",
        prefix_keys: bool = False,
        **alternatives: Runnable[Input, Output] | Callable[[], Runnable[Input, Output]],
    ) -> Runnable[Input, Output]:
        """This runnable, or one of ``alternatives`` chosen per call by
        ``config["configurable"][which.id]`` (``default_key`` chooses this one). Any runnable
        has it (a sequence, a binding, a tool...), as in langchain_core."""
        from reference.runnables._configurable import RunnableConfigurableAlternatives

        return RunnableConfigurableAlternatives(
            which=which, default=self, alternatives=alternatives, default_key=default_key,
            prefix_keys=prefix_keys)

    def bind(self, **kwargs: Any) -> RunnableBinding:
        """Keyword arguments every call passes on (``model.bind(stop=["\\n"])``); a lambda's
        function gets them as keywords. Like ``with_config``, the binding starts no run."""
        from reference.runnables._binding import RunnableBinding

        return RunnableBinding(bound=self, kwargs=kwargs)

    # -- custom runnables: one run around a function (langchain_core's protected helpers) ---

    def _call_with_config(
        self,
        func: Callable[..., Output],
        input: Input,
        config: RunnableConfig | None,
        run_type: str | None = None,
        serialized: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Output:
        """Run ``func(input)`` as one chain run of this runnable (for custom ``invoke``s).

        ``func`` gets ``run_manager`` and ``config`` (the child config) if it
        takes them. ``serialized`` is accepted for compatibility; starts carry
        this runnable's own.
        """
        from reference.runnables._calls import call_with_config

        return cast(Output, call_with_config(self, func, input, config, run_type, **kwargs))

    async def _acall_with_config(
        self,
        func: Callable[..., Awaitable[Output]],
        input: Input,
        config: RunnableConfig | None,
        run_type: str | None = None,
        serialized: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Output:
        """Async twin of :meth:`_call_with_config` (``func`` is async)."""
        from reference.runnables._calls import acall_with_config

        return cast(
            Output, await acall_with_config(self, func, input, config, run_type, **kwargs)
        )

    # -- composed runnables (SPEC.md §8; each in its own module) ---------------------------

    def with_fallbacks(
        self,
        fallbacks: Sequence[Runnable[Any, Any]],
        *,
        exceptions_to_handle: tuple[type[BaseException], ...] = (Exception,),
        exception_key: str | None = None,
    ) -> RunnableWithFallbacks:
        """Try ``fallbacks`` in turn when this runnable raises one of ``exceptions_to_handle``."""
        from reference.runnables._fallbacks import RunnableWithFallbacks

        return RunnableWithFallbacks(
            self, fallbacks, exceptions_to_handle=exceptions_to_handle,
            exception_key=exception_key,
        )

    def with_retry(
        self,
        *,
        retry_if_exception_type: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: dict[str, float] | None = None,
        stop_after_attempt: int = 3,
    ) -> Runnable[Input, Output]:
        """Run again (at most ``stop_after_attempt`` times in all) on a retryable exception."""
        from reference.runnables._retry import RunnableRetry

        return RunnableRetry(
            bound=self,
            retry_exception_types=retry_if_exception_type,
            wait_exponential_jitter=wait_exponential_jitter,
            exponential_jitter_params=exponential_jitter_params,
            max_attempt_number=stop_after_attempt,
        )

    def map(self) -> Runnable[list[Input], list[Output]]:
        """A runnable taking a list of inputs and running this one on each (``RunnableEach``)."""
        from reference.runnables._each import RunnableEach

        return RunnableEach(bound=self)

    def pick(self, keys: str | list[str]) -> RunnableSequence:
        """``self | RunnablePick(keys)``."""
        from reference.runnables._assign import RunnablePick

        return self | RunnablePick(keys)

    def assign(self, **kwargs: Any) -> RunnableSequence:
        """``self | RunnableAssign(RunnableParallel(kwargs))``: keys added to this one's output."""
        from reference.runnables._assign import RunnableAssign
        from reference.runnables._parallel import RunnableParallel

        return self | RunnableAssign(RunnableParallel(kwargs))

    def _for_batch(
        self, config: Any, n: int
    ) -> tuple[Runnable[Input, Output], Any]:
        """(runnable, config) a batch of ``n`` inputs invokes (a binding adjusts its run_id)."""
        return self, config

    def batch_as_completed(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> Iterator[tuple[int, Output | Exception]]:
        """Like ``batch``, yielding ``(index, output)`` pairs as the items finish."""
        from reference.runnables._as_completed import batch_as_completed

        return batch_as_completed(self, inputs, config, return_exceptions, kwargs)

    def abatch_as_completed(
        self,
        inputs: Sequence[Input],
        config: RunnableConfig | Sequence[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any,
    ) -> AsyncIterator[tuple[int, Output | Exception]]:
        """Like ``abatch``, yielding ``(index, output)`` pairs as the items finish."""
        from reference.runnables._as_completed import abatch_as_completed

        return abatch_as_completed(self, inputs, config, return_exceptions, kwargs)

    def astream_events(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        version: str = "v2",
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[dict[str, Any]]:
        """The runs of ``astream(input, config)`` as event dicts (version ``"v2"``)."""
        from reference.runnables._events import astream_events

        return astream_events(
            self, input, config, version=version, include_names=include_names,
            include_types=include_types, include_tags=include_tags,
            exclude_names=exclude_names, exclude_types=exclude_types,
            exclude_tags=exclude_tags, kwargs=kwargs,
        )

    def astream_log(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        *,
        diff: bool = True,
        with_streamed_output_list: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        """The runs of ``astream(input, config)`` as ``RunLogPatch`` es (``diff``) or the
        ``RunLog`` so far (see ``reference.tracers.log_stream``)."""
        from reference.tracers.log_stream import astream_log

        filters = {"include_names": include_names, "include_types": include_types,
                   "include_tags": include_tags, "exclude_names": exclude_names,
                   "exclude_types": exclude_types, "exclude_tags": exclude_tags}
        return astream_log(self, input, config, diff=diff,
                           with_streamed_output_list=with_streamed_output_list,
                           filters=filters, kwargs=kwargs)


def coerce_to_runnable(thing: Any, where: str = "|") -> Runnable[Any, Any]:
    """A Runnable for ``thing``: callables become RunnableLambda, dicts RunnableParallel."""
    if isinstance(thing, Runnable):
        return thing
    if callable(thing):
        from reference.runnables._lambda import RunnableLambda

        return RunnableLambda(thing)
    if isinstance(thing, Mapping):
        from reference.runnables._parallel import RunnableParallel

        return RunnableParallel(dict(thing))
    raise TypeError(
        f"Cannot compose {type(thing).__name__} {thing!r} with {where}: expected a Runnable, "
        "a callable (becomes a RunnableLambda) or a dict of those (becomes a RunnableParallel). "
        f"For a constant, write RunnableLambda(lambda _: {thing!r})."
    )


def _collect(results: list[Any], return_exceptions: bool) -> list[Any]:
    """Batch results in input order: interruptions raise, failures raise or stay as values."""
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, Exception):
            raise r
    if not return_exceptions:
        for r in results:
            if isinstance(r, BaseException):
                raise r
    return results


async def gather_limited(
    calls: Sequence[Callable[[], Awaitable[T]]], limit: int | None
) -> list[Any]:
    """Await every ``call()`` concurrently, at most ``limit`` at a time; exceptions as values.

    Each coroutine is created only when its turn comes, so nothing is left
    un-awaited if the gather is cancelled.
    """
    sem = asyncio.Semaphore(limit) if limit is not None and limit < len(calls) else None

    async def one(call: Callable[[], Awaitable[T]]) -> T:
        if sem is None:
            return await call()
        async with sem:
            return await call()

    return list(await asyncio.gather(*(one(c) for c in calls), return_exceptions=True))
