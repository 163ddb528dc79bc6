"""Broken engines found by red-teaming the suite: bugs of kinds the rest of the catalogue lacks.

Each one is the reference engine with one plausible bug patched in (see ``_patching``), as in
``catalogue``: payloads only some node kinds carry (an LLM's tokens, a chat model's messages
from a prompt, a prompt's result, a tool's input string), streaming-only and async-only
deliveries, handler options and faults that only matter beside another handler, tags and
metadata lost or leaked below the first level, mode-specific parent links. ``BREAKS`` names
the rules the suite must fail on each; ``catalogue.CATALOGUE`` includes them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
from collections.abc import AsyncIterator, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, ClassVar

from reference.callbacks import _dispatch, _ids
from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._manager import BaseCallbackManager, child_manager
from reference.language_models import _fake
from reference.language_models._chat import BaseChatModel
from reference.language_models._fake_llm import BaseLLM
from reference.messages import HumanMessage
from reference.outputs import GenerationChunk
from reference.prompt_values import PromptValue
from reference.prompts._chat import ChatPromptTemplate
from reference.runnables import _config
from reference.runnables._assign import RunnableAssign
from reference.runnables._binding import RunnableBinding
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import ACHAIN, CHAIN, arun, astream_run, run, stream_run
from reference.runnables._retry import RunnableRetry
from reference.runnables._sequence import RunnableSequence
from reference.tools._structured import StructuredTool

from ._patching import Patch, everywhere
from .catalogue import BrokenAdapter

__all__ = ["REDTEAM_ENGINES"]

_adeliver = _dispatch.adeliver
_deliver_batch = _dispatch._deliver_batch
_pairs = _dispatch._pairs
_chat_pairs = _dispatch._chat_pairs
_hs_init = HandlerSet.__init__
_child_manager = child_manager
_to_messages = _fake.to_messages
_resolve_config = _config.resolve_config
_per_item_configs = _config.per_item_configs
_with_local = BaseCallbackManager._with_local
_binding_with_config = RunnableBinding.with_config
_stream_run = stream_run
_astream_run = astream_run
_child_config = RunFrame.child_config.fget
_TOKENS = frozenset({"on_llm_new_token", "on_chat_model_new_token"})


# ------------------------------------------------------------------- payloads of some kinds


class StreamingLlmDropsFirstToken(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("a streaming (non-chat) LLM sends no on_llm_new_token for its first "
                          "token (it goes out with the start), so a handler's tokens do not add "
                          "up to the reply")

    def patches(self) -> Iterable[Patch]:
        def chunks(llm: Any, prompt: str, frame: RunFrame) -> Iterator[str]:
            rm = frame.run_manager
            for i, token in enumerate(llm._reply(prompt, frame)):
                if i:
                    rm.on_llm_new_token(token, chunk=GenerationChunk(text=token))
                yield token

        async def achunks(llm: Any, prompt: str, frame: RunFrame) -> AsyncIterator[str]:
            rm = frame.run_manager
            for i, token in enumerate(llm._reply(prompt, frame)):
                if i:
                    await rm.on_llm_new_token(token, chunk=GenerationChunk(text=token))
                yield token

        return [(BaseLLM, "_chunks", chunks), (BaseLLM, "_achunks", achunks)]


class ChatModelStartRendersPrompt(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("a chat model given a prompt value starts (and answers) with one "
                          "human message holding the prompt's text ('Human: ...'), not the "
                          "prompt's messages")

    def patches(self) -> Iterable[Patch]:
        def to_messages(input: Any) -> Any:
            if isinstance(input, PromptValue):
                return [HumanMessage(input.to_string())]
            return _to_messages(input)

        return everywhere(_to_messages, to_messages)


class PromptEndReportsItsInput(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("a prompt template's end event carries the variables it was given, "
                          "not the prompt value it formatted")

    def patches(self) -> Iterable[Patch]:
        def invoke(prompt: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:
            return run(prompt, prompt._format, input, config, report=lambda _: input)

        async def ainvoke(prompt: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:
            return await arun(prompt, prompt._aformat, input, config, report=lambda _: input)

        return [(ChatPromptTemplate, "invoke", invoke), (ChatPromptTemplate, "ainvoke", ainvoke)]


class ToolInputIsJson(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("a tool's start gets its input as JSON text (json.dumps: a string "
                          "input arrives quoted)")

    def patches(self) -> Iterable[Patch]:
        def start(input: Any) -> tuple[str, dict[str, Any]]:
            return json.dumps(input), {"inputs": input if isinstance(input, dict) else None}

        return [(StructuredTool, "_start", staticmethod(start))]


# --------------------------------------------------------- async handlers, faults, options


_PENDING: dict[Any, list[asyncio.Future[Any]]] = {}
_OUTCOMES = frozenset({"on_llm_end", "on_llm_error", "on_chat_model_end", "on_chat_model_error"})


class AsyncTokensFlushedAfterEnd(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R7",)
    BUG: ClassVar[str] = ("in async modes a coroutine handler's token calls are started as "
                          "tasks and awaited only once the model run's end (or error) has been "
                          "delivered, so they can reach it after the run ended")

    def patches(self) -> Iterable[Patch]:
        async def adeliver(hs: Any, event: str, args: Any, kwargs: Any) -> None:
            if event in _OUTCOMES:
                await _adeliver(hs, event, args, kwargs)
                pending = _PENDING.pop(kwargs.get("run_id"), [])
                await asyncio.gather(*pending, return_exceptions=True)
                return
            if event not in _TOKENS:
                await _adeliver(hs, event, args, kwargs)
                return
            later = [h for m, h in hs.async_split(event)[0] if inspect.iscoroutinefunction(m)]
            for method, handler in hs.async_split(event)[0]:
                if handler in later:
                    task = asyncio.ensure_future(method(*args, **_dispatch._own(kwargs)))
                    _PENDING.setdefault(kwargs.get("run_id"), []).append(task)
            rest = HandlerSet(h for h in hs.items if h not in later)
            if rest:
                await _adeliver(rest, event, args, kwargs)

        return everywhere(_adeliver, adeliver)


class ExecutorRaiseErrorLost(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R10",)
    BUG: ClassVar[str] = ("in async modes the exception of a raise_error sync handler (run in "
                          "the executor) is dropped: the run goes on as if it were contained")

    def patches(self) -> Iterable[Patch]:
        def deliver_batch(pairs: Any, event: str, args: Any, kwargs: Any) -> Any:
            found = _deliver_batch(pairs, event, args, kwargs)
            return None if isinstance(found, Exception) else found

        return [(_dispatch, "_deliver_batch", deliver_batch)]


class FirstHandlersFlagsForAll(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R1", "R2")
    BUG: ClassVar[str] = ("a handler set reads the ignore_* flags of its first handler only "
                          "and applies them to all: a handler beside one that ignores chains "
                          "misses them, one beside a plain handler gets what it ignores")

    def patches(self) -> Iterable[Patch]:
        def flags_of_first(handlers: tuple[Any, ...], event: str) -> bool:
            first = handlers[0]
            if event == "on_chat_model_start":
                return bool(getattr(first, "ignore_chat_model", False)
                            or getattr(first, "ignore_llm", False))
            return any(getattr(first, f, False) for f in _dispatch._IGNORE_FLAG.get(event, ()))

        def pairs(handlers: tuple[Any, ...], event: str) -> tuple[Any, ...]:
            if not handlers or flags_of_first(handlers, event):
                return ()
            method = _dispatch._METHOD.get(event, event)
            out = []
            for h in handlers:
                m = getattr(h, method, None)
                if m is not None and (event == "on_chat_model_start"
                                      or getattr(m, "__func__", None) not in _dispatch._NOOPS):
                    out.append((m, h))
            return tuple(out)

        def init(hs: Any, handlers: Iterable[Any] = ()) -> None:
            _hs_init(hs, handlers)
            hs.on_chain_start = pairs(hs.items, "on_chain_start")
            hs.on_chain_end = pairs(hs.items, "on_chain_end")

        return [(_dispatch, "_pairs", pairs), (HandlerSet, "__init__", init)]


# --------------------------------------------------------------- tags, metadata, contexts


class TagsInheritedOneLevel(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R13",)
    BUG: ClassVar[str] = ("a child manager takes its parent's inheritable tags and metadata as "
                          "its own but not as inheritable: grandchildren lose runtime and bound "
                          "tags and metadata")

    def patches(self) -> Iterable[Patch]:
        def child(mgr: Any, run_id: Any, tag: str | None = None, *,
                  is_async: bool = False) -> Any:
            cm = _child_manager(mgr, run_id, tag, is_async=is_async)
            return cm._replace(inheritable_tags=[], inheritable_metadata={})

        return everywhere(_child_manager, child)


class ConstructorTagsWrittenIntoShared(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R13",)
    BUG: ClassVar[str] = ("constructor tags and metadata are added to the run's manager in "
                          "place, into the lists and dicts it shares with its siblings and "
                          "children")

    def patches(self) -> Iterable[Patch]:
        def with_local(mgr: Any, handlers: Any, tags: Any, metadata: Any) -> Any:
            for t in tags or ():
                if t not in mgr.tags:
                    mgr.tags.append(t)
            if metadata:
                mgr.metadata.update(metadata)
            return _with_local(mgr, handlers, None, None)

        return [(BaseCallbackManager, "_with_local", with_local)]


class NestedBindingMetadataReplaced(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R13",)
    BUG: ClassVar[str] = ("x.with_config(metadata=a).with_config(metadata=b) keeps only b (the "
                          "later binding's metadata replaces the earlier's instead of adding)")

    def patches(self) -> Iterable[Patch]:
        def with_config(b: Any, config: Any = None, **kwargs: Any) -> Any:
            out = _binding_with_config(b, config, **kwargs)
            later = {**(config or {}), **kwargs}.get("metadata")
            if later:
                out.config = {**out.config, "metadata": dict(later)}
            return out

        return [(RunnableBinding, "with_config", with_config)]


class RetryAttemptsForgetTags(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R13",)
    BUG: ClassVar[str] = ("with_retry gives every attempt after the first a callback manager "
                          "rebuilt from the handlers and the parent id alone: the tags and "
                          "metadata in scope are lost on retried attempts")

    def patches(self) -> Iterable[Patch]:
        def bare(child: Any) -> Any:
            mgr = child["callbacks"]
            return {**child, "tags": [], "metadata": {},
                    "callbacks": mgr._replace(tags=[], inheritable_tags=[], metadata={},
                                              inheritable_metadata={})}

        def body(retry: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            attempt = 1
            while True:
                try:
                    return retry.bound.invoke(input, child if attempt == 1 else bare(child))
                except BaseException as e:
                    if not retry._retryable(e, attempt):
                        raise
                attempt += 1

        async def abody(retry: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            attempt = 1
            while True:
                try:
                    return await retry.bound.ainvoke(input,
                                                     child if attempt == 1 else bare(child))
                except BaseException as e:
                    if not retry._retryable(e, attempt):
                        raise
                attempt += 1

        return [(RunnableRetry, "_body", body), (RunnableRetry, "_abody", abody)]


class ImplicitChildrenGetRunsOwnHandlers(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R3", "R1", "R2")
    BUG: ClassVar[str] = ("a runnable invoked without config inside a run gets that run's own "
                          "handlers (its constructor and local ones included) as inheritable, "
                          "not the handlers the run hands to its children")

    def patches(self) -> Iterable[Patch]:
        def resolve_config(config: Any) -> Any:
            scope = _config.current_run.get()
            if config is not None or scope is None:
                return _resolve_config(config)
            child = dict(scope.child_config)
            own = scope.manager._hs
            child["callbacks"] = child["callbacks"]._replace(hs=own, ihs=own)
            return child, True

        return everywhere(_resolve_config, resolve_config)


# ------------------------------------------------------------------------ mode-specific


class StreamStartsWithEmptyInput(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("in stream and astream a chain run that streams (a sequence, a "
                          "generator) starts with inputs {'input': ''} and reports its input only "
                          "at its end, the root's whole input included")

    def patches(self) -> Iterable[Patch]:
        def stream_run(r: Any, first: Any, config: Any, chunks: Any, kind: Any = CHAIN,
                       **kw: Any) -> Any:
            if kind is CHAIN:
                kw["payload"] = {"input": ""}
            return _stream_run(r, first, config, chunks, kind, **kw)

        def astream_run(r: Any, first: Any, config: Any, chunks: Any, kind: Any = ACHAIN,
                        **kw: Any) -> Any:
            if kind is ACHAIN:
                kw["payload"] = {"input": ""}
            return _astream_run(r, first, config, chunks, kind, **kw)

        return [*everywhere(_stream_run, stream_run), *everywhere(_astream_run, astream_run)]


class AstreamStepsGetSequencesConfig(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R6",)
    BUG: ClassVar[str] = ("in astream a sequence hands its steps the config it received "
                          "(root-only keys dropped) instead of its child config, so its steps "
                          "become its siblings")

    def patches(self) -> Iterable[Patch]:
        def apipeline(seq: Any, upstream: Any, frame: Any) -> Any:
            config = {k: v for k, v in frame.config.items() if k not in ("run_name", "run_id")}
            it = upstream
            for step in seq.steps:
                it = step.atransform(it, config)
            return it

        return [(RunnableSequence, "_apipeline", apipeline)]


class RunNameOnFirstBatchItemOnly(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R14",)
    BUG: ClassVar[str] = ("batch hands a single config's run_name to the first input only (as "
                          "it does a run_id): the other inputs' roots keep their own names")

    def patches(self) -> Iterable[Patch]:
        def per_item_configs(config: Any, n: int) -> Any:
            configs = _per_item_configs(config, n)
            if isinstance(config, dict) and config.get("run_name") and n > 1:
                rest = {k: v for k, v in config.items() if k not in ("run_name", "run_id")}
                return [configs[0], *([rest] * (n - 1))]
            return configs

        return everywhere(_per_item_configs, per_item_configs)


class SyncInsideLoopDropsCoroutineHandlers(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R1",)
    BUG: ClassVar[str] = ("a sync invocation made inside a running event loop drops coroutine "
                          "handlers' calls (it cannot block on the loop, so it closes the "
                          "coroutine unawaited)")

    def patches(self) -> Iterable[Patch]:
        original = _dispatch.run_coroutine_sync

        def run_coroutine_sync(awaitable: Any) -> Any:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return original(awaitable)
            close = getattr(awaitable, "close", None)
            if close is not None:
                close()
            return None

        return everywhere(original, run_coroutine_sync)


_deliver = _dispatch.deliver
_fault = _dispatch._fault
_TOKEN_RUN: ContextVar[Any] = ContextVar("redteam_token_run", default=None)


class FaultyHandlerLosesTheRestOfTheStream(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R10",)
    BUG: ClassVar[str] = ("a handler whose on_llm_new_token raised (a contained fault, logged) "
                          "gets no more tokens of that run, so its tokens no longer add up to "
                          "the reply")

    def patches(self) -> Iterable[Patch]:
        failed: set[tuple[Any, int]] = set()

        def fault(handler: Any, event: str, exc: BaseException) -> None:
            _fault(handler, event, exc)
            run = _TOKEN_RUN.get()
            if run is not None:
                failed.add((run, id(handler)))

        def deliver(pairs: Any, event: str, args: Any, kwargs: Any) -> None:
            if event not in _TOKENS:
                _deliver(pairs, event, args, kwargs)
                return
            run = kwargs.get("run_id")
            token = _TOKEN_RUN.set(run)
            try:
                _deliver(tuple(p for p in pairs if (run, id(p[1])) not in failed), event, args,
                         kwargs)
            finally:
                _TOKEN_RUN.reset(token)

        async def adeliver(hs: Any, event: str, args: Any, kwargs: Any) -> None:
            if event not in _TOKENS:
                await _adeliver(hs, event, args, kwargs)
                return
            run = kwargs.get("run_id")
            keep = HandlerSet(h for h in hs.items if (run, id(h)) not in failed)
            if not keep:
                return
            token = _TOKEN_RUN.set(run)
            try:
                await _adeliver(keep, event, args, kwargs)
            finally:
                _TOKEN_RUN.reset(token)

        return [*everywhere(_deliver, deliver), *everywhere(_adeliver, adeliver),
                (_dispatch, "_fault", fault)]


_COUNT: ContextVar[Any] = ContextVar("redteam_count", default=None)
#: The seed every call's ids are numbered from (version-4 and variant bits set).
_SEED = (0x1234 << 96) | (0x4000 << 64) | (0x8000 << 48)


class _CounterOfThisCall:
    """Stands for ``reference.callbacks._ids.counter``: the call's own count, if it has one."""

    def __init__(self, real: Any) -> None:
        self.real = real

    def __iter__(self) -> _CounterOfThisCall:
        return self

    def __next__(self) -> int:
        count = _COUNT.get()
        return next(self.real if count is None else count)


