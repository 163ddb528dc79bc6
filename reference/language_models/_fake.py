"""Chat models: ``BaseChatModel`` emits the run's events, ``FakeListChatModel`` replays replies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from reference.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from reference.outputs import ChatGeneration, ChatGenerationChunk, LLMResult
from reference.prompt_values import PromptValue
from reference.runnables._base import Runnable, start_info
from reference.runnables._config import (
    RunnableConfig,
    get_async_manager,
    get_sync_manager,
    resolve_config,
)

__all__ = ["BaseChatModel", "FakeListChatModel"]


def to_messages(input: Any) -> list[BaseMessage]:
    """Accept a prompt value, a string or a list of messages, like LangChain's chat models."""
    if isinstance(input, PromptValue):
        return input.to_messages()
    if isinstance(input, str):
        return [HumanMessage(input)]
    if isinstance(input, BaseMessage):
        return [input]
    if isinstance(input, Sequence) and all(isinstance(m, BaseMessage) for m in input):
        return list(input)
    raise TypeError(
        f"A chat model takes a PromptValue, a str or a list of messages, got "
        f"{type(input).__name__}: {input!r}"
    )


class BaseChatModel(Runnable[Any, AIMessage]):
    """A chat model run: ``on_chat_model_start``, tokens when streamed, then ``on_llm_end``.

    Subclasses implement :meth:`_reply`. Streaming emits one token per
    character of the reply.
    """

    def _reply(self, messages: list[BaseMessage]) -> str:
        raise NotImplementedError

    def _invocation_params(self) -> dict[str, Any]:
        return {"_type": type(self).__name__}

    def _tokens(self, text: str) -> list[str]:
        return list(text)

    def _token_delay(self) -> float | None:
        return None

    def _start_kwargs(self, cfg: RunnableConfig) -> tuple[dict[str, Any], dict[str, Any]]:
        ser, name, run_id = start_info(self, cfg)
        return ser, {
            "run_id": run_id,
            "name": name,
            "invocation_params": self._invocation_params(),
            "batch_size": 1,
        }

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        cfg, trusted = resolve_config(config)
        mgr = get_sync_manager(cfg, trusted, self._local)
        ser, kw = self._start_kwargs(cfg)
        (rm,) = mgr.on_chat_model_start(ser, [messages], **kw)
        try:
            msg = AIMessage(self._reply(messages), id=f"run-{rm.run_id}-0")
        except BaseException as e:
            rm.on_llm_error(e)
            raise
        rm.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]))
        return msg

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, kw = self._start_kwargs(cfg)
        (rm,) = await mgr.on_chat_model_start(ser, [messages], **kw)
        try:
            msg = AIMessage(self._reply(messages), id=f"run-{rm.run_id}-0")
        except BaseException as e:
            await rm.on_llm_error(e)
            raise
        await rm.on_llm_end(LLMResult(generations=[[ChatGeneration(message=msg)]]))
        return msg

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        messages = to_messages(input)
        cfg, trusted = resolve_config(config)
        mgr = get_sync_manager(cfg, trusted, self._local)
        ser, kw = self._start_kwargs(cfg)
        (rm,) = mgr.on_chat_model_start(ser, [messages], **kw)
        delay = self._token_delay()
        try:
            msg_id = f"run-{rm.run_id}-0"
            text = self._reply(messages)
            for token in self._tokens(text):
                if delay:
                    time.sleep(delay)
                chunk = AIMessageChunk(token, id=msg_id)
                rm.on_llm_new_token(token, chunk=ChatGenerationChunk(message=chunk))
                yield chunk
        except BaseException as e:
            rm.on_llm_error(e)
            raise
        final = AIMessage(text, id=msg_id)
        rm.on_llm_end(LLMResult(generations=[[ChatGeneration(message=final)]]))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        messages = to_messages(input)
        cfg, trusted = resolve_config(config)
        mgr = get_async_manager(cfg, trusted, self._local)
        ser, kw = self._start_kwargs(cfg)
        (rm,) = await mgr.on_chat_model_start(ser, [messages], **kw)
        delay = self._token_delay()
        try:
            msg_id = f"run-{rm.run_id}-0"
            text = self._reply(messages)
            for token in self._tokens(text):
                if delay:
                    await asyncio.sleep(delay)
                chunk = AIMessageChunk(token, id=msg_id)
                await rm.on_llm_new_token(token, chunk=ChatGenerationChunk(message=chunk))
                yield chunk
        except BaseException as e:
            await rm.on_llm_error(e)
            raise
        final = AIMessage(text, id=msg_id)
        await rm.on_llm_end(LLMResult(generations=[[ChatGeneration(message=final)]]))


class FakeListChatModel(BaseChatModel):
    """Reply with ``responses`` in turn, cycling; ``sleep`` seconds between streamed tokens."""

    def __init__(
        self,
        responses: list[str],
        sleep: float | None = None,
        name: str | None = None,
        *,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if not responses or not all(isinstance(r, str) for r in responses):
            raise TypeError("FakeListChatModel needs a non-empty list of str responses")
        self.responses = list(responses)
        self.sleep = sleep
        self.i = 0
        self._lock = threading.Lock()
        self._init_scope(name, callbacks, tags, metadata)

    def _invocation_params(self) -> dict[str, Any]:
        return {"_type": "fake-list-chat-model", "responses": self.responses}

    def _token_delay(self) -> float | None:
        return self.sleep

    def _reply(self, messages: list[BaseMessage]) -> str:
        with self._lock:
            text = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return text
