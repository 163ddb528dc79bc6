"""Chat models: ``BaseChatModel`` emits the run's events, ``FakeListChatModel`` replays replies."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from functools import partial
from typing import Any

from reference.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage
from reference.outputs import ChatGeneration, ChatGenerationChunk, LLMResult
from reference.prompt_values import PromptValue
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import ACHAT, CHAT, arun, astream_run, run, stream_run
from reference.runnables._streams import aclosing_stream

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

    def _start_extra(self) -> dict[str, Any]:
        return {"invocation_params": self._invocation_params(), "batch_size": 1}

    def _generate(self, messages: list[BaseMessage], frame: RunFrame) -> AIMessage:
        return AIMessage(self._reply(messages), id=f"run-{frame.run_id}-0")

    async def _agenerate(self, messages: list[BaseMessage], frame: RunFrame) -> AIMessage:
        return self._generate(messages, frame)

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        return run(self, self._generate, messages, config, CHAT, payload=[messages],
                   extra=self._start_extra(), report=_result)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        return await arun(self, self._agenerate, messages, config, ACHAT, payload=[messages],
                          extra=self._start_extra(), report=_result)

    def _chunks(self, messages: list[BaseMessage], frame: RunFrame) -> Iterator[AIMessageChunk]:
        rm = frame.run_manager
        delay = self._token_delay()
        msg_id = f"run-{frame.run_id}-0"
        for token in self._tokens(self._reply(messages)):
            if delay:
                time.sleep(delay)
            chunk = AIMessageChunk(token, id=msg_id)
            # A chat model's tokens: silenced by ignore_chat_model too (the whole run is).
            rm._emit("on_chat_model_new_token", (token,),
                     {"chunk": ChatGenerationChunk(message=chunk)})
            yield chunk

    async def _achunks(
        self, messages: list[BaseMessage], frame: RunFrame
    ) -> AsyncIterator[AIMessageChunk]:
        rm = frame.run_manager
        delay = self._token_delay()
        msg_id = f"run-{frame.run_id}-0"
        for token in self._tokens(self._reply(messages)):
            if delay:
                await asyncio.sleep(delay)
            chunk = AIMessageChunk(token, id=msg_id)
            await rm._aemit("on_chat_model_new_token", (token,),
                            {"chunk": ChatGenerationChunk(message=chunk)})
            yield chunk

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        messages = to_messages(input)
        yield from stream_run(self, messages, config, partial(self._chunks, messages), CHAT,
                              payload=[messages], extra=self._start_extra(),
                              report=_streamed_result)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        messages = to_messages(input)
        stream = astream_run(self, messages, config, partial(self._achunks, messages), ACHAT,
                             payload=[messages], extra=self._start_extra(),
                             report=_streamed_result)
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk


def _result(message: AIMessage) -> LLMResult:
    return LLMResult(generations=[[ChatGeneration(message=message)]])


def _streamed_result(chunks: list[AIMessageChunk]) -> LLMResult:
    text = "".join(c.text for c in chunks)
    return _result(AIMessage(text, id=chunks[0].id if chunks else None))


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
