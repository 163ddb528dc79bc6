"""The built-in adapter for this project's reference engine.

It is checked like any other implementation: nothing in the oracle or checker imports it.
Failing chat models and prompts are small subclasses that raise the node's failure where they
would answer or format, after their run has started, as the langchain-core adapter does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..adapter import Capabilities, Probe
from ..model import NODE_KINDS, Node
from ._langchain_like import LangChainLikeAdapter

__all__ = ["ReferenceAdapter"]


class ReferenceAdapter(LangChainLikeAdapter):
    """The reference engine: every runnable takes constructor callbacks, tags and metadata."""

    name = "reference"
    prefix = "reference"
    version = "0.1.0"
    constructor_kwargs = frozenset(k for k in NODE_KINDS if k != "binding")
    capabilities = Capabilities(
        failing_kinds=frozenset({"lambda", "dynamic", "tool", "retriever", "chat_model",
                                 "prompt"}),
        notes={"failing_kinds": "the adapter cannot make a StrOutputParser fail (it parses "
                                "through a module function, with no method to override)"},
    )

    def __init__(self) -> None:
        super().__init__()
        self._failing_chat_model_cls: Any = _failing_chat_model_class(self._FakeListChatModel)
        self._failing_prompt_cls: Any = _failing_prompt_class(self._ChatPromptTemplate)

    def _build_node(self, node: Node, get: Callable[[str], Any],
                    handlers: Mapping[str, object], probe: Probe) -> Any:
        if node.fail and node.kind == "chat_model":
            model = self._failing_chat_model_cls(
                responses=[f"{node.label} says hi"], name=node.label,
                **self._local(node, handlers))
            model.failure = lambda: probe.failure(node.label)
            return model
        if node.fail and node.kind == "prompt":
            prompt = self._failing_prompt_cls.from_template("{input}",
                                                            **self._local(node, handlers))
            prompt.name = node.label
            prompt.failure = lambda: probe.failure(node.label)
            return prompt
        return super()._build_node(node, get, handlers, probe)


def _failing_chat_model_class(base: type) -> type:
    class FailingChatModel(base):  # type: ignore[misc]
        """Starts its run like any chat model, then raises instead of replying."""

        failure: Callable[[], BaseException]

        def _reply(self, messages: Any) -> str:
            raise self.failure()

    return FailingChatModel


def _failing_prompt_class(base: type) -> type:
    class FailingPrompt(base):  # type: ignore[misc]
        """Starts its run like any prompt, then raises instead of formatting."""

        failure: Callable[[], BaseException]

        def _format(self, input: Any, rm: Any = None) -> Any:
            raise self.failure()

        async def _aformat(self, input: Any, rm: Any = None) -> Any:
            raise self.failure()

    return FailingPrompt
