"""Non-chat LLMs: ``BaseLLM`` emits an ``llm`` run, ``FakeListLLM`` replays replies.

An LLM run starts with ``on_llm_start(serialized, [prompt], ...)`` (the input
rendered as one prompt string), streams tokens through ``on_llm_new_token``
when it streams, and ends with ``on_llm_end`` (an ``LLMResult`` whose first
generation's text is the reply) or ``on_llm_error``. ``invoke`` returns the
reply string. ``FakeListLLM`` does not stream (``stream`` yields the reply
whole, no token events), as langchain_core's; ``FakeStreamingListLLM`` streams
one token per character.

A subclass written for langchain_core implements ``_call(prompt, stop=None,
run_manager=None, **kwargs)`` (``LLM``) and optionally ``_stream`` yielding
``GenerationChunk``s; as in langchain_core, its ``_stream`` reports its own
tokens through the ``run_manager`` it is given, and the run ends with the
chunks added up. Annotated fields are constructor keywords, beside ``name``,
``callbacks``, ``tags``, ``metadata`` and ``cache``: with a cache (or a global
one) a prompt already answered starts no run (``_cache``).
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from reference.callbacks._run_managers import CallbackManagerForLLMRun
from reference.globals import _settings
from reference.language_models._base import BaseLanguageModel, check_options
from reference.language_models._cache import active, llm_cache, params_key
from reference.language_models._generate import (
    aanswer,
    afinish,
    answer,
    aopen_runs,
    finish,
    open_runs,
    per_prompt_configs,
    run_info,
)
from reference.language_models._ls_params import LangSmithParams, default_ls_params, run_local
from reference.language_models._options import with_options
from reference.language_models._runs import ALLM_RUN, LLM_RUN
from reference.messages import BaseMessage, convert_to_messages
from reference.outputs import Generation, GenerationChunk, LLMResult
from reference.prompt_values import PromptValue
from reference.prompt_values._values import ChatPromptValue
from reference.runnables._config import Local, RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, astream_run, run, stream_run
from reference.runnables._streams import aclosing_stream
from reference.runnables._verbose import coerce_verbose

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

__all__ = ["LLM", "BaseLLM", "FakeListLLM", "FakeStreamingListLLM"]

def to_prompt(input: Any) -> str:
    """A string, a prompt value or a list of messages, as one prompt string (like LangChain)."""
    if isinstance(input, str):
        return input
    if isinstance(input, PromptValue):
        return input.to_string()
    if isinstance(input, Sequence):
        messages = list(input) if all(isinstance(m, BaseMessage) for m in input) \
            else convert_to_messages(input)
        return ChatPromptValue(messages).to_string()
    raise ValueError(
        f"An LLM takes a str, a PromptValue or a list of messages, got "
        f"{type(input).__name__}: {input!r}"
    )


def _without_run_id(config: RunnableConfig | None) -> RunnableConfig | None:
    if config is None or "run_id" not in config:
        return config
    return cast(RunnableConfig, {k: v for k, v in config.items() if k != "run_id"})


def _generate_configs(prompts: Any, callbacks: Any, tags: Any, metadata: Any, run_name: Any,
                      run_id: Any) -> list[RunnableConfig]:
    if not isinstance(prompts, list):
        raise ValueError(
            f"An LLM's generate takes a list of prompt strings, got {type(prompts).__name__}: "
            f"{prompts!r}"
        )
    return per_prompt_configs(len(prompts), callbacks, tags, metadata, run_name, run_id)


def _generated(texts: list[str], frames: list[RunFrame]) -> LLMResult:
    return LLMResult(generations=[[Generation(text=t)] for t in texts],
                     run=run_info(frames))


def _no_run_id(config: RunnableConfig) -> RunnableConfig:
    """A cache miss's run config: ``generate``'s ``run_id`` is not used (as langchain_core's)."""
    return cast(RunnableConfig, _without_run_id(config))


def _result(text: str) -> LLMResult:
    return LLMResult(generations=[[Generation(text=text)]])


def _streamed_result(chunks: list[str]) -> LLMResult:
    return _result("".join(chunks))


def _chunks_result(chunks: list[str]) -> LLMResult:
    """A custom ``_stream``'s end: its chunks added up, as one ``GenerationChunk``."""
    return LLMResult(generations=[[GenerationChunk(text="".join(chunks))]])


_DONE: Any = object()


class BaseLLM(BaseLanguageModel):
    """An LLM run around :meth:`_reply`; subclasses set :attr:`streams` to stream tokens,
    or implement langchain_core's ``_stream``."""

    @property
    def OutputType(self) -> Any:
        """The completion's text."""
        return str

    _constructor_scope = True
    #: Whether ``stream``/``astream`` emit one token per character (else the reply whole).
    streams: ClassVar[bool] = False

    def _stream(
        self, prompt: str, stop: list[str] | None = None, run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[GenerationChunk]:
        """langchain_core's streaming contract: chunks of the reply, tokens reported by it."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _stream")

    def _own_stream(self) -> bool:
        return type(self)._stream is not BaseLLM._stream

    def _custom_chunks(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                       kwargs: dict[str, Any] | None = None) -> Iterator[str]:
        for chunk in self._stream(prompt, stop=stop, run_manager=frame.run_manager,
                                  **(kwargs or {})):
            yield chunk.text

    async def _acustom_chunks(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                              kwargs: dict[str, Any] | None = None) -> AsyncIterator[str]:
        # Like langchain_core: the sync _stream, stepped in a worker thread with a sync manager.
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        it = self._stream(prompt, stop=stop, run_manager=frame.run_manager.get_sync(),
                          **(kwargs or {}))
        step = partial(ctx.run, next, it, _DONE)
        while (chunk := await loop.run_in_executor(None, step)) is not _DONE:
            yield chunk.text

    def _reply(self, prompt: str, frame: RunFrame) -> str:
        raise NotImplementedError(f"{type(self).__name__} must implement _reply")

    def _answer(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                kwargs: dict[str, Any] | None = None) -> str:
        """The reply to a call with ``stop`` and keywords (the reference's ``_reply`` takes
        neither; ``LLM`` hands them to ``_call``)."""
        return self._reply(prompt, frame)

    @property
    def _llm_type(self) -> str:
        return type(self).__name__

    def _invocation_params(self) -> dict[str, Any]:
        """The model's own parameters, as its runs' ``invocation_params`` begin."""
        return {**self._identifying_params, "_type": self._llm_type}

    def _token_delay(self) -> float | None:
        return None

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        """The ``ls_*`` metadata of a call's runs (see ``language_models._ls_params``); a
        subclass overrides it to name its provider and model."""
        return default_ls_params(self, "llm", stop, kwargs)

    def _run_local(self, stop: list[str] | None, kwargs: dict[str, Any]) -> Local | None:
        """The model's constructor registrations for one call's runs, its ``ls_*`` metadata
        added (computed once per call)."""
        return run_local(self, self._get_ls_params_with_defaults(stop=stop, **kwargs))

    def _start_extra(self, stop: list[str] | None = None) -> dict[str, Any]:
        """The start event's keywords: the call's ``stop`` joins the model's parameters (a
        call's other keywords reach ``_call`` only, as in langchain_core)."""
        return {
            "invocation_params": {**self._invocation_params(), "stop": stop},
            "options": {"stop": stop},
            "batch_size": 1,
        }

    # -- invoke -----------------------------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, *,
               stop: list[str] | None = None, **kwargs: Any) -> str:
        prompt = to_prompt(input)
        if (self.cache is not None or _settings["llm_cache"] is not None) \
                and self.cache is not False:
            return self._cached_invoke(prompt, config, stop, kwargs)
        body = self._reply if stop is None and not kwargs else partial(
            self._answer, stop=stop, kwargs=kwargs)
        return run(self, body, prompt, config, LLM_RUN, payload=[prompt],
                   extra=self._start_extra(stop), report=_result,
                   local=self._run_local(stop, kwargs))

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> str:
        prompt = to_prompt(input)
        if (self.cache is not None or _settings["llm_cache"] is not None) \
                and self.cache is not False:
            return await self._acached_invoke(prompt, config, stop, kwargs)
        body = with_options(self._areply, stop, kwargs)
        return await arun(self, body, prompt, config, ALLM_RUN, payload=[prompt],
                          extra=self._start_extra(stop), report=_result,
                          local=self._run_local(stop, kwargs))

    def _cached_invoke(self, prompt: str, config: RunnableConfig | None,
                       stop: list[str] | None, kwargs: dict[str, Any]) -> str:
        """``invoke`` with a cache: a hit starts no run; a miss runs (without the config's
        ``run_id``, as langchain_core's) and is stored."""
        cache = llm_cache(self.cache)
        llm_string = params_key({**self._invocation_params(), "stop": stop})
        if cache is not None:
            hit = cache.lookup(prompt, llm_string)
            if isinstance(hit, list):
                return str(hit[0].text)
        body = self._reply if stop is None and not kwargs else partial(
            self._answer, stop=stop, kwargs=kwargs)
        text = run(self, body, prompt, _without_run_id(config), LLM_RUN, payload=[prompt],
                   extra=self._start_extra(stop), report=_result,
                   local=self._run_local(stop, kwargs))
        if cache is not None:
            cache.update(prompt, llm_string, [Generation(text=text)])
        return text

    async def _acached_invoke(self, prompt: str, config: RunnableConfig | None,
                              stop: list[str] | None, kwargs: dict[str, Any]) -> str:
        """Async :meth:`_cached_invoke`."""
        cache = llm_cache(self.cache)
        llm_string = params_key({**self._invocation_params(), "stop": stop})
        if cache is not None:
            hit = await cache.alookup(prompt, llm_string)
            if isinstance(hit, list):
                return str(hit[0].text)
        text = await arun(self, with_options(self._areply, stop, kwargs), prompt,
                          _without_run_id(config), ALLM_RUN, payload=[prompt],
                          extra=self._start_extra(stop), report=_result,
                          local=self._run_local(stop, kwargs))
        if cache is not None:
            await cache.aupdate(prompt, llm_string, [Generation(text=text)])
        return text

    async def _areply(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                      kwargs: dict[str, Any] | None = None) -> str:
        return self._answer(prompt, frame, stop, kwargs)

    # -- generate: the pre-Runnable API, one run per prompt (``_generate`` module) ----------

    def generate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        callbacks: Any = None,
        *,
        tags: Any = None,
        metadata: Any = None,
        run_name: Any = None,
        run_id: Any = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Answer each prompt in a run of its own (see ``language_models._generate``);
        ``callbacks``, ``tags``, ``metadata``, ``run_name`` and ``run_id`` may be given per
        prompt, as lists. With a cache, a prompt already answered starts no run. The runs
        carry the ``ls_*`` metadata only if ``metadata`` is given (a dict or a list), as in
        langchain_core (whose ``invoke`` always gives one)."""
        configs = _generate_configs(prompts, callbacks, tags, metadata, run_name, run_id)
        body = self._reply if stop is None and not kwargs else partial(
            self._answer, stop=stop, kwargs=kwargs)
        local = self._run_local(stop, kwargs) if isinstance(metadata, (dict, list)) else None
        if not active(self.cache):
            texts, frames = self._run_prompts(prompts, configs, body, stop, local)
            return _generated(texts, frames)
        cache = llm_cache(self.cache)
        llm_string = params_key({**self._invocation_params(), "stop": stop})
        hits = [None if cache is None else cache.lookup(p, llm_string) for p in prompts]
        missing = [i for i, hit in enumerate(hits) if not isinstance(hit, list)]
        if not missing:
            return LLMResult(generations=cast(list[list[Generation]], hits), llm_output={})
        texts, frames = self._run_prompts(
            [prompts[i] for i in missing], [_no_run_id(configs[i]) for i in missing],
            body, stop, local)
        for i, text in zip(missing, texts, strict=True):
            hits[i] = gens = [Generation(text=text)]
            if cache is not None:
                cache.update(prompts[i], llm_string, gens)
        return LLMResult(generations=cast(list[list[Generation]], hits),
                         run=run_info(frames))

    def _run_prompts(self, prompts: list[str], configs: list[RunnableConfig],
                     body: Callable[[str, RunFrame], str], stop: list[str] | None,
                     local: Local | None) -> tuple[list[str], list[RunFrame]]:
        extra = {**self._start_extra(stop), "batch_size": len(prompts)}
        frames = open_runs(self, LLM_RUN, [[p] for p in prompts], configs, extra, local)
        return finish(frames, answer(frames, body, prompts, one_run=True), _result), frames

    async def agenerate(
        self,
        prompts: list[str],
        stop: list[str] | None = None,
        callbacks: Any = None,
        *,
        tags: Any = None,
        metadata: Any = None,
        run_name: Any = None,
        run_id: Any = None,
        **kwargs: Any,
    ) -> LLMResult:
        """Async :meth:`generate` (the prompts answered one after another, as there)."""
        configs = _generate_configs(prompts, callbacks, tags, metadata, run_name, run_id)
        body = with_options(self._areply, stop, kwargs)
        local = self._run_local(stop, kwargs) if isinstance(metadata, (dict, list)) else None
        if not active(self.cache):
            texts, frames = await self._arun_prompts(prompts, configs, body, stop, local)
            return _generated(texts, frames)
        cache = llm_cache(self.cache)
        llm_string = params_key({**self._invocation_params(), "stop": stop})
        hits = [None if cache is None else await cache.alookup(p, llm_string) for p in prompts]
        missing = [i for i, hit in enumerate(hits) if not isinstance(hit, list)]
        if not missing:
            return LLMResult(generations=cast(list[list[Generation]], hits), llm_output={})
        texts, frames = await self._arun_prompts(
            [prompts[i] for i in missing], [_no_run_id(configs[i]) for i in missing],
            body, stop, local)
        for i, text in zip(missing, texts, strict=True):
            hits[i] = gens = [Generation(text=text)]
            if cache is not None:
                await cache.aupdate(prompts[i], llm_string, gens)
        return LLMResult(generations=cast(list[list[Generation]], hits),
                         run=run_info(frames))

    async def _arun_prompts(
        self, prompts: list[str], configs: list[RunnableConfig],
        body: Callable[[str, RunFrame], Coroutine[Any, Any, str]], stop: list[str] | None,
        local: Local | None,
    ) -> tuple[list[str], list[RunFrame]]:
        extra = {**self._start_extra(stop), "batch_size": len(prompts)}
        frames = await aopen_runs(self, ALLM_RUN, [[p] for p in prompts], configs, extra,
                                  local)
        outcomes, cancelled = await aanswer(frames, body, prompts, one_run=True)
        return await afinish(frames, outcomes, _result, cancelled), frames

    def generate_prompt(self, prompts: list[PromptValue], stop: list[str] | None = None,
                        callbacks: Any = None, **kwargs: Any) -> LLMResult:
        """:meth:`generate` on prompt values (their strings)."""
        return self.generate([p.to_string() for p in prompts], stop=stop, callbacks=callbacks,
                             **kwargs)

    async def agenerate_prompt(self, prompts: list[PromptValue], stop: list[str] | None = None,
                               callbacks: Any = None, **kwargs: Any) -> LLMResult:
        """Async :meth:`generate_prompt`."""
        return await self.agenerate([p.to_string() for p in prompts], stop=stop,
                                    callbacks=callbacks, **kwargs)

    # -- streaming ----------------------------------------------------------------------------

    def _chunks(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                kwargs: dict[str, Any] | None = None) -> Iterator[str]:
        rm = frame.run_manager
        delay = self._token_delay()
        for token in self._answer(prompt, frame, stop, kwargs):
            if delay:
                time.sleep(delay)
            rm.on_llm_new_token(token, chunk=GenerationChunk(text=token))
            yield token

    async def _achunks(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                       kwargs: dict[str, Any] | None = None) -> AsyncIterator[str]:
        rm = frame.run_manager
        delay = self._token_delay()
        for token in self._answer(prompt, frame, stop, kwargs):
            if delay:
                await asyncio.sleep(delay)
            await rm.on_llm_new_token(token, chunk=GenerationChunk(text=token))
            yield token

    def stream(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> Iterator[str]:
        if self._own_stream():
            prompt = to_prompt(input)
            yield from stream_run(self, prompt, config,
                                  with_options(self._custom_chunks, stop, kwargs, prompt),
                                  LLM_RUN, payload=[prompt], extra=self._start_extra(stop),
                                  report=_chunks_result, local=self._run_local(stop, kwargs))
            return
        if not self.streams:
            yield self.invoke(input, config, stop=stop, **kwargs)
            return
        if active(self.cache):  # as langchain_core's FakeStreamingListLLM: invoke, then yield
            delay = self._token_delay()
            for char in self.invoke(input, config):
                if delay:
                    time.sleep(delay)
                yield char
            return
        prompt = to_prompt(input)
        yield from stream_run(self, prompt, config,
                              with_options(self._chunks, stop, kwargs, prompt), LLM_RUN,
                              payload=[prompt], extra=self._start_extra(stop),
                              report=_streamed_result, local=self._run_local(stop, kwargs))

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, *,
        stop: list[str] | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        if not self.streams and not self._own_stream():
            yield await self.ainvoke(input, config, stop=stop, **kwargs)
            return
        if not self._own_stream() and active(self.cache):  # see stream
            delay = self._token_delay()
            for char in await self.ainvoke(input, config):
                if delay:
                    await asyncio.sleep(delay)
                yield char
            return
        prompt = to_prompt(input)
        if self._own_stream():
            stream = astream_run(self, prompt, config,
                                 with_options(self._acustom_chunks, stop, kwargs, prompt),
                                 ALLM_RUN, payload=[prompt], extra=self._start_extra(stop),
                                 report=_chunks_result, local=self._run_local(stop, kwargs))
        else:
            stream = astream_run(self, prompt, config,
                                 with_options(self._achunks, stop, kwargs, prompt),
                                 ALLM_RUN, payload=[prompt], extra=self._start_extra(stop),
                                 report=_streamed_result, local=self._run_local(stop, kwargs))
        async with aclosing_stream(stream) as it:
            async for chunk in it:
                yield chunk


class LLM(BaseLLM):
    """Subclass and implement ``_call(prompt, stop=None, run_manager=None, **kwargs)``."""

    def _call(self, prompt: str, stop: list[str] | None = None, run_manager: Any = None,
              **kwargs: Any) -> str:
        raise NotImplementedError(f"{type(self).__name__} must implement _call")

    def _reply(self, prompt: str, frame: RunFrame) -> str:
        return self._call(prompt, stop=None, run_manager=_sync_manager(frame))

    def _answer(self, prompt: str, frame: RunFrame, stop: list[str] | None = None,
                kwargs: dict[str, Any] | None = None) -> str:
        return self._call(prompt, stop=stop, run_manager=_sync_manager(frame), **(kwargs or {}))


def _sync_manager(frame: RunFrame) -> CallbackManagerForLLMRun:
    """The run manager ``_call`` is given: a sync one in async runs too (its
    ``on_llm_new_token`` is called, not awaited), as langchain_core's ``_acall`` gives it."""
    rm = frame.run_manager
    return rm.get_sync() if frame.kind.is_async else rm  # type: ignore[no-any-return]


class FakeListLLM(LLM):
    """Reply with ``responses`` in turn, cycling (a non-chat model for tests and examples)."""

    responses: list[str]
    sleep: float | None
    i: int

    def __init__(
        self,
        responses: list[str],
        sleep: float | None = None,
        i: int = 0,
        name: str | None = None,
        *,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        cache: Any = None,
        verbose: Any = None,
    ) -> None:
        if not responses or not all(isinstance(r, str) for r in responses):
            raise TypeError(f"{type(self).__name__} needs a non-empty list of str responses")
        self.verbose = coerce_verbose(verbose)
        self.cache = cache
        self.responses = list(responses)
        self.sleep = sleep
        self.i = i
        self._lock = threading.Lock()
        self._init_scope(name, callbacks, tags, metadata)
        check_options(self)

    @property
    def _llm_type(self) -> str:
        return "fake-list"

    def _invocation_params(self) -> dict[str, Any]:
        return {"responses": self.responses, "_type": self._llm_type}

    def _token_delay(self) -> float | None:
        return self.sleep

    def _call(self, prompt: str, stop: list[str] | None = None, run_manager: Any = None,
              **kwargs: Any) -> str:
        with self._lock:
            text = self.responses[self.i]
            self.i = (self.i + 1) % len(self.responses)
        return text


class FakeStreamingListLLM(FakeListLLM):
    """``FakeListLLM`` that streams: one ``on_llm_new_token`` per character of the reply."""

    streams = True
