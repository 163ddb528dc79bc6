"""A handler that prints chain starts and ends, used by ``verbose=True``."""

from __future__ import annotations

from typing import Any

from reference.callbacks._handlers import BaseCallbackHandler

__all__ = ["StdOutCallbackHandler"]


class StdOutCallbackHandler(BaseCallbackHandler):
    """Print a line when a chain-type run starts or ends."""

    def on_chain_start(self, serialized: dict[str, Any], inputs: Any, **kwargs: Any) -> None:
        name = kwargs.get("name") or (serialized or {}).get("name", "<unknown>")
        print(f"\n\n> Entering new {name} chain...")

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        print("\n> Finished chain.")
