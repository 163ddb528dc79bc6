"""``StrOutputParser``: a message (or chunk) to its text; streams chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, final

from reference.callbacks._manager import start_chain_run
from reference.messages import BaseMessage
from reference.runnables._base import (
    Runnable,
    acall_chain,
    aclose_iter,
    call_chain,
    close_iter,
    start_info,
)
from reference.runnables._config import (
    RunnableConfig,
    get_async_manager,
    get_sync_manager,
    resolve_config,
)

__all__ = ["StrOutputParser"]

_END: Any = object()


def _text(x: Any) -> str:
    if isinstance(x, BaseMessage):
        return x.text
    return x if isinstance(x, str) else str(x)


async def _atext(x: Any, rm: Any) -> str:
    return _text(x)


@final
class StrOutputParser(Runnable[Any, str]):
    """Extract text; a chain-type run."""

    def __init__(
        self,
        *,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self._init_scope(name, callbacks, tags, metadata)

    def parse(self, text: str) -> str:
        return text

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> str:
        return call_chain(self, lambda x, rm: _text(x), input, config)  # type: ignore[no-any-return]

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> str:
        return await acall_chain(self, _atext, input, config)  # type: ignore[no-any-return]

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        """Parse each chunk as it arrives; the run starts with the first chunk (R7.4)."""
        upstream = iter(input)
        first = next(upstream, _END)
        if first is _END:
            return
        cfg, trusted = resolve_config(config)
        mgr = get_sync_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = start_chain_run(mgr, ser, first, run_id, name, cfg)
        parts: list[str] = []
        try:
            text = _text(first)
            parts.append(text)
            yield text
            for chunk in upstream:
                text = _text(chunk)
                parts.append(text)
                yield text
        except BaseException as e:
            close_iter(upstream)
            rm.on_chain_error(e)
            raise
        rm.on_chain_end("".join(parts))

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[str]:
        return self.transform(iter((input,)), config)

    async def atransform(
        self, input: AsyncIterator[Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        upstream = aiter(input)
        first = await anext(upstream, _END)
        if first is _END:
            return
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, name, run_id = start_info(self, cfg)
        rm = await mgr.on_chain_start(ser, first, run_id=run_id, name=name)
        parts: list[str] = []
        try:
            text = _text(first)
            parts.append(text)
            yield text
            async for chunk in upstream:
                text = _text(chunk)
                parts.append(text)
                yield text
        except BaseException as e:
            await aclose_iter(upstream)
            await rm.on_chain_error(e)
            raise
        await rm.on_chain_end("".join(parts))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        async def one() -> AsyncIterator[Any]:
            yield input

        async for chunk in self.atransform(one(), config):
            yield chunk
