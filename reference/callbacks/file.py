"""``langchain_core.callbacks.file``: ``FileCallbackHandler``, the stdout handler's lines
written to a file.

Chain starts and ends, tool outputs (between the optional observation and LLM prefixes
an agent passes) and ``on_text`` are written, each flushed at once. The file is opened
by the constructor (mode ``"a"`` unless told) and closed by ``close()``, on leaving a
``with`` block or when the handler is collected; used outside a ``with`` block it warns
once per process (``PendingDeprecationWarning``), as langchain_core does. Writing after
``close()`` raises ``RuntimeError`` (contained as any handler error). Agent actions are
not offered: the reference has no agents.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Self, TextIO, cast

from reference.callbacks._handlers import BaseCallbackHandler
from reference.callbacks._text import print_text

__all__ = ["FileCallbackHandler"]

_warned = False


class FileCallbackHandler(BaseCallbackHandler):
    """Write what ``StdOutCallbackHandler`` prints to ``filename`` instead."""

    def __init__(self, filename: str, mode: str = "a", color: str | None = None) -> None:
        self.filename = filename
        self.mode = mode
        self.color = color
        self._in_context = False
        self.file: TextIO = cast(TextIO, Path(filename).open(mode, encoding="utf-8"))  # noqa: SIM115

    def __enter__(self) -> Self:
        self._in_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (again is harmless)."""
        file = getattr(self, "file", None)
        if file is not None and not file.closed:
            file.close()

    def _write(self, text: str, color: str | None = None, end: str = "") -> None:
        global _warned
        if not self._in_context and not _warned:
            _warned = True
            warnings.warn(
                "Using FileCallbackHandler without a context manager is deprecated. Use "
                "'with FileCallbackHandler(...) as handler:' instead.",
                PendingDeprecationWarning, stacklevel=2)
        if self.file.closed:
            raise RuntimeError(
                "File is not open. Use FileCallbackHandler as a context manager.")
        print_text(text, color=color, end=end, file=self.file)

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        serialized = serialized or {}
        name = (kwargs.get("name")
                or serialized.get("name", serialized.get("id", ["<unknown>"])[-1])
                or "<unknown>")
        self._write(f"\n\n> Entering new {name} chain...", end="\n")

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        self._write("\n> Finished chain.", end="\n")

    def on_tool_end(self, output: Any, color: str | None = None,
                    observation_prefix: str | None = None, llm_prefix: str | None = None,
                    **kwargs: Any) -> None:
        if observation_prefix is not None:
            self._write(f"\n{observation_prefix}")
        self._write(str(output))
        if llm_prefix is not None:
            self._write(f"\n{llm_prefix}")

    def on_text(self, text: str, color: str | None = None, end: str = "",
                **kwargs: Any) -> None:
        self._write(text, color=color or self.color, end=end)
