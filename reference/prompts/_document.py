"""``format_document`` / ``aformat_document``: a document's text and metadata as a prompt's
variables, formatted to a str (no run: a plain function, as langchain_core's)."""

from __future__ import annotations

from typing import Any

from reference.documents import Document

__all__ = ["aformat_document", "format_document"]

_TROUBLESHOOTING = (
    "\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langchain/errors/INVALID_PROMPT_INPUT "
)


def _document_info(doc: Document, prompt: Any) -> dict[str, Any]:
    """``page_content`` and the metadata, restricted to the prompt's variables; a variable
    neither provides is a ValueError naming the metadata the prompt needs."""
    info = {"page_content": doc.page_content, **doc.metadata}
    missing = set(prompt.input_variables).difference(info)
    if missing:
        required = [v for v in prompt.input_variables if v != "page_content"]
        raise ValueError(
            f"Document prompt requires documents to have metadata variables: {required}. "
            f"Received document with missing metadata: {list(missing)}." + _TROUBLESHOOTING
        )
    return {k: info[k] for k in prompt.input_variables}


def format_document(doc: Document, prompt: Any) -> str:
    """``prompt.format`` of the document's variables."""
    return prompt.format(**_document_info(doc, prompt))  # type: ignore[no-any-return]


async def aformat_document(doc: Document, prompt: Any) -> str:
    """``prompt.aformat`` of the document's variables."""
    return await prompt.aformat(**_document_info(doc, prompt))  # type: ignore[no-any-return]
