"""Chat models: ``BaseChatModel`` runs one ``chat_model`` run per call, whichever contract a
subclass implements.

- langchain_core's: ``_generate(messages, stop=None, run_manager=None, **kwargs)``
  returns a ``ChatResult``; optionally ``_stream`` yields ``ChatGenerationChunk``s
  (and ``_agenerate`` / ``_astream`` their async twins). As in langchain_core, a
  model streams only if it implements ``_stream``/``_astream``: each chunk is an
  ``on_llm_new_token``, and if the last one is not marked ``chunk_position="last"``
  an empty token follows; without them ``stream`` yields the ``invoke`` result.
  ``invoke`` itself streams (token events, the streamed message id) under a handler that
  taps streams (``astream_events``, ``astream_log``) or when asked (``_stream_choice``).
- ``SimpleChatModel``'s: ``_call(messages, stop=None, run_manager=None, **kwargs)``
  returns the reply's text.
- The reference's own: ``_reply(messages)`` returns the reply's text; streamed
  one token per ``_tokens`` item (a character), ``_token_delay`` seconds apart.

The run starts with ``on_chat_model_start(serialized, [messages], ...)`` and
ends with ``on_llm_end`` (an ``LLMResult``: the ``ChatResult``'s generations, or
the streamed chunks added up) or ``on_llm_error``. A model with a ``cache`` (or a
global one) or a ``rate_limiter`` consults them inside the run (``_cache``).
"""

from __future__ import annotations

import asyncio
import contextvars
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, cast

from reference.globals import _settings
from reference.language_models._base import BaseLanguageModel
from reference.language_models._cache import achat_cached, chat_cached
from reference.language_models._generate import (
    aanswer,
    afinish,
    answer,
    aopen_runs,
    call_configs,
    finish,
    open_runs,
    run_info,
)
from reference.language_models._ls_params import (
    CHAT_INTEGRATION,
    LangSmithParams,
    default_ls_params,
    run_local,
)
from reference.language_models._options import with_options
from reference.language_models._runs import (
    ACHAT,
    CHAT,
    NO_CHUNKS,
    added_up,
    no_chunks_error,
    streamed_result,
)
from reference.language_models._stream_choice import streams_call
from reference.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    convert_to_messages,
    message_chunk_to_message,
)
from reference.messages._merge import merge_dicts
from reference.outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    ChatResult,
    LLMResult,
)
from reference.prompt_values import PromptValue
from reference.runnables._config import Local, RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import aclosing_stream

if TYPE_CHECKING:
    from uuid import UUID

    from reference.callbacks import Callbacks
    from reference.rate_limiters import BaseRateLimiter

__all__ = ["BaseChatModel", "SimpleChatModel", "to_messages"]

_DONE: Any = object()


def to_messages(input: Any) -> list[BaseMessage]:
    """Accept a prompt value, a string or a list of messages (or of what ``convert_to_messages``
    takes), like LangChain's chat models. A bare message is refused, as LangChain refuses it:
    a chain that feeds one to a model is mistyped."""
    if isinstance(input, PromptValue):
        return input.to_messages()
    if isinstance(input, str):
        return [HumanMessage(input)]
    if isinstance(input, Sequence) and not isinstance(input, BaseMessage):
        if all(isinstance(m, BaseMessage) for m in input):
            return list(input)
        # (role, content) pairs, role dicts, strings: as langchain_core's models convert them
        return convert_to_messages(input)
    raise ValueError(
        f"A chat model takes a PromptValue, a str or a list of messages, got "
        f"{type(input).__name__}: {input!r}"
    )


def _message_list(messages: Any) -> list[BaseMessage]:
    """One input of ``generate``: a list of messages, as given."""
    if isinstance(messages, Sequence) and not isinstance(messages, str) and all(
            isinstance(m, BaseMessage) for m in messages):
        return list(messages)
    raise TypeError(
        f"A chat model's generate takes a list of message lists (list[list[BaseMessage]]); "
        f"got an item {type(messages).__name__}: {messages!r}"
    )


def _stream_id(frame: RunFrame) -> str:
    """The id of a run's streamed chunks (those the model gave none)."""
    return f"lc_run--{frame.run_id}"


def _message_id(frame: RunFrame, index: int = 0) -> str:
    """The id of a run's ``index``-th generated message (if the model gave it none)."""
    return f"lc_run--{frame.run_id}-{index}"


