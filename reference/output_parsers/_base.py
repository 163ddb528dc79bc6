"""Output parser bases, as langchain_core's: a parser's run is a chain run (``run_type="parser"``)
named after its class.

- ``BaseOutputParser``: a user subclass implements ``parse(text)``; a message
  input is parsed from its text. Streamed, it waits for the whole input (the
  chunks added up) and parses once: one run, after the upstream ends.
- ``BaseTransformOutputParser``: streamed, it parses each chunk as it comes,
  in one run that starts with the first chunk.
- ``BaseCumulativeTransformOutputParser``: streamed, it parses the text so far
  (``partial=True``) after each chunk and yields each new, different result.

A streamed run ends with its outputs added up as langchain_core does: ``+``
while it works (lists concatenate), else the latest output from then on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, Final, Generic, TypeVar, Union, get_args, get_origin

from reference.messages import AIMessageChunk, AnyMessage, BaseMessage, BaseMessageChunk
from reference.outputs import ChatGeneration, ChatGenerationChunk, Generation, GenerationChunk
from reference.runnables._config import RunnableConfig
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._serializable import RunnableSerializable
from reference.runnables._streams import aclose_iter, aclosing_stream, close_iter

__all__ = [
    "BaseCumulativeTransformOutputParser",
    "BaseGenerationOutputParser",
    "BaseLLMOutputParser",
    "BaseOutputParser",
    "BaseTransformOutputParser",
    "accumulated",
    "generation",
]

T = TypeVar("T")

_END: Any = object()
#: The start's extra keyword: langchain_core's parsers say ``run_type="parser"``.
PARSER_RUN: Final = {"run_type": "parser"}


def generation(x: Any) -> Generation:
    """A parser's input as the generation ``parse_result`` takes."""
    if isinstance(x, BaseMessage):
        return ChatGeneration(message=x)
    if not isinstance(x, str):
        raise TypeError(f"An output parser takes a str or a message, got {type(x).__name__}")
    return Generation(text=x)


def accumulated(outputs: list[Any]) -> Any:
    """A streamed parser run's end value: outputs added with ``+`` until one cannot be, then
    the latest one (langchain_core's accumulation: dicts are not merged)."""
    value: Any = None
    adding = True
    for out in outputs:
        if value is None or not adding:
            value = out
            continue
        try:
            value = value + out
        except TypeError:
            value = out
            adding = False
    return value


#: The output type of a parser class that names none: its type variable, as langchain_core's.
_UNDECLARED: Final[Any] = T

#: What a parser takes: a model's text or message.
PARSER_INPUT: Final[Any] = Union[str, AnyMessage]  # noqa: UP007 - a runtime typing form

class BaseLLMOutputParser(Generic[T]):
    """What parses a model's generations (not a runnable): ``parse_result(result)``."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        raise NotImplementedError(f"{type(self).__name__} must implement parse_result")

    async def aparse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        return self.parse_result(result, partial=partial)


class _ParserRun(BaseLLMOutputParser[T], RunnableSerializable[Any, T]):
    """A parser as a runnable: ``invoke`` parses a str or a message in one ``parser`` run."""

    @property
    def InputType(self) -> Any:
        """A str or a message (what a model gives)."""
        return PARSER_INPUT

    @property
    def OutputType(self) -> Any:
        """What the parser class declares it gives (``BaseOutputParser[list[str]]``: a list of
        str), else its type variable."""
        for klass in type(self).__mro__:
            for base in vars(klass).get("__orig_bases__", ()):
                origin, args = get_origin(base), get_args(base)
                if isinstance(origin, type) and issubclass(origin, BaseLLMOutputParser) \
                        and len(args) == 1 and not isinstance(args[0], TypeVar):
                    return args[0]
        return _UNDECLARED

    def _invoke_body(self, x: Any, frame: Any) -> T:
        return self.parse_result([generation(x)])

    async def _ainvoke_body(self, x: Any, frame: Any) -> T:
        return await self.aparse_result([generation(x)])

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> T:
        return run(self, self._invoke_body, input, config, extra=PARSER_RUN)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> T:
        return await arun(self, self._ainvoke_body, input, config, extra=PARSER_RUN)


class BaseGenerationOutputParser(_ParserRun[T]):
    """Subclass and implement ``parse_result(result)``: the model's generations (a
    ``ChatGeneration`` for a message input, a ``Generation`` for text)."""


class BaseOutputParser(_ParserRun[T]):
    """Subclass and implement ``parse(text)``; ``invoke`` takes a str or a message."""

    def parse(self, text: str) -> T:
        raise NotImplementedError(f"{type(self).__name__} must implement parse(text)")

    async def aparse(self, text: str) -> T:
        return self.parse(text)

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        """Parse the first (most likely) generation's text."""
        return self.parse(result[0].text)

    async def aparse_result(self, result: list[Generation], *, partial: bool = False) -> T:
        return self.parse_result(result, partial=partial)

    def get_format_instructions(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} has no format instructions")

    @property
    def _type(self) -> str:
        raise NotImplementedError(f"_type property is not implemented in {type(self).__name__}")


