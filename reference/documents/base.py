"""``langchain_core.documents.base``'s ``Document``, at the same path."""

from reference.documents._document import Document

__all__ = ["Document"]