class BaseChatModel(BaseLanguageModel):
    """A chat model run: ``on_chat_model_start``, tokens when streamed, then ``on_llm_end``.

    Subclasses implement ``_generate`` (and ``_stream``), as for langchain_core,
    or the reference's ``_reply``; see the module docstring. Annotated fields
    are constructor keywords, with ``name``, ``callbacks``, ``tags``, ``metadata``,
    ``cache``, ``rate_limiter`` (acquired before each generation, after the start event) and
    ``disable_streaming`` (``True``, or ``"tool_calling"`` for calls given ``tools``: the
    call never streams, see ``_stream_choice``).
    """

    @property
    def OutputType(self) -> Any:
        """A message."""
        from reference.messages import AnyMessage

        return AnyMessage

    _constructor_scope = True
    rate_limiter: BaseRateLimiter | None = None
    disable_streaming: bool | Literal["tool_calling"] = False

    # -- what subclasses implement ------------------------------------------------------------

    def _reply(self, messages: list[BaseMessage]) -> str:
        raise NotImplementedError(
            f"{type(self).__name__} must implement _generate (langchain_core's contract) "
            "or _reply"
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        """The reply to ``messages`` (here: ``_reply``'s text as one generation)."""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        """Async ``_generate``; the default runs ``_generate`` in a worker thread."""
        ctx = contextvars.copy_context()
        sync_rm = run_manager.get_sync() if run_manager is not None else None
        call = partial(ctx.run, self._generate, messages, stop=stop, run_manager=sync_rm,
                       **kwargs)
        return await asyncio.get_running_loop().run_in_executor(None, call)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        """The reply in chunks (here: ``_reply``'s ``_tokens``, ``_token_delay`` apart)."""
        delay = self._token_delay()
        tokens = self._tokens(self._reply(messages))
        for i, token in enumerate(tokens):
            if delay:
                time.sleep(delay)
            yield _chunk(token, i == len(tokens) - 1)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async ``_stream``; the default iterates ``_stream`` in a worker thread."""
        if type(self)._stream is BaseChatModel._stream:  # the reference's _reply contract
            delay = self._token_delay()
            tokens = self._tokens(self._reply(messages))
            for i, token in enumerate(tokens):
                if delay:
                    await asyncio.sleep(delay)
                yield _chunk(token, i == len(tokens) - 1)
            return
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        it = self._stream(messages, stop=stop, **kwargs)
        step = partial(ctx.run, next, it, _DONE)
        while (chunk := await loop.run_in_executor(None, step)) is not _DONE:
            yield chunk

    @property
    def _llm_type(self) -> str:
        return type(self).__name__

    def _invocation_params(self) -> dict[str, Any]:
        """The model's own parameters, as its runs' ``invocation_params`` begin."""
        return {**self._identifying_params, "_type": self._llm_type}

    def _tokens(self, text: str) -> list[str]:
        return list(text)

    def _token_delay(self) -> float | None:
        return None

    # -- which contract ---------------------------------------------------------------------

    def _uses_reply(self) -> bool:
        """Whether the subclass implements the reference's ``_reply`` (not ``_generate``)."""
        return type(self)._generate is BaseChatModel._generate

    def _streams(self, async_api: bool) -> bool:
        """Whether ``stream``/``astream`` stream tokens (langchain_core: ``_stream`` is ours)."""
        cls = type(self)
        return (
            self._uses_reply()
            or cls._stream is not BaseChatModel._stream
            or (async_api and cls._astream is not BaseChatModel._astream)
        )

    # -- what the run says about the model ----------------------------------------------------

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """The ``ls_*`` metadata of a call's run (see ``language_models._ls_params``); a
        subclass overrides it to name its provider and model."""
        return default_ls_params(self, "chat", stop, kwargs)

    def _get_ls_params_with_defaults(self, stop: list[str] | None = None,
                                     **kwargs: Any) -> LangSmithParams:
        """:meth:`_get_ls_params`, with the ``ls_integration`` every chat model run has."""
        params = self._get_ls_params(stop=stop, **kwargs)
        params["ls_integration"] = CHAT_INTEGRATION
        return params

    def _run_local(self, stop: list[str] | None, kwargs: dict[str, Any]) -> Local | None:
        """The model's constructor registrations for one call's runs, its ``ls_*`` metadata
        added (computed once per call)."""
        return run_local(self, self._get_ls_params_with_defaults(stop=stop, **kwargs))

    # -- the run ----------------------------------------------------------------------------

    def _start_extra(self, stop: list[str] | None = None,
                     kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
        """The start event's keywords: the call's ``stop`` and keywords (``invoke(x, stop=...,
        temperature=...)`` or ``bind(...)``) join the model's parameters, as in langchain_core."""
        params = {**self._invocation_params(), "stop": stop, **(kwargs or {})}
        return {"invocation_params": params, "options": {"stop": stop}, "batch_size": 1}

    def _respond(self, messages: list[BaseMessage], frame: RunFrame,
                 stop: list[str] | None = None, kwargs: dict[str, Any] | None = None
                 ) -> ChatResult:
        if streams_call(self, frame, kwargs, async_api=False):
            return self._streamed_reply(messages, frame, stop, kwargs)
        if type(self)._generate is BaseChatModel._generate:  # _reply: no run manager to make
            message = AIMessage(self._reply(messages), id=_message_id(frame))
            return ChatResult(generations=[ChatGeneration(message=message)])
        return _with_id(self._generate(messages, stop=stop, run_manager=frame.run_manager,
                                       **(kwargs or {})), frame)

    async def _arespond(self, messages: list[BaseMessage], frame: RunFrame,
                        stop: list[str] | None = None, kwargs: dict[str, Any] | None = None
                        ) -> ChatResult:
        if streams_call(self, frame, kwargs, async_api=True):
            return await self._astreamed_reply(messages, frame, stop, kwargs)
        if self._uses_reply() and type(self)._agenerate is BaseChatModel._agenerate:
            return self._respond(messages, frame)  # nothing to block on: no worker thread
        return _with_id(await self._agenerate(messages, stop=stop, run_manager=frame.run_manager,
                                              **(kwargs or {})), frame)

    def _streamed_reply(self, messages: list[BaseMessage], frame: RunFrame,
                        stop: list[str] | None, kwargs: dict[str, Any] | None) -> ChatResult:
        """The reply of a call that streams (``_stream_choice``): ``_stream``'s chunks, each a
        token event of the run, added up into one message with the streamed id."""
        rm = frame.run_manager
        msg_id = _stream_id(frame)
        chunks: list[ChatGenerationChunk] = []
        last: AIMessageChunk | None = None
        for gen in self._stream(messages, stop=stop, **(kwargs or {})):
            last = _own_chunk(gen, msg_id)
            rm._emit("on_chat_model_new_token", (last.content,), {"chunk": gen})
            chunks.append(gen)
        if last is not None and last.chunk_position != "last":
            end = _closing_gen(last, msg_id)
            rm._emit("on_chat_model_new_token", ("",), {"chunk": end})
            chunks.append(end)
        return _with_id(self._from_chunks(chunks, msg_id), frame)

    async def _astreamed_reply(self, messages: list[BaseMessage], frame: RunFrame,
                               stop: list[str] | None, kwargs: dict[str, Any] | None
                               ) -> ChatResult:
        """Async :meth:`_streamed_reply` (``_astream``'s chunks)."""
        rm = frame.run_manager
        msg_id = _stream_id(frame)
        chunks: list[ChatGenerationChunk] = []
        last: AIMessageChunk | None = None
        async for gen in self._astream(messages, stop=stop, **(kwargs or {})):
            last = _own_chunk(gen, msg_id)
            await rm._aemit("on_chat_model_new_token", (last.content,), {"chunk": gen})
            chunks.append(gen)
        if last is not None and last.chunk_position != "last":
            end = _closing_gen(last, msg_id)
            await rm._aemit("on_chat_model_new_token", ("",), {"chunk": end})
            chunks.append(end)
        return _with_id(self._from_chunks(chunks, msg_id), frame)

    def _from_chunks(self, chunks: list[ChatGenerationChunk], msg_id: str) -> ChatResult:
        """A streamed reply's chunks as one generation (ValueError for none; an empty reply of
        the reference's ``_reply`` contract streams none and is an empty message)."""
        if not chunks:
            if not self._uses_reply():
                raise ValueError(NO_CHUNKS)
            return ChatResult(generations=[ChatGeneration(message=AIMessage("", id=msg_id))])
        pieces = [cast("AIMessageChunk", g.message) for g in chunks]  # checked by _own_chunk
        message = message_chunk_to_message(added_up(pieces))
        infos = [g.generation_info for g in chunks if g.generation_info]
        info = merge_dicts({}, *infos) if infos else None
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)])

    def _guarded(self) -> bool:
        """Whether a call goes through the cache and rate limiter (``chat_cached``)."""
        return (self.cache is not None or self.rate_limiter is not None
                or _settings["llm_cache"] is not None)

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        body = with_options(self._respond, stop, kwargs)
        extra = self._start_extra(stop, kwargs)
        if self._guarded():
            body = chat_cached(self, body, extra["invocation_params"])
        result = run(self, body, messages, config, CHAT, payload=[messages], extra=extra,
                     report=_result, local=self._run_local(stop, kwargs))
        return result.generations[0].message  # type: ignore[return-value]

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> AIMessage:
        messages = to_messages(input)
        body = with_options(self._arespond, stop, kwargs)
        extra = self._start_extra(stop, kwargs)
        if self._guarded():
            body = achat_cached(self, body, extra["invocation_params"])
        result = await arun(self, body, messages, config, ACHAT, payload=[messages],
                            extra=extra, report=_result, local=self._run_local(stop, kwargs))
        return result.generations[0].message  # type: ignore[return-value]

    def _chunks(self, messages: list[BaseMessage], frame: RunFrame,
                stop: list[str] | None = None, kwargs: dict[str, Any] | None = None
                ) -> Iterator[AIMessageChunk]:
        rm = frame.run_manager
        if self.rate_limiter is not None:  # streamed: no cache, the limiter all the same
            self.rate_limiter.acquire(blocking=True)
        msg_id = _stream_id(frame)
        last: AIMessageChunk | None = None
        for gen in self._stream(messages, stop=stop, **(kwargs or {})):
            last = _own_chunk(gen, msg_id)
            # A chat model's tokens: silenced by ignore_chat_model too (the whole run is).
            rm._emit("on_chat_model_new_token", (last.content,), {"chunk": gen})
            yield last
        if last is None and not self._uses_reply():
            raise no_chunks_error()
        if last is not None and last.chunk_position != "last":
            end = ChatGenerationChunk(message=_closing_chunk(msg_id))
            rm._emit("on_chat_model_new_token", ("",), {"chunk": end})
            yield end.message  # type: ignore[misc]

    async def _achunks(
        self, messages: list[BaseMessage], frame: RunFrame,
        stop: list[str] | None = None, kwargs: dict[str, Any] | None = None
    ) -> AsyncIterator[AIMessageChunk]:
        rm = frame.run_manager
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(blocking=True)
        msg_id = _stream_id(frame)
        last: AIMessageChunk | None = None
        async for gen in self._astream(messages, stop=stop, **(kwargs or {})):
            last = _own_chunk(gen, msg_id)
            await rm._aemit("on_chat_model_new_token", (last.content,), {"chunk": gen})
            yield last
        if last is None and not self._uses_reply():
            raise no_chunks_error()
        if last is not None and last.chunk_position != "last":
            end = ChatGenerationChunk(message=_closing_chunk(msg_id))
            await rm._aemit("on_chat_model_new_token", ("",), {"chunk": end})
            yield end.message  # type: ignore[misc]

    def stream(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[AIMessageChunk]:
        if not self._streams(async_api=False):
            yield self.invoke(input, config, stop=stop, **kwargs)  # type: ignore[misc]
            return
        messages = to_messages(input)
        yield from stream_run(self, messages, config,
                              with_options(self._chunks, stop, kwargs, messages), CHAT,
                              payload=[messages], extra=self._start_extra(stop, kwargs),
                              report=streamed_result, local=self._run_local(stop, kwargs))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[AIMessageChunk]:
        if not self._streams(async_api=True):
            yield await self.ainvoke(input, config, stop=stop, **kwargs)  # type: ignore[misc]
            return
        messages = to_messages(input)
        stream = astream_run(self, messages, config,
                             with_options(self._achunks, stop, kwargs, messages), ACHAT,
                             payload=[messages], extra=self._start_extra(stop, kwargs),
                             report=streamed_result, local=self._run_local(stop, kwargs))
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk

    # -- generate: the pre-Runnable API, one run per message list (``_generate`` module) ----

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        """``generate``'s ``llm_output`` from each input's (a provider merges token usage)."""
        return {}

    def _generate_result(self, results: list[ChatResult], frames: list[RunFrame]) -> LLMResult:
        return LLMResult(
            generations=[list(r.generations) for r in results],
            llm_output=self._combine_llm_outputs([r.llm_output for r in results]),
            run=run_info(frames),
        )

    def generate(
        self,
        messages: list[list[BaseMessage]],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Answer each message list in a run of its own (see ``language_models._generate``)."""
        inputs = [_message_list(m) for m in messages]
        extra = {**self._start_extra(stop, kwargs), "batch_size": len(inputs)}
        body = with_options(self._respond, stop, kwargs)
        if self._guarded():
            body = chat_cached(self, body, extra["invocation_params"])
        configs = call_configs(len(inputs), callbacks, tags, metadata, run_name, run_id)
        frames = open_runs(self, CHAT, [[m] for m in inputs], configs, extra,
                           self._run_local(stop, kwargs))
        results = finish(frames, answer(frames, body, inputs, one_run=False), _result)
        return self._generate_result(results, frames)

    async def agenerate(
        self,
        messages: list[list[BaseMessage]],
        stop: list[str] | None = None,
        callbacks: Callbacks = None,
        *,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        run_name: str | None = None,
        run_id: UUID | None = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async :meth:`generate`: the message lists are answered concurrently."""
        inputs = [_message_list(m) for m in messages]
        extra = {**self._start_extra(stop, kwargs), "batch_size": len(inputs)}
        body = with_options(self._arespond, stop, kwargs)
        if self._guarded():
            body = achat_cached(self, body, extra["invocation_params"])
        configs = call_configs(len(inputs), callbacks, tags, metadata, run_name, run_id)
        frames = await aopen_runs(self, ACHAT, [[m] for m in inputs], configs, extra,
                                  self._run_local(stop, kwargs))
        outcomes, cancelled = await aanswer(frames, body, inputs, one_run=False)
        results = await afinish(frames, outcomes, _result, cancelled)
        return self._generate_result(results, frames)

    def generate_prompt(self, prompts: list[PromptValue], stop: list[str] | None = None,
                        callbacks: Callbacks = None, **kwargs: Any) -> LLMResult:
        """:meth:`generate` on prompt values (their messages)."""
        return self.generate([p.to_messages() for p in prompts], stop=stop,
                             callbacks=callbacks, **kwargs)

    async def agenerate_prompt(self, prompts: list[PromptValue], stop: list[str] | None = None,
                               callbacks: Callbacks = None, **kwargs: Any) -> LLMResult:
        """Async :meth:`generate_prompt`."""
        return await self.agenerate([p.to_messages() for p in prompts], stop=stop,
                                    callbacks=callbacks, **kwargs)


class SimpleChatModel(BaseChatModel):
    """Subclass and implement ``_call(messages, stop=None, run_manager=None, **kwargs) -> str``."""

    def _call(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> str:
        raise NotImplementedError(f"{type(self).__name__} must implement _call")

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self._call(messages, stop=stop, run_manager=run_manager, **kwargs)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(text))])


