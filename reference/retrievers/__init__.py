"""Retrievers."""

from reference.retrievers._base import (
    BaseRetriever,
    RetrieverInput,
    RetrieverLike,
    RetrieverOutput,
    RetrieverOutputLike,
)

__all__ = [
    "BaseRetriever",
    "RetrieverInput",
    "RetrieverLike",
    "RetrieverOutput",
    "RetrieverOutputLike",
]
