"""Retrievers."""

from reference.retrievers._base import BaseRetriever

__all__ = ["BaseRetriever"]
