"""Streaming: tokens per second through a streamed fake chat model with 0/1/10 handlers.

The model streams one token per character of a fixed reply; the floor is a generator yielding
the same characters with ``on_llm_new_token`` called on each handler for each.
"""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks._harness import IMPL, STREAM_HANDLERS, STREAM_TOKENS, measure


@IMPL
@pytest.mark.parametrize("handlers", STREAM_HANDLERS)
def test_streaming(benchmark: Any, engine: Any, impl: str, handlers: int) -> None:
    workload = engine.stream(STREAM_TOKENS, handlers)
    measure(benchmark, engine, workload, suite="streaming", size=handlers,
            variant=f"tokens={STREAM_TOKENS}", handlers=handlers)
    for h in workload.handlers:
        assert h.tokens >= STREAM_TOKENS, f"a handler saw {h.tokens} of {STREAM_TOKENS} tokens"