class IdsRestartPerCall(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R6",)
    BUG: ClassVar[str] = ("run ids are numbered from one fixed seed in each call (ids made "
                          "reproducible): unique within a call, the same again in the next")

    def patches(self) -> Iterable[Patch]:
        return [(_ids, "counter", _CounterOfThisCall(_ids.counter))]

    @contextlib.contextmanager
    def engine(self) -> Iterator[None]:
        token = _COUNT.set(itertools.count(_SEED))
        try:
            with super().engine():
                yield
        finally:
            _COUNT.reset(token)


class AssignUpdatesItsInputInPlace(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("RunnablePassthrough.assign adds its keys to the input dict in place "
                          "(and returns a copy): the inputs its start delivered, and the "
                          "outputs of the step before it, change after the delivery")

    def patches(self) -> Iterable[Patch]:
        def body(a: Any, input: Any, frame: Any) -> Any:
            input.update(a.mapper.invoke(input, frame.child_config))
            return dict(input)

        async def abody(a: Any, input: Any, frame: Any) -> Any:
            input.update(await a.mapper.ainvoke(input, frame.child_config))
            return dict(input)

        return [(RunnableAssign, "_body", body), (RunnableAssign, "_abody", abody)]


class ChatModelStreamsWhole(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("stream and astream call a chat model whole (invoke) and yield its "
                          "reply as one chunk: no token event ever, though the stream carries "
                          "the model; every run, name, parent and payload is as in invoke")

    def patches(self) -> Iterable[Patch]:
        def streams(model: Any, async_api: bool) -> bool:
            return False

        return [(BaseChatModel, "_streams", streams)]


class BoundRunNameNamesTheSubtree(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R14",)
    BUG: ClassVar[str] = ("a run hands its children its run_name, unless it is a root (as if "
                          "only an invocation gave one): x.with_config(run_name='n') below the "
                          "root names x's run and every run under it 'n'")

    def patches(self) -> Iterable[Patch]:
        def child_config(frame: Any) -> Any:
            fresh = frame._child is None
            child = _child_config(frame)
            name = frame.config.get("run_name")
            if fresh and name and frame.parent_run_id is not None:
                child = frame._child = {**child, "run_name": name}
            return child

        return [(RunFrame, "child_config", property(child_config))]


REDTEAM_ENGINES: tuple[type[BrokenAdapter], ...] = (
    StreamingLlmDropsFirstToken,
    ChatModelStartRendersPrompt,
    PromptEndReportsItsInput,
    ToolInputIsJson,
    AsyncTokensFlushedAfterEnd,
    ExecutorRaiseErrorLost,
    FirstHandlersFlagsForAll,
    TagsInheritedOneLevel,
    ConstructorTagsWrittenIntoShared,
    NestedBindingMetadataReplaced,
    RetryAttemptsForgetTags,
    ImplicitChildrenGetRunsOwnHandlers,
    StreamStartsWithEmptyInput,
    AstreamStepsGetSequencesConfig,
    RunNameOnFirstBatchItemOnly,
    SyncInsideLoopDropsCoroutineHandlers,
    FaultyHandlerLosesTheRestOfTheStream,
    IdsRestartPerCall,
    AssignUpdatesItsInputInPlace,
    ChatModelStreamsWhole,
    BoundRunNameNamesTheSubtree,
)

