"""``langchain_core.tools.retriever``'s ``create_retriever_tool``, at the same path."""

from reference.tools._retriever import create_retriever_tool

__all__ = ["create_retriever_tool"]