def _chunk(token: str, last: bool) -> ChatGenerationChunk:
    return ChatGenerationChunk(
        message=AIMessageChunk(token, chunk_position="last" if last else None)
    )


def _own_chunk(gen: ChatGenerationChunk, msg_id: str) -> AIMessageChunk:
    """The chunk's message, given the run's message id if it has none (and the chunk's
    ``generation_info`` in its ``response_metadata``, as langchain_core's streams give it)."""
    message = gen.message
    if not isinstance(message, AIMessageChunk):
        raise TypeError(
            f"A chat model's _stream must yield ChatGenerationChunk(message=AIMessageChunk(...)),"
            f" got a {type(message).__name__}"
        )
    if message.id is None:
        message.id = msg_id
    if gen.generation_info:
        message.response_metadata = {**gen.generation_info, **message.response_metadata}
    return message


def _closing_gen(last: AIMessageChunk, msg_id: str) -> ChatGenerationChunk:
    """The empty ``chunk_position="last"`` chunk an invoke's stream ends with when the model's
    own last chunk lacks it (list content when the model's is a list)."""
    content: Any = "" if isinstance(last.content, str) else []
    return ChatGenerationChunk(
        message=AIMessageChunk(content, chunk_position="last", id=msg_id))


def _closing_chunk(msg_id: str) -> AIMessageChunk:
    """The empty ``chunk_position="last"`` chunk a stream adds when the model's own last chunk
    lacks it; marked, since the run's result leaves it out (langchain_core's adds up only the
    model's chunks, so its ``chunk_position`` stays ``None``)."""
    chunk = AIMessageChunk("", chunk_position="last", id=msg_id)
    chunk._closing = True  # type: ignore[attr-defined]
    return chunk


def _with_id(result: ChatResult, frame: RunFrame) -> ChatResult:
    if not isinstance(result, ChatResult) or not result.generations:
        raise TypeError(
            f"A chat model's _generate must return a ChatResult with a generation, got "
            f"{result!r}"
        )
    for i, gen in enumerate(result.generations):
        message = gen.message
        if message.id is None:
            message.id = _message_id(frame, i)
        if gen.generation_info:
            message.response_metadata = {**gen.generation_info, **message.response_metadata}
    if result.llm_output is not None and len(result.generations) == 1:
        message = result.generations[0].message
        message.response_metadata = {**result.llm_output, **message.response_metadata}
    return result


def _result(result: ChatResult) -> LLMResult:
    return LLMResult(generations=[list(result.generations)], llm_output=result.llm_output)
