"""Fake chat models for tests and examples, as langchain_core's: ``FakeListChatModel``,
``GenericFakeChatModel``, ``FakeMessagesListChatModel``, ``ParrotFakeChatModel``,
``FakeChatModel``.

(``BaseChatModel`` and ``to_messages`` live in ``_chat``; they are importable
from here too, as they were.)
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from typing import Any, Literal

from reference.language_models._base import check_options
from reference.language_models._chat import BaseChatModel, SimpleChatModel, to_messages
from reference.messages import AIMessage, AIMessageChunk, BaseMessage
from reference.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from reference.runnables._verbose import coerce_verbose

__all__ = [
    "BaseChatModel",
    "FakeChatModel",
    "FakeListChatModel",
    "FakeMessagesListChatModel",
    "GenericFakeChatModel",
    "ParrotFakeChatModel",
    "to_messages",
]


class FakeListChatModel(BaseChatModel):
    """Reply with ``responses`` in turn, cycling; ``sleep`` seconds between streamed tokens."""

    responses: list[str]
    sleep: float | None
    i: int

    def __init__(
        self,
        responses: list[str],
        sleep: float | None = None,
        name: str | None = None,
        *,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        cache: Any = None,
        rate_limiter: Any = None,
        disable_streaming: bool | Literal["tool_calling"] = False,
        verbose: Any = None,
    ) -> None:
        if not responses or not all(isinstance(r, str) for r in responses):
            raise TypeError("FakeListChatModel needs a non-empty list of str responses")
        self.verbose = coerce_verbose(verbose)
        self.cache = cache
        self.rate_limiter = rate_limiter
        self.disable_streaming = disable_streaming
        self.responses = list(responses)
        self.sleep = sleep
        self.i = 0
        self._lock = threading.Lock()
        self._init_scope(name, callbacks, tags, metadata)
        check_options(self)

    def _invocation_params(self) -> dict[str, Any]:
        return {"_type": "fake-list-chat-model", "responses": self.responses}

    def _token_delay(self) -> float | None:
        return self.sleep

    def _reply(self, messages: list[BaseMessage]) -> str:
        with self._lock:
            text = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return text


class GenericFakeChatModel(BaseChatModel):
    """Reply with the next item of ``messages`` (an iterator of ``AIMessage`` or str).

    Streamed, the reply's text is cut at whitespace, each space or newline a
    token of its own (``"a b"``: ``"a"``, ``" "``, ``"b"``), as langchain_core's
    does; then one empty token per ``additional_kwargs`` key, carrying it, but for
    ``function_call``: one per field of it, a string field cut at its commas (each
    comma a piece of its own), so the pieces add up to the call again.
    """

    messages: Iterator[AIMessage | str]

    @property
    def _llm_type(self) -> str:
        return "generic-fake-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = next(self.messages)
        message = AIMessage(reply) if isinstance(reply, str) else reply
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._generate(messages, stop=stop, run_manager=run_manager, **kwargs) \
            .generations[0].message
        if not isinstance(message, AIMessage):
            raise ValueError(f"GenericFakeChatModel streams AIMessage replies, got "
                             f"{type(message).__name__}")
        if message.content and not isinstance(message.content, str):
            raise ValueError(f"GenericFakeChatModel streams str content, got {message.content!r}")
        pieces = re.split(r"(\s)", message.content) if message.content else []
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1 and not message.additional_kwargs
            chunk = ChatGenerationChunk(message=AIMessageChunk(
                piece, id=message.id, chunk_position="last" if last else None))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        for extra in _streamed_kwargs(message.additional_kwargs):
            chunk = ChatGenerationChunk(message=AIMessageChunk(
                "", id=message.id, additional_kwargs=extra))
            if run_manager is not None:
                run_manager.on_llm_new_token("", chunk=chunk)
            yield chunk


def _streamed_kwargs(kwargs: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """``additional_kwargs`` in the pieces ``GenericFakeChatModel`` streams them in."""
    for key, value in kwargs.items():
        if key != "function_call":
            yield {key: value}
            continue
        for field, part in value.items():
            for piece in re.split(r"(,)", part) if isinstance(part, str) else [part]:
                yield {"function_call": {field: piece}}


class FakeMessagesListChatModel(BaseChatModel):
    """Reply with the messages of ``responses`` in turn, cycling (``i``: the next one).

    No ``_stream``: streamed, it yields the whole reply, no tokens (as langchain_core's).
    The reply is the list's own message object (given the run's id if it has none).
    """

    responses: list[BaseMessage]
    sleep: float | None = None
    i: int = 0

    @property
    def _llm_type(self) -> str:
        return "fake-messages-list-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        if self.sleep is not None:
            time.sleep(self.sleep)
        response = self.responses[self.i]
        self.i = self.i + 1 if self.i < len(self.responses) - 1 else 0
        return ChatResult(generations=[ChatGeneration(message=response)])


class ParrotFakeChatModel(BaseChatModel):
    """Reply with the last input message itself (whatever its type); no streaming."""

    @property
    def _llm_type(self) -> str:
        return "parrot-fake-chat-model"

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        if not messages:
            raise ValueError("messages list cannot be empty.")
        return ChatResult(generations=[ChatGeneration(message=messages[-1])])


class FakeChatModel(SimpleChatModel):
    """Reply ``"fake response"`` to anything; no streaming."""

    @property
    def _llm_type(self) -> str:
        return "fake-chat-model"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"key": "fake"}

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> str:
        return "fake response"

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage("fake response"))])
