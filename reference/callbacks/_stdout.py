"""Handlers that print: chain starts and ends (``verbose=True``), and streamed tokens."""

from __future__ import annotations

import sys
from typing import Any

from reference.callbacks._handlers import BaseCallbackHandler

__all__ = ["StdOutCallbackHandler", "StreamingStdOutCallbackHandler"]


class StdOutCallbackHandler(BaseCallbackHandler):
    """Print a line when a chain-type run starts or ends."""

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        name = kwargs.get("name") or (serialized or {}).get("name", "<unknown>")
        print(f"\n\n> Entering new {name} chain...")

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        print("\n> Finished chain.")


class StreamingStdOutCallbackHandler(BaseCallbackHandler):
    """Write each streamed token to stdout as it arrives (flushed, no newline)."""

    def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
        sys.stdout.write(token)
        sys.stdout.flush()
