"""``langchain_core.documents.transformers``'s ``BaseDocumentTransformer``, at the same path."""

from reference.documents._transformers import BaseDocumentTransformer

__all__ = ["BaseDocumentTransformer"]
