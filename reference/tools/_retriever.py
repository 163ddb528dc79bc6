"""``create_retriever_tool``: a tool looking a query up in a retriever, the documents
formatted into one text; the retriever's run is the tool run's child, as langchain_core's."""

from __future__ import annotations

from typing import Any, Literal

from reference.callbacks import Callbacks
from reference.documents import Document
from reference.prompts import PromptTemplate, aformat_document, format_document
from reference.retrievers import BaseRetriever
from reference.tools._structured import StructuredTool

__all__ = ["create_retriever_tool"]


def create_retriever_tool(
    retriever: BaseRetriever,
    name: str,
    description: str,
    *,
    document_prompt: Any = None,
    document_separator: str = "\n\n",
    response_format: Literal["content", "content_and_artifact"] = "content",
) -> StructuredTool:
    """A ``StructuredTool`` taking ``query`` (a str, or ``{"query": ...}``): each document
    formatted by ``document_prompt`` (default ``{page_content}``), joined by the separator
    (with ``content_and_artifact``, the documents are the artifact)."""
    prompt = document_prompt or PromptTemplate.from_template("{page_content}")

    # the signatures read as langchain_core's (render_text_description shows them)
    def func(query: str, callbacks: Callbacks = None) -> str | tuple[str, list[Document]]:
        docs = retriever.invoke(query, config={"callbacks": callbacks})
        content = document_separator.join(format_document(doc, prompt) for doc in docs)
        return (content, docs) if response_format == "content_and_artifact" else content

    async def afunc(query: str, callbacks: Callbacks = None) -> str | tuple[str, list[Document]]:
        docs = await retriever.ainvoke(query, config={"callbacks": callbacks})
        content = document_separator.join([await aformat_document(d, prompt) for d in docs])
        return (content, docs) if response_format == "content_and_artifact" else content

    tool = StructuredTool(name=name, description=description, func=func, coroutine=afunc,
                          response_format=response_format)
    tool._arg_descriptions = {"query": "query to look up in retriever"}
    return tool
