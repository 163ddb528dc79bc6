"""``langchain_core.documents.compressor``'s ``BaseDocumentCompressor``, at the same path."""

from reference.documents._transformers import BaseDocumentCompressor

__all__ = ["BaseDocumentCompressor"]
