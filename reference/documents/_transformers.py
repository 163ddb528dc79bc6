"""The bases of document post-processing: ``BaseDocumentTransformer`` (documents in,
documents out) and ``BaseDocumentCompressor`` (documents narrowed to a query). Neither is a
runnable: they open no run of their own (a compressor passes ``callbacks`` on to what it
calls). The async methods run the sync ones in a worker thread, as langchain_core's."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Any

from reference.documents._document import Document

__all__ = ["BaseDocumentCompressor", "BaseDocumentTransformer"]


class BaseDocumentTransformer(abc.ABC):
    """Subclasses implement ``transform_documents(documents, **kwargs)``."""

    @abc.abstractmethod
    def transform_documents(self, documents: Sequence[Document], **kwargs: Any
                            ) -> Sequence[Document]:
        """The documents transformed."""

    async def atransform_documents(self, documents: Sequence[Document], **kwargs: Any
                                   ) -> Sequence[Document]:
        from reference.runnables import run_in_executor

        return await run_in_executor(None, self.transform_documents, documents, **kwargs)


class BaseDocumentCompressor(abc.ABC):
    """Subclasses implement ``compress_documents(documents, query, callbacks=None)``."""

    @abc.abstractmethod
    def compress_documents(self, documents: Sequence[Document], query: str,
                           callbacks: Any = None) -> Sequence[Document]:
        """The documents that matter for ``query``."""

    async def acompress_documents(self, documents: Sequence[Document], query: str,
                                  callbacks: Any = None) -> Sequence[Document]:
        from reference.runnables import run_in_executor

        return await run_in_executor(None, self.compress_documents, documents, query, callbacks)
