"""The built-in adapter for this project's reference engine.

It is checked like any other implementation: nothing in the oracle or checker imports it.
"""

from __future__ import annotations

from ..adapter import Capabilities
from ..model import NODE_KINDS
from ._langchain_like import LangChainLikeAdapter

__all__ = ["ReferenceAdapter"]


class ReferenceAdapter(LangChainLikeAdapter):
    """The reference engine: every runnable takes constructor callbacks, tags and metadata."""

    name = "reference"
    prefix = "reference"
    version = "0.1.0"
    constructor_kwargs = frozenset(k for k in NODE_KINDS if k != "binding")
    capabilities = Capabilities(
        failing_kinds=frozenset({"lambda", "dynamic", "tool", "retriever"}),
        notes={"failing_kinds": "the adapter cannot make a FakeListChatModel fail"},
    )
