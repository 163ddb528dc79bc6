"""``Document``: a piece of text with metadata, as retrievers return."""

from __future__ import annotations

from typing import Any

from reference._model import Record

__all__ = ["Document"]


class Document(Record):
    """Text plus metadata."""

    _fields = (("id", None), ("metadata", {}), ("page_content", ""))
    _always = frozenset({"metadata", "page_content"})

    def __init__(
        self, page_content: str, metadata: dict[str, Any] | None = None, id: str | None = None
    ) -> None:
        self.page_content = page_content
        self.metadata = metadata or {}
        self.id = id
