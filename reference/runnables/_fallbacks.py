"""``RunnableWithFallbacks``: try a runnable, then each fallback in turn, on a handled error.

One chain run, ``RunnableWithFallbacks``; every attempt (the runnable, then the
fallbacks tried) is a child run of it, in every mode, so every handler in
scope sees every attempt, the failed ones ending with their error event
(SPEC.md §8). When every attempt fails, the run fails with the *first* error.
An exception outside ``exceptions_to_handle`` (and any ``BaseException`` that is
not an ``Exception``) ends the run at once, without trying further fallbacks.

In ``stream``/``astream`` a fallback is tried only while the failing attempt has
produced no chunk yet: after its first chunk, an error fails the run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, final

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import aclose_iter, aclosing_stream, close_iter

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableWithFallbacks"]

_END: Any = object()


@final
class RunnableWithFallbacks(Runnable[Any, Any]):
    """What ``runnable.with_fallbacks(fallbacks, ...)`` returns."""

    __slots__ = ("exception_key", "exceptions_to_handle", "fallbacks", "runnable")

    runnable: Runnable[Any, Any]
    fallbacks: Sequence[Runnable[Any, Any]]
    exceptions_to_handle: tuple[type[BaseException], ...]
    exception_key: str | None

    def __init__(
        self,
        runnable: Any,
        fallbacks: Sequence[Any],
        exceptions_to_handle: tuple[type[BaseException], ...] | type[BaseException] = (
            Exception,
        ),
        exception_key: str | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if isinstance(fallbacks, (Runnable, str, bytes)) or not isinstance(fallbacks, Sequence):
            raise TypeError(
                f"fallbacks must be a list of runnables, got {type(fallbacks).__name__}; "
                "write with_fallbacks([fallback])"
            )
        if isinstance(exceptions_to_handle, type):
            exceptions_to_handle = (exceptions_to_handle,)
        if not all(
            isinstance(t, type) and issubclass(t, BaseException) for t in exceptions_to_handle
        ):
            raise TypeError(
                f"exceptions_to_handle must be a tuple of exception classes, got "
                f"{exceptions_to_handle!r}"
            )
        if exception_key is not None and not isinstance(exception_key, str):
            raise TypeError(f"exception_key must be a str or None, got {exception_key!r}")
        self.runnable = coerce_to_runnable(runnable, "with_fallbacks")
        self.fallbacks = [coerce_to_runnable(f, "with_fallbacks") for f in fallbacks]
        self.exceptions_to_handle = tuple(exceptions_to_handle)
        self.exception_key = exception_key
        self._init_scope(name, None, None, None)

    @property
    def runnables(self) -> Iterator[Runnable[Any, Any]]:
        """The runnable, then each fallback, in the order they are tried."""
        yield self.runnable
        yield from self.fallbacks

    @property
    def InputType(self) -> Any:
        """What the runnable (its fallbacks should agree) takes."""
        return self.runnable.InputType

    @property
    def OutputType(self) -> Any:
        """What the runnable (its fallbacks should agree) gives."""
        return self.runnable.OutputType

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The ``configurable`` keys of the runnable and its fallbacks."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([self.runnable, *self.fallbacks])

    def __repr__(self) -> str:
        return f"RunnableWithFallbacks({self.runnable!r}, fallbacks={self.fallbacks!r})"

    def _check(self, input: Any) -> None:
        if self.exception_key is not None and not isinstance(input, dict):
            raise ValueError(
                f"with_fallbacks(exception_key={self.exception_key!r}) needs a dict input, got "
                f"{type(input).__name__}"
            )

    def _input(self, input: Any, last_error: BaseException | None) -> Any:
        """The input of the next attempt: with ``exception_key``, the last error added (a copy;
        the caller's dict is never changed)."""
        if self.exception_key is None or last_error is None:
            return input
        return {**input, self.exception_key: last_error}

    # -- invoke -----------------------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        self._check(input)
        return run(self, self._body, input, config)

    def _body(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        first: BaseException | None = None
        last: BaseException | None = None
        for attempt in self.runnables:
            try:
                return attempt.invoke(self._input(input, last), child)
            except self.exceptions_to_handle as e:
                if first is None:
                    first = e
                last = e
        assert first is not None
        raise first

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        self._check(input)
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        first: BaseException | None = None
        last: BaseException | None = None
        for attempt in self.runnables:
            try:
                return await attempt.ainvoke(self._input(input, last), child)
            except self.exceptions_to_handle as e:
                if first is None:
                    first = e
                last = e
        assert first is not None
        raise first

    # -- streaming: fall back only before the first chunk -----------------------------------

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Any]:
        self._check(input)
        yield from stream_run(self, input, config, lambda frame: self._chunks(input, frame))

    def _chunks(self, input: Any, frame: RunFrame) -> Iterator[Any]:
        child = frame.child_config
        first: BaseException | None = None
        last: BaseException | None = None
        for attempt in self.runnables:
            it = attempt.stream(self._input(input, last), child)
            try:
                head = next(it, _END)
            except self.exceptions_to_handle as e:
                close_iter(it)
                if first is None:
                    first = e
                last = e
                continue
            try:
                if head is not _END:
                    yield head
                    yield from it
            finally:
                close_iter(it)
            return
        assert first is not None
        raise first

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Any]:
        self._check(input)
        stream = astream_run(self, input, config, lambda frame: self._achunks(input, frame))
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk

    async def _achunks(self, input: Any, frame: RunFrame) -> AsyncIterator[Any]:
        child = frame.child_config
        first: BaseException | None = None
        last: BaseException | None = None
        for attempt in self.runnables:
            it = aiter(attempt.astream(self._input(input, last), child))
            try:
                head = await anext(it, _END)
            except self.exceptions_to_handle as e:
                await aclose_iter(it)
                if first is None:
                    first = e
                last = e
                continue
            async with aclosing_stream(it):
                if head is not _END:
                    yield head
                    async for chunk in it:
                        yield chunk
            return
        assert first is not None
        raise first
