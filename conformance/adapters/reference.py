"""The built-in adapter for this project's reference engine.

It is checked like any other implementation: nothing in the oracle or checker imports it. It is
the kit's adapter (:mod:`conformance.adapters.langchain_like`) with two failing-leaf hooks added:
failing chat models and prompts are small subclasses that raise the node's failure where they
would answer or format, after their run has started, as the langchain-core adapter does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ..model import COMPOSED_KINDS, NODE_KINDS, Node
from .langchain_like import BUILDERS, LangChainLikeAdapter, Parts

__all__ = ["ReferenceAdapter"]


def _failing_chat_model(adapter: Any, node: Node, parts: Parts) -> Any:
    cls = adapter.derived("FailingChatModel", _failing_chat_model_class)
    model = cls(responses=[f"{node.label} says hi"], name=node.label, **parts.local)
    model.failure = lambda: parts.probe.failure(node.label)
    return model


def _failing_prompt(adapter: Any, node: Node, parts: Parts) -> Any:
    prompt = adapter.derived("FailingPrompt", _failing_prompt_class).from_template(
        "{input}", **parts.local)
    prompt.name = node.label
    prompt.failure = lambda: parts.probe.failure(node.label)
    return prompt


class ReferenceAdapter(LangChainLikeAdapter):
    """The reference engine: every runnable takes constructor callbacks, tags and metadata."""

    name = "reference"
    prefix = "reference"
    version = "0.1.0"
    kinds = NODE_KINDS
    # Of the composed kinds only the LLMs take callbacks=, tags= and metadata= (RunnableBranch,
    # with_fallbacks, with_retry, map, assign, pick and RunnableGenerator do not)
    constructor_kinds = tuple(k for k in NODE_KINDS if k != "binding" and (
        k not in COMPOSED_KINDS or k in ("llm", "streaming_llm")))
    builders = {**BUILDERS,
                "chat_model": replace(BUILDERS["chat_model"], fail=_failing_chat_model),
                "prompt": replace(BUILDERS["prompt"], fail=_failing_prompt)}
    notes = {"failing_kinds": "the adapter cannot make a StrOutputParser fail (it parses "
                              "through a module function, with no method to override)"}


def _failing_chat_model_class(adapter: Any) -> type:
    base = adapter.api["FakeListChatModel"]

    class FailingChatModel(base):  # type: ignore[misc, valid-type]
        """Starts its run like any chat model, then raises instead of replying."""

        failure: Callable[[], BaseException]

        def _reply(self, messages: Any) -> str:
            raise self.failure()

    return FailingChatModel


def _failing_prompt_class(adapter: Any) -> type:
    base = adapter.api["ChatPromptTemplate"]

    class FailingPrompt(base):  # type: ignore[misc, valid-type]
        """Starts its run like any prompt, then raises instead of formatting."""

        failure: Callable[[], BaseException]

        def _format(self, input: Any, rm: Any = None) -> Any:
            raise self.failure()

        async def _aformat(self, input: Any, rm: Any = None) -> Any:
            raise self.failure()

    return FailingPrompt
