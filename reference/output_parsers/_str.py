"""``StrOutputParser``: a message (or chunk) to its text; streams chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Final, final

from reference.messages import BaseMessage
from reference.output_parsers._base import PARSER_INPUT
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import aclose_iter, aclosing_stream, close_iter

__all__ = ["StrOutputParser"]

_END: Any = object()
#: The start's extra keyword: langchain_core's parsers say ``run_type="parser"``.
_PARSER: Final = {"run_type": "parser"}


def _text(x: Any) -> str:
    if isinstance(x, BaseMessage):
        return x.text
    return x if isinstance(x, str) else str(x)


def _parse(x: Any, frame: Any) -> str:
    return _text(x)


async def _aparse(x: Any, frame: Any) -> str:
    return _text(x)


def _joined(parts: list[str]) -> str:
    return "".join(parts)


@final
class StrOutputParser(Runnable[Any, str]):
    """Extract text; a chain-type run (``run_type="parser"``). As in langchain_core, it streams
    chunk by chunk when it transforms a stream; its own ``stream(input)`` is ``invoke``'s."""

    def __init__(
        self,
        *,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        verbose: bool = False,  # accepted and ignored, as langchain_core's is
    ) -> None:
        self._init_scope(name, callbacks, tags, metadata)

    @property
    def InputType(self) -> Any:
        """A str or a message (what a model gives)."""
        return PARSER_INPUT

    def parse(self, text: str) -> str:
        return text

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return run(self, _parse, input, config, extra=_PARSER)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> str:
        return await arun(self, _aparse, input, config, extra=_PARSER)

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        """Parse each chunk as it arrives; the run starts with the first chunk (R7.4)."""
        upstream = iter(input)
        first = next(upstream, _END)
        if first is _END:
            return

        def texts(frame: Any) -> Iterator[str]:
            try:
                yield _text(first)
                for chunk in upstream:
                    yield _text(chunk)
            finally:
                close_iter(upstream)

        yield from stream_run(self, first, config, texts, extra=_PARSER, report=_joined,
                              upstream=upstream, tap=True)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        upstream = aiter(input)
        first = await anext(upstream, _END)
        if first is _END:
            return

        async def texts(frame: Any) -> AsyncIterator[str]:
            try:
                yield _text(first)
                async for chunk in upstream:
                    yield _text(chunk)
            finally:
                await aclose_iter(upstream)

        stream = astream_run(self, first, config, texts, extra=_PARSER, report=_joined,
                             upstream=upstream, tap=True)
        async with aclosing_stream(stream) as it:
            async for text in it:
                yield text
