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
    formatted by ``document_prompt`` (default ``{page_content}``), joined by the separator."""
    if response_format != "content":
        raise NotImplementedError(
            "The reference's tools support response_format='content' only, got "
            f"{response_format!r}")
    prompt = document_prompt or PromptTemplate.from_template("{page_content}")

    # the signatures read as langchain_core's (render_text_description shows them)
    def func(query: str, callbacks: Callbacks = None) -> str | tuple[str, list[Document]]:
        docs = retriever.invoke(query, config={"callbacks": callbacks})
        return document_separator.join(format_document(doc, prompt) for doc in docs)

    async def afunc(query: str, callbacks: Callbacks = None) -> str | tuple[str, list[Document]]:
        docs = await retriever.ainvoke(query, config={"callbacks": callbacks})
        return document_separator.join([await aformat_document(d, prompt) for d in docs])

    tool = StructuredTool(name=name, description=description, func=func, coroutine=afunc)
    tool._arg_descriptions = {"query": "query to look up in retriever"}
    return tool
