"""``RunnablePassthrough``: returns its input; a run of its own, useful as a parallel branch.

Streamed, it yields its input chunks as they arrive (one run, ending with them added up).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, final

from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._lifecycle import arun, atransform_run, run, transform_run
from reference.runnables._streams import aone

__all__ = ["RunnablePassthrough"]


def _identity(x: Any, frame: Any) -> Any:
    return x


async def _aidentity(x: Any, frame: Any) -> Any:
    return x


def _same_chunks(chunks: Any, frame: Any) -> Any:
    return chunks


@final
class RunnablePassthrough(Runnable[Any, Any]):
    """Identity runnable (chain-type run)."""

    def __init__(
        self,
        *,
        input_type: Any = None,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        #: The declared type of what passes through (``InputType`` and ``OutputType``).
        self.input_type = input_type
        self._init_scope(name, callbacks, tags, metadata)

    @property
    def InputType(self) -> Any:
        """``input_type``, else ``Any``."""
        return self.input_type or Any

    @property
    def OutputType(self) -> Any:
        """The same as what it takes."""
        return self.input_type or Any

    @classmethod
    def assign(cls, **kwargs: Any) -> Any:
        """``RunnableAssign(RunnableParallel(kwargs))``: the dict input plus ``kwargs``' outputs
        (no passthrough run: the assign run is the one that passes the input through)."""
        from reference.runnables._assign import RunnableAssign
        from reference.runnables._parallel import RunnableParallel

        return RunnableAssign(RunnableParallel(kwargs))

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return run(self, _identity, input, config)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await arun(self, _aidentity, input, config)

    def stream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
               ) -> Iterator[Any]:
        return transform_run(self, iter((input,)), config, _same_chunks)

    def transform(self, input: Iterator[Any], config: RunnableConfig | None = None,
                  **kwargs: Any) -> Iterator[Any]:
        return transform_run(self, input, config, _same_chunks)

    def astream(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
                ) -> AsyncIterator[Any]:
        return atransform_run(self, aone(input), config, _same_chunks)

    def atransform(self, input: AsyncIterator[Any], config: RunnableConfig | None = None,
                   **kwargs: Any) -> AsyncIterator[Any]:
        return atransform_run(self, input, config, _same_chunks)
