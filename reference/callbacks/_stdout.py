"""Handlers that print: chain starts and ends, tool outputs, agent steps and ``on_text``
(``StdOutCallbackHandler``, what ``verbose=True`` adds to a run), and streamed tokens."""

from __future__ import annotations

import sys
from typing import Any

from reference.callbacks._handlers import BaseCallbackHandler
from reference.callbacks._text import print_text

__all__ = ["StdOutCallbackHandler", "StreamingStdOutCallbackHandler"]

#: Bold on, and the style reset, around the chain lines.
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


class StdOutCallbackHandler(BaseCallbackHandler):
    """Print chain starts and ends (bold), a tool's output, agent logs and ``on_text``'s text,
    in the colour the event carries, else ``color`` (none: plain), as langchain_core prints
    them. Model runs print nothing."""

    def __init__(self, color: str | None = None) -> None:
        self.color = color

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        if "name" in kwargs:  # even ``None``, which prints as such
            name = kwargs["name"]
        elif serialized:
            name = serialized.get("name", serialized.get("id", ["<unknown>"])[-1])
        else:
            name = "<unknown>"
        print(f"\n\n{_BOLD}> Entering new {name} chain...{_RESET}")

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        print(f"\n{_BOLD}> Finished chain.{_RESET}")

    def on_tool_end(self, output: Any, color: str | None = None,
                    observation_prefix: str | None = None, llm_prefix: str | None = None,
                    **kwargs: Any) -> None:
        if observation_prefix is not None:
            print_text(f"\n{observation_prefix}")
        print_text(str(output), color=color or self.color)
        if llm_prefix is not None:
            print_text(f"\n{llm_prefix}")

    def on_text(self, text: str, color: str | None = None, end: str = "",
                **kwargs: Any) -> None:
        print_text(text, color=color or self.color, end=end)

    def on_agent_action(self, action: Any, color: str | None = None, **kwargs: Any) -> Any:
        print_text(action.log, color=color or self.color)

    def on_agent_finish(self, finish: Any, color: str | None = None, **kwargs: Any) -> None:
        print_text(finish.log, color=color or self.color, end="\n")


class StreamingStdOutCallbackHandler(BaseCallbackHandler):
    """Write each streamed token to stdout as it arrives (flushed, no newline)."""

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        sys.stdout.write(token)
        sys.stdout.flush()
