"""Document type and the bases of document transformers and compressors."""

from reference.documents._document import Document
from reference.documents._transformers import BaseDocumentCompressor, BaseDocumentTransformer

__all__ = ["BaseDocumentCompressor", "BaseDocumentTransformer", "Document"]