class BaseTransformOutputParser(BaseOutputParser[T]):
    """Streamed, parse each input chunk as it comes (``_transform``), in one run.

    As in langchain_core, that is when it transforms a stream (a step of a
    streamed sequence); its own ``stream(input)`` is ``invoke``'s result, whole.
    """

    def _transform(self, input: Iterator[Any]) -> Iterator[T]:
        for chunk in input:
            yield self.parse_result([generation(chunk)])

    async def _atransform(self, input: AsyncIterator[Any]) -> AsyncIterator[T]:
        async for chunk in input:
            yield await self.aparse_result([generation(chunk)])

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[T]:
        """One run starting with the first chunk (R7.4), ending with the outputs added up."""
        upstream = iter(input)
        first = next(upstream, _END)
        if first is _END:
            return

        def chunks() -> Iterator[Any]:
            yield first
            yield from upstream

        def outputs(frame: Any) -> Iterator[T]:
            try:
                yield from self._transform(chunks())
            finally:
                close_iter(upstream)

        yield from stream_run(self, first, config, outputs, extra=PARSER_RUN,
                              report=accumulated, upstream=upstream, tap=True)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[T]:
        upstream = aiter(input)
        first = await anext(upstream, _END)
        if first is _END:
            return

        async def chunks() -> AsyncIterator[Any]:
            yield first
            async for chunk in upstream:
                yield chunk

        async def outputs(frame: Any) -> AsyncIterator[T]:
            try:
                async with aclosing_stream(self._atransform(chunks())) as it:
                    async for out in it:
                        yield out
            finally:
                await aclose_iter(upstream)

        stream = astream_run(self, first, config, outputs, extra=PARSER_RUN,
                             report=accumulated, upstream=upstream, tap=True)
        async with aclosing_stream(stream) as it:
            async for out in it:
                yield out


def _as_chunk(x: Any) -> Generation:
    """An input chunk as a generation chunk that adds up with the next (``+``)."""
    if isinstance(x, BaseMessageChunk):
        return ChatGenerationChunk(message=x)
    if isinstance(x, BaseMessage):  # a whole message: its fields, as an addable chunk
        chunk = AIMessageChunk if x.type == "ai" else BaseMessageChunk
        return ChatGenerationChunk(message=chunk(
            x.content, additional_kwargs=x.additional_kwargs,
            response_metadata=x.response_metadata, name=x.name, id=x.id))
    if not isinstance(x, str):
        raise TypeError(f"An output parser takes a str or a message, got {type(x).__name__}")
    return GenerationChunk(text=x)


class BaseCumulativeTransformOutputParser(BaseTransformOutputParser[T]):
    """Streamed, parse everything so far after each chunk; yield each new result (or, with
    ``diff=True``, ``_diff(previous, new)``)."""

    diff: bool = False

    def _diff(self, prev: T | None, next: T) -> T:
        raise NotImplementedError(f"{type(self).__name__} does not implement _diff")

    def _step(self, acc: Generation | None, chunk: Any) -> Generation:
        gen = _as_chunk(chunk)
        return gen if acc is None else acc + gen  # type: ignore[operator]

    def _new(self, prev: Any, parsed: Any, emit: Callable[[Any], None]) -> Any:
        if parsed is not None and parsed != prev:
            emit(self._diff(prev, parsed) if self.diff else parsed)
            return parsed
        return prev

    def _transform(self, input: Iterator[Any]) -> Iterator[T]:
        acc: Generation | None = None
        prev: Any = None
        out: list[Any] = []
        for chunk in input:
            acc = self._step(acc, chunk)
            prev = self._new(prev, self.parse_result([acc], partial=True), out.append)
            yield from out
            out.clear()

    async def _atransform(self, input: AsyncIterator[Any]) -> AsyncIterator[T]:
        acc: Generation | None = None
        prev: Any = None
        out: list[Any] = []
        async for chunk in input:
            acc = self._step(acc, chunk)
            prev = self._new(prev, await self.aparse_result([acc], partial=True), out.append)
            for o in out:
                yield o
            out.clear()
