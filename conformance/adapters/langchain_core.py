"""The built-in adapter for langchain-core (the real thing), any release line from 0.2 on."""

from __future__ import annotations

from importlib import metadata

from ..adapter import AdapterError, Capabilities
from ._langchain_like import LangChainLikeAdapter

__all__ = ["LangChainCoreAdapter"]


class LangChainCoreAdapter(LangChainLikeAdapter):
    """langchain-core: constructor callbacks exist on chat models, tools and retrievers only."""

    name = "langchain_core"
    prefix = "langchain_core"
    constructor_kwargs = frozenset({"chat_model", "tool"})
    capabilities = Capabilities(
        constructor_callbacks=frozenset({"chat_model", "tool"}),
        failing_kinds=frozenset({"lambda", "dynamic", "tool", "retriever"}),
        notes={
            "constructor_callbacks": "RunnableLambda, RunnableSequence, RunnableParallel, "
            "prompts, parsers and retrievers take no callbacks= argument in langchain-core",
            "failing_kinds": "FakeListChatModel cannot be told to fail",
        },
    )

    def __init__(self) -> None:
        try:
            self.version = metadata.version("langchain-core")
        except metadata.PackageNotFoundError:
            raise AdapterError(
                "langchain_core is not installed: pip install 'callback-conformance[langchain]' "
                "(or pip install langchain-core)"
            ) from None
        super().__init__()
