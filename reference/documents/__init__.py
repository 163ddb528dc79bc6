"""Document type."""

from reference.documents._document import Document

__all__ = ["Document"]
