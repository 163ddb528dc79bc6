"""Token usage as chat models report it on ``AIMessage.usage_metadata``, and its arithmetic.

Counts add key by key, nested details too; a key missing on one side counts as 0.
``subtract_usage`` never goes below 0. When one side is missing (``None`` or empty)
the other is returned as it is, not copied, as langchain_core does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NotRequired, TypedDict, cast

__all__ = ["InputTokenDetails", "OutputTokenDetails", "UsageMetadata", "add_usage",
           "subtract_usage"]


class InputTokenDetails(TypedDict, total=False):
    """A breakdown of the input tokens (need not add up to ``input_tokens``)."""

    audio: int
    cache_creation: int
    cache_read: int


class OutputTokenDetails(TypedDict, total=False):
    """A breakdown of the output tokens (need not add up to ``output_tokens``)."""

    audio: int
    reasoning: int


class UsageMetadata(TypedDict):
    """A model call's token counts, the same keys whatever the provider."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: NotRequired[InputTokenDetails]
    output_token_details: NotRequired[OutputTokenDetails]


def _combine(left: dict[str, Any], right: dict[str, Any], op: Callable[[int, int], int],
             depth: int = 0) -> dict[str, Any]:
    if depth >= 100:
        raise ValueError("usage metadata nested more than 100 levels deep")
    out: dict[str, Any] = {}
    for key in {**left, **right}:
        a, b = left.get(key, 0), right.get(key, 0)
        if isinstance(a, int) and isinstance(b, int):
            out[key] = op(a, b)
            continue
        a, b = left.get(key, {}), right.get(key, {})
        if not (isinstance(a, dict) and isinstance(b, dict)):
            raise ValueError(
                f"cannot combine usage values {left.get(key)!r} and {right.get(key)!r} at "
                f"key {key!r}: only ints and dicts of them")
        out[key] = _combine(a, b, op, depth + 1)
    return out


def _apply(left: UsageMetadata | None, right: UsageMetadata | None,
           op: Callable[[int, int], int]) -> UsageMetadata:
    if not left and not right:
        return UsageMetadata(input_tokens=0, output_tokens=0, total_tokens=0)
    if not left or not right:
        return cast(UsageMetadata, left or right)
    return cast(UsageMetadata, _combine(cast(dict[str, Any], left),
                                        cast(dict[str, Any], right), op))


def add_usage(left: UsageMetadata | None, right: UsageMetadata | None) -> UsageMetadata:
    """``left + right``, key by key (zero counts when both are missing)."""
    return _apply(left, right, lambda a, b: a + b)


def subtract_usage(left: UsageMetadata | None, right: UsageMetadata | None) -> UsageMetadata:
    """``left - right``, key by key, floored at 0."""
    return _apply(left, right, lambda a, b: max(a - b, 0))


def sum_chunk_usage(left: UsageMetadata | None,
                    right: UsageMetadata | None) -> UsageMetadata | None:
    """Two message chunks' usage added: ``None`` unless the left has some or the right any."""
    if left or right is not None:
        return add_usage(left, right)
    return None
