"""A catalogue of deliberately broken engines: the reference engine with one bug each.

Every engine is an adapter (a :class:`ReferenceAdapter` subclass) whose ``patches`` replace a
piece of the reference engine while the adapter builds and invokes (see ``_patching``); nothing in
``reference/`` is edited and nothing stays patched afterwards. ``BREAKS`` names the SPEC.md rules
the bug breaks: the conformance suite must fail exactly those when run against the engine, e.g.

    python -m conformance run --impl tests.selftest.broken.catalogue:NoDedup --rule R5
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextvars import ContextVar
from typing import Any, ClassVar

from conformance.adapter import Outcome, Probe
from conformance.adapters.reference import ReferenceAdapter
from conformance.model import Chain, Invocation
from reference.callbacks import _dispatch
from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._manager import BaseCallbackManager
from reference.language_models._fake import BaseChatModel
from reference.runnables import _as_completed, _config, _events, _frame, _lifecycle
from reference.runnables._assign import RunnableAssign
from reference.runnables._base import Runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._branch import RunnableBranch
from reference.runnables._each import RunnableEach
from reference.runnables._fallbacks import RunnableWithFallbacks
from reference.runnables._frame import RunFrame
from reference.runnables._generator import RunnableGenerator
from reference.runnables._lambda import RunnableLambda
from reference.runnables._parallel import RunnableParallel
from reference.runnables._retry import RunnableRetry
from reference.runnables._sequence import RunnableSequence

from ._patching import Patch, PatchSet, everywhere

__all__ = ["CATALOGUE", "BrokenAdapter", "Unbroken"]

# The reference's own functions, captured at import (before any patch) so replacements can
# delegate to them.
_resolve_config = _config.resolve_config
_child_config_property: property = vars(RunFrame)["child_config"]
_per_item_configs = _config.per_item_configs
_run = _lifecycle.run
_current_run = _frame.current_run
_with_local = BaseCallbackManager._with_local
_deliver = _dispatch.deliver
_deliver_outcome = _dispatch.deliver_outcome
_adeliver = _dispatch.adeliver
_merged = RunnableBinding._merged
_run_branches = RunnableParallel._run_branches
_arun_branches = RunnableParallel._arun_branches
_stream_branches = RunnableParallel._stream_branches
_astream_branches = RunnableParallel._astream_branches
_EMPTY_CONFIG: dict[str, Any] = {}
# A chat model's end is delivered under its own key (the reference's dispatch, SPEC.md §8).
_ENDS = frozenset(
    {"on_chain_end", "on_tool_end", "on_llm_end", "on_chat_model_end", "on_retriever_end"}
)


class BrokenAdapter(ReferenceAdapter):
    """The reference adapter with the engine patched while it builds and invokes."""

    #: The rules the bug breaks (the suite must fail each).
    BREAKS: ClassVar[tuple[str, ...]] = ()
    #: One line: what is broken.
    BUG: ClassVar[str] = ""
    #: The break shows only when invocations overlap in time, so whether a given test (and how
    #: far shrinking) gets it depends on the machine's load.
    TIMING_DEPENDENT: ClassVar[bool] = False

    def __init__(self) -> None:
        super().__init__()
        self.name = f"broken:{type(self).__name__}"
        self._patchset = PatchSet(self.name, self.patches)

    def patches(self) -> Iterable[Patch]:
        raise NotImplementedError

    @contextlib.contextmanager
    def engine(self) -> Iterator[None]:
        """The broken engine is in effect inside this block."""
        with self._patchset.active():
            yield

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        with self.engine():
            return super().build(chain, handlers, probe)

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with self.engine():
            return super().invoke(root, invocation, handlers)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with self.engine():
            return await super().ainvoke(root, invocation, handlers)


class Unbroken(BrokenAdapter):
    """Control: the same adapter machinery with no patch at all; must pass every rule."""

    BUG = "nothing"

    def patches(self) -> Iterable[Patch]:
        return []


def _child_config(frame: Any) -> Any:
    """The reference's own child config of a run frame (whatever the patches replace)."""
    return _child_config_property.fget(frame)  # type: ignore[misc]


def _outcome_patches(
    hook: Callable[[str, Any, Any, tuple[Any, ...], Callable[[], None]], None],
) -> list[Patch]:
    """Patches routing every end/error/token delivery through ``hook``.

    ``hook(event, value, parent_run_id, pairs, deliver)`` decides what happens: call
    ``deliver()`` for the engine's own delivery, skip it, change ``value`` first (it is the
    object handlers get), or deliver something else. Sync and async runs alike (async
    deliveries of these events are made synchronous, in order, for the hook).
    """
    def deliver_outcome(pairs: Any, event: str, value: Any, run_id: Any, parent_run_id: Any,
                        tags: Any, metadata: Any) -> None:
        hook(event, value, parent_run_id, pairs,
             lambda: _deliver_outcome(pairs, event, value, run_id, parent_run_id, tags,
                                      metadata))

    async def adeliver(hs: Any, event: str, args: Any, kwargs: Any) -> None:
        if event.endswith("_start") or len(args) != 1:
            await _adeliver(hs, event, args, kwargs)
            return
        pairs = hs.pairs(event)
        hook(event, args[0], kwargs.get("parent_run_id"), pairs,
             lambda: _deliver(pairs, event, args, kwargs))

    return [*everywhere(_deliver_outcome, deliver_outcome), *everywhere(_adeliver, adeliver)]


def _manager_with_parent(config: Mapping[str, Any], parent: Any) -> dict[str, Any]:
    """A copy of a trusted child config whose callback manager claims another parent run."""
    out = dict(config)
    mgr = out["callbacks"].copy()
    mgr.parent_run_id = parent
    out["callbacks"] = mgr
    return out


def _without_callbacks(config: Any) -> Any:
    if isinstance(config, Mapping):
        return {k: v for k, v in config.items() if k != "callbacks"}
    if isinstance(config, list):
        return [_without_callbacks(c) for c in config]
    return config


def _handlers_of(callbacks: Any) -> list[Any]:
    if isinstance(callbacks, BaseCallbackManager):
        return callbacks.handlers
    return list(callbacks or ())


# --------------------------------------------------------------------------------------- R1


class ParallelThreadsLoseHandlers(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("sync RunnableParallel hands its branches the config without callbacks and relies on "
           "the context variable, but runs them in pool threads without copying the context")

    def patches(self) -> Iterable[Patch]:
        def run_branches(par: Any, input: Any, rm: Any) -> dict[str, Any]:
            items = list(par.steps__.items())
            if len(items) < 2:
                return _run_branches(par, input, rm)  # type: ignore[no-any-return]
            child = _without_callbacks(_child_config(rm))
            with ThreadPoolExecutor(max_workers=len(items)) as pool:
                futures = [pool.submit(step.invoke, input, child) for _, step in items]
                wait(futures)
            for f in futures:
                exc = f.exception()
                if exc is not None:
                    raise exc
            return {key: f.result() for (key, _), f in zip(items, futures, strict=True)}

        return [(RunnableParallel, "_run_branches", run_branches)]


class ParallelTasksLoseHandlers(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("async RunnableParallel runs its branches as asyncio tasks in a fresh context and "
           "without the callbacks in their config")

    def patches(self) -> Iterable[Patch]:
        async def arun_branches(par: Any, input: Any, rm: Any) -> dict[str, Any]:
            if len(par.steps__) < 2:
                return await _arun_branches(par, input, rm)  # type: ignore[no-any-return]
            child = _without_callbacks(_child_config(rm))
            tasks = [asyncio.create_task(step.ainvoke(input, child), context=contextvars.Context())
                     for step in par.steps__.values()]
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    raise r
            return dict(zip(par.steps__, results, strict=True))

        return [(RunnableParallel, "_arun_branches", arun_branches)]


class BatchUsesFirstConfig(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("batch given one config per input runs every input with the first input's config, "
           "so the other inputs' runtime handlers miss their runs and the first one's see them")

    def patches(self) -> Iterable[Patch]:
        def per_item_configs(config: Any, n: int) -> Any:
            if isinstance(config, list) and config:
                config = config[0]
            return _per_item_configs(config, n)

        return everywhere(_per_item_configs, per_item_configs)


class NoImplicitContext(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("a runnable invoked without a config ignores the enclosing run (no context-variable "
           "propagation): dynamic children that do not forward config start new trees")

    def patches(self) -> Iterable[Patch]:
        def resolve_config(config: Any) -> tuple[Any, bool]:
            if config is None:
                return _EMPTY_CONFIG, False
            return _resolve_config(config)

        return everywhere(_resolve_config, resolve_config)


# --------------------------------------------------------------------------------------- R2


class BindingLeaksToSiblings(BrokenAdapter):
    BREAKS = ("R2",)
    BUG = ("with_config adds its handlers to the inherited callback manager in place (no copy), "
           "so runs after the binding that share that manager receive them too")

    def patches(self) -> Iterable[Patch]:
        def merged(binding: Any, config: Any) -> Any:
            resolved, _ = _config.resolve_config(config)
            inherited = resolved.get("callbacks")
            bound = binding.config.get("callbacks")
            if bound is None or not isinstance(inherited, BaseCallbackManager):
                return _merged(binding, config)
            for h in _handlers_of(bound):
                inherited.add_handler(h, inherit=True)
            rest = {k: v for k, v in binding.config.items() if k != "callbacks"}
            return _config.merge_configs(rest, resolved)

        return [(RunnableBinding, "_merged", merged)]


# --------------------------------------------------------------------------------------- R3


class ConstructorHandlersInherited(BrokenAdapter):
    BREAKS = ("R3",)
    BUG = "constructor handlers are put into the inheritable set, so children receive them"

    def patches(self) -> Iterable[Patch]:
        def with_local(mgr: Any, handlers: Any, tags: Any, metadata: Any) -> Any:
            out = _with_local(mgr, handlers, tags, metadata)
            if handlers:
                out._ihs = out._ihs.union(handlers.items)
            return out

        return [(BaseCallbackManager, "_with_local", with_local)]


# --------------------------------------------------------------------------------------- R4


class BindingReplacesInherited(BrokenAdapter):
    BREAKS = ("R4",)
    BUG = ("a binding's handlers replace the inherited ones (runtime handlers and those of an "
           "outer binding) for its subtree, instead of adding to them")

    def patches(self) -> Iterable[Patch]:
        def merged(binding: Any, config: Any) -> Any:
            out = dict(_merged(binding, config))
            bound = binding.config.get("callbacks")
            if bound is None:
                return out
            resolved, _ = _config.resolve_config(config)
            inherited = resolved.get("callbacks")
            if isinstance(inherited, BaseCallbackManager):
                mgr = inherited.copy()  # keeps the parent link and tags: only handlers change
                mgr.set_handlers(_handlers_of(bound))
                out["callbacks"] = mgr
            else:
                out["callbacks"] = bound
            return out

        return [(RunnableBinding, "_merged", merged)]


class ChainedWithConfigReplaces(BrokenAdapter):
    BREAKS = ("R4",)
    BUG = ("x.with_config(callbacks=[a]).with_config(callbacks=[b]) keeps only b: a second "
           "with_config on a binding replaces the first binding's handlers")

    def patches(self) -> Iterable[Patch]:
        def with_config(binding: Any, config: Any = None, **kwargs: Any) -> Any:
            new = _config.merge_configs(config, kwargs)  # type: ignore[arg-type]
            merged = dict(_config.merge_configs(binding.config, new))
            if new.get("callbacks") is not None:
                merged["callbacks"] = new["callbacks"]
            return RunnableBinding(bound=binding.bound, config=merged,  # type: ignore[arg-type]
                                   kwargs=binding.kwargs)

        return [(RunnableBinding, "with_config", with_config)]


# --------------------------------------------------------------------------------------- R5


class NoDedup(BrokenAdapter):
    BREAKS = ("R5",)
    BUG = ("handler sets do not de-duplicate by identity: a handler registered twice gets "
           "each event twice")

    def patches(self) -> Iterable[Patch]:
        def init(hs: Any, handlers: Iterable[Any] = ()) -> None:
            hs.items = tuple(handlers)
            hs._cache = {}

        return [(HandlerSet, "__init__", init)]


# --------------------------------------------------------------------------------------- R6


class ParallelChildrenGetGrandparent(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = "branches of a RunnableParallel get the parallel's parent as parent_run_id"

    def patches(self) -> Iterable[Patch]:
        def reparent(frame: Any) -> None:
            frame._child = _manager_with_parent(_child_config(frame), frame.parent_run_id)

        def run_branches(par: Any, input: Any, rm: Any) -> Any:
            reparent(rm)
            return _run_branches(par, input, rm)

        async def arun_branches(par: Any, input: Any, rm: Any) -> Any:
            reparent(rm)
            return await _arun_branches(par, input, rm)

        # streamed, the branches are the children of the same frame: reparent it there too
        def stream_branches(par: Any, source: Any, frame: Any) -> Any:
            reparent(frame)
            return _stream_branches(par, source, frame)

        def astream_branches(par: Any, source: Any, frame: Any) -> Any:
            reparent(frame)
            return _astream_branches(par, source, frame)

        return [(RunnableParallel, "_run_branches", run_branches),
                (RunnableParallel, "_arun_branches", arun_branches),
                (RunnableParallel, "_stream_branches", stream_branches),
                (RunnableParallel, "_astream_branches", astream_branches)]


class ImplicitChildrenParentless(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = ("children invoked without config inherit the enclosing run's handlers through the "
           "context variable but get parent_run_id None")

    def patches(self) -> Iterable[Patch]:
        def resolve_config(config: Any) -> tuple[Any, bool]:
            scope = _current_run.get()
            if config is None and scope is not None:
                return _manager_with_parent(_child_config(scope), None), True
            return _resolve_config(config)

        return everywhere(_resolve_config, resolve_config)


class BindingCreatesRun(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = "invoking a binding (with_config) starts a chain run of its own around the bound object"

    def patches(self) -> Iterable[Patch]:
        def invoke(binding: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:
            def body(x: Any, frame: Any) -> Any:
                return binding.bound.invoke(x, frame.child_config, **kwargs)

            return _lifecycle.run(binding, body, input, binding._merged(config))

        async def ainvoke(binding: Any, input: Any, config: Any = None, **kwargs: Any) -> Any:
            async def body(x: Any, frame: Any) -> Any:
                return await binding.bound.ainvoke(x, frame.child_config, **kwargs)

            return await _lifecycle.arun(binding, body, input, binding._merged(config))

        return [(RunnableBinding, "invoke", invoke), (RunnableBinding, "ainvoke", ainvoke)]


# --------------------------------------------------------------------------------------- R7

#: End events held back by ChildEndsAfterParent, per invocation.
_DEFERRED: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "selftest_deferred", default=None
)
_DEFERRED_LOCK = threading.Lock()


class ChildEndsAfterParent(BrokenAdapter):
    BREAKS = ("R7",)
    BUG = ("end events of non-root runs are queued and delivered after the invocation returns, "
           "so a parent's end (and the next step's start) precede its children's ends")

    def patches(self) -> Iterable[Patch]:
        def hook(event: str, value: Any, parent: Any, pairs: Any,
                 deliver: Callable[[], None]) -> None:
            pending = _DEFERRED.get()
            if pending is not None and event in _ENDS and parent is not None:
                with _DEFERRED_LOCK:
                    pending.append(deliver)
                return
            deliver()

        return _outcome_patches(hook)

    @contextlib.contextmanager
    def _deferring(self) -> Iterator[None]:
        pending: list[Callable[[], None]] = []
        token = _DEFERRED.set(pending)
        try:
            yield
        finally:
            _DEFERRED.reset(token)
            with _DEFERRED_LOCK:
                held, pending[:] = list(pending), []
            for deliver in held:
                deliver()

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with self.engine(), self._deferring():
            return ReferenceAdapter.invoke(self, root, invocation, handlers)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with self.engine(), self._deferring():
            return await ReferenceAdapter.ainvoke(self, root, invocation, handlers)


#: Branches abandoned by ParallelAbandonsSiblings, run when the invocation has returned.
_ABANDONED: ContextVar[list[Callable[[], Any]] | None] = ContextVar(
    "selftest_abandoned", default=None
)


class ParallelAbandonsSiblings(BrokenAdapter):
    BREAKS = ("R7",)
    BUG = ("a sync RunnableParallel whose branch fails raises at once (its error event) and "
           "leaves the remaining sibling branches to run later, after it has ended")

    def patches(self) -> Iterable[Patch]:
        def run_branches(par: Any, input: Any, frame: Any) -> dict[str, Any]:
            items = list(par.steps__.items())
            child = _child_config(frame)
            out: dict[str, Any] = {}
            for i, (key, step) in enumerate(items):
                try:
                    out[key] = step.invoke(input, child)
                except Exception:
                    abandoned = _ABANDONED.get()
                    if abandoned is not None:
                        ctx = contextvars.copy_context()
                        abandoned.extend(functools.partial(ctx.run, s.invoke, input, child)
                                         for _, s in items[i + 1:])
                    raise
            return out

        return [(RunnableParallel, "_run_branches", run_branches)]

    @contextlib.contextmanager
    def _finishing_abandoned(self) -> Iterator[None]:
        abandoned: list[Callable[[], Any]] = []
        token = _ABANDONED.set(abandoned)
        try:
            yield
        finally:
            _ABANDONED.reset(token)
            for branch in abandoned:
                with contextlib.suppress(Exception):
                    branch()

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with self.engine(), self._finishing_abandoned():
            return ReferenceAdapter.invoke(self, root, invocation, handlers)


# --------------------------------------------------------------------------------------- R8


class ErrorReportedAsEnd(BrokenAdapter):
    BREAKS = ("R8",)
    BUG = "a failing chain run emits on_chain_end instead of on_chain_error"

    def patches(self) -> Iterable[Patch]:
        def deliver_outcome(pairs: Any, event: str, value: Any, *rest: Any) -> None:
            if event == "on_chain_error":
                ends = tuple((h.on_chain_end, h) for _, h in pairs if hasattr(h, "on_chain_end"))
                _deliver_outcome(ends, "on_chain_end", None, *rest)
            else:
                _deliver_outcome(pairs, event, value, *rest)

        async def adeliver(hs: Any, event: str, args: Any, kwargs: Any) -> None:
            if event == "on_chain_error":
                await _adeliver(hs, "on_chain_end", (None,), kwargs)
            else:
                await _adeliver(hs, event, args, kwargs)

        return [*everywhere(_deliver_outcome, deliver_outcome),
                *everywhere(_adeliver, adeliver)]


class AncestorsNotTold(BrokenAdapter):
    BREAKS = ("R8",)
    BUG = ("only the run that raised emits an error event; the ancestors the exception passes "
           "through emit nothing (their runs never end)")

    def patches(self) -> Iterable[Patch]:
        def first_report(event: str, args: Any) -> bool:
            if not event.endswith("_error") or not args:
                return True
            error = args[0]
            if getattr(error, "_selftest_reported", False):
                return False
            with contextlib.suppress(AttributeError):
                error._selftest_reported = True
            return True

        def hook(event: str, value: Any, parent: Any, pairs: Any,
                 deliver: Callable[[], None]) -> None:
            if first_report(event, (value,)):
                deliver()

        return _outcome_patches(hook)


def _copy_of(exc: BaseException) -> BaseException:
    clone = exc.__class__.__new__(exc.__class__)
    clone.args = exc.args
    clone.__dict__.update(vars(exc))
    return clone


class CallerGetsCopy(BrokenAdapter):
    BREAKS = ("R8",)
    BUG = "lambdas and sequences re-raise a copy of the exception instead of the original object"

    def patches(self) -> Iterable[Patch]:
        out: list[Patch] = []
        for cls in (RunnableLambda, RunnableSequence):
            sync, coro = cls.invoke, cls.ainvoke

            def invoke(r: Any, *a: Any, _orig: Any = sync, **k: Any) -> Any:
                try:
                    return _orig(r, *a, **k)
                except Exception as exc:
                    raise _copy_of(exc) from None

            async def ainvoke(r: Any, *a: Any, _orig: Any = coro, **k: Any) -> Any:
                try:
                    return await _orig(r, *a, **k)
                except Exception as exc:
                    raise _copy_of(exc) from None

            out += [(cls, "invoke", invoke), (cls, "ainvoke", ainvoke)]
        return out


# --------------------------------------------------------------------------------------- R9


class TracerMutatesOutput(BrokenAdapter):
    BREAKS = ("R9",)
    BUG = ("when a chain run has handlers, the engine annotates a dict output in place before "
           "handing it to them, so the caller gets the annotated dict")

    def patches(self) -> Iterable[Patch]:
        def hook(event: str, value: Any, parent: Any, pairs: Any,
                 deliver: Callable[[], None]) -> None:
            if event == "on_chain_end" and isinstance(value, dict) and pairs:
                value["__traced__"] = True
            deliver()

        return _outcome_patches(hook)


class ErrorSwallowedWhenTraced(BrokenAdapter):
    BREAKS = ("R9",)
    BUG = ("a lambda whose failure was reported to at least one handler returns None instead "
           "of raising (without handlers it raises)")

    def patches(self) -> Iterable[Patch]:
        def hook(event: str, value: Any, parent: Any, pairs: Any,
                 deliver: Callable[[], None]) -> None:
            if event == "on_chain_error" and pairs:
                with contextlib.suppress(AttributeError):
                    value._selftest_traced = True
            deliver()

        sync, coro = RunnableLambda.invoke, RunnableLambda.ainvoke

        def invoke(r: Any, *a: Any, **k: Any) -> Any:
            try:
                return sync(r, *a, **k)
            except Exception as exc:
                if getattr(exc, "_selftest_traced", False):
                    return None
                raise

        async def ainvoke(r: Any, *a: Any, **k: Any) -> Any:
            try:
                return await coro(r, *a, **k)
            except Exception as exc:
                if getattr(exc, "_selftest_traced", False):
                    return None
                raise

        sync_stream, coro_stream = RunnableLambda.stream, RunnableLambda.astream

        def stream(r: Any, *a: Any, **k: Any) -> Any:
            try:
                yield from sync_stream(r, *a, **k)
            except Exception as exc:
                if not getattr(exc, "_selftest_traced", False):
                    raise
                yield None

        async def astream(r: Any, *a: Any, **k: Any) -> Any:
            try:
                async for chunk in coro_stream(r, *a, **k):
                    yield chunk
            except Exception as exc:
                if not getattr(exc, "_selftest_traced", False):
                    raise
                yield None

        return [*_outcome_patches(hook),
                (RunnableLambda, "invoke", invoke), (RunnableLambda, "ainvoke", ainvoke),
                (RunnableLambda, "stream", stream), (RunnableLambda, "astream", astream)]


# -------------------------------------------------------------------------------------- R10


def _dispatchers(on_fault: str) -> tuple[Any, Any]:
    """``deliver``/``adeliver`` that, when a raise_error=False handler raises, either stop
    delivering the event (``"starve"``) or let the exception escape (``"propagate"``)."""

    def contained(handler: Any, event: str, exc: Exception) -> bool:
        """True: go on with the next handler."""
        if on_fault == "propagate":
            raise exc
        _dispatch._fault(handler, event, exc)
        return False

    def deliver(pairs: Any, event: str, args: Any, kwargs: Any) -> None:
        pending: Exception | None = None
        for method, handler in pairs:
            try:
                result = method(*args, **kwargs)
                if result is not None and asyncio.iscoroutine(result):
                    _dispatch.run_coroutine_sync(result)
            except Exception as exc:
                if getattr(handler, "raise_error", False):
                    pending = pending or exc
                elif not contained(handler, event, exc):
                    break
        if pending is not None:
            raise pending

    async def adeliver(hs: Any, event: str, args: Any, kwargs: Any) -> None:
        pending: Exception | None = None
        for method, handler in hs.pairs(event):
            try:
                result = method(*args, **kwargs)
                if result is not None and asyncio.iscoroutine(result):
                    await result
            except Exception as exc:
                if getattr(handler, "raise_error", False):
                    pending = pending or exc
                elif not contained(handler, event, exc):
                    break
        if pending is not None:
            raise pending

    return deliver, adeliver


def _broken_delivery(on_fault: str) -> list[Patch]:
    """Patches replacing every delivery the engine uses (the keyword-spelled fast ones too)."""
    deliver, adeliver = _dispatchers(on_fault)

    def chain_start(pairs: Any, serialized: Any, inputs: Any, run_id: Any, parent_run_id: Any,
                    tags: Any, metadata: Any, name: Any) -> None:
        deliver(pairs, "on_chain_start", (serialized, inputs),
                {"run_id": run_id, "parent_run_id": parent_run_id, "tags": tags,
                 "metadata": metadata, "name": name})

    def outcome(pairs: Any, event: str, value: Any, run_id: Any, parent_run_id: Any,
                tags: Any, metadata: Any) -> None:
        deliver(pairs, event, (value,), {"run_id": run_id, "parent_run_id": parent_run_id,
                                         "tags": tags, "metadata": metadata})

    return [*everywhere(_deliver, deliver), *everywhere(_adeliver, adeliver),
            *everywhere(_dispatch.deliver_chain_start, chain_start),
            *everywhere(_deliver_outcome, outcome)]


class RaisingHandlerStarvesOthers(BrokenAdapter):
    BREAKS = ("R10",)
    BUG = ("when a handler (raise_error=False) raises, the event is not delivered to the "
           "handlers after it")

    def patches(self) -> Iterable[Patch]:
        return _broken_delivery("starve")


class RaisingHandlerStopsRun(BrokenAdapter):
    BREAKS = ("R10",)
    BUG = "an exception of a raise_error=False handler escapes and aborts the run"

    def patches(self) -> Iterable[Patch]:
        return _broken_delivery("propagate")


# -------------------------------------------------------------------------------------- R11


class AbatchDropsHandlers(BrokenAdapter):
    BREAKS = ("R11", "R1")
    BUG = "abatch drops the callbacks of its config (invoke, batch, ainvoke are fine)"

    def patches(self) -> Iterable[Patch]:
        orig = Runnable.abatch

        async def abatch(r: Any, inputs: Any, config: Any = None, **kwargs: Any) -> Any:
            return await orig(r, inputs, _without_callbacks(config), **kwargs)

        return [(Runnable, "abatch", abatch)]


class _EngineConfig(dict):  # type: ignore[type-arg]
    """A config the engine built itself (AstreamDropsHandlers strips only the caller's)."""


def _from_caller(config: Any) -> bool:
    """Whether ``config`` is one a user passed in, not one the engine made for a child run (a
    child's callback manager has a parent run)."""
    if not isinstance(config, Mapping) or isinstance(config, _EngineConfig):
        return False
    callbacks = config.get("callbacks")
    return not (isinstance(callbacks, BaseCallbackManager) and callbacks.parent_run_id)


class AstreamDropsHandlers(BrokenAdapter):
    BREAKS = ("R11", "R1")
    BUG = ("astream ignores the callbacks of the config it is called with (invoke, stream, "
           "ainvoke are fine; bound handlers and nested runs' managers are kept)")

    def patches(self) -> Iterable[Patch]:
        out: list[Patch] = []
        # (StrOutputParser's astream is Runnable's: invoke's result, as in langchain_core.)
        for cls in (Runnable, RunnableLambda, RunnableSequence, BaseChatModel):
            orig = vars(cls)["astream"]

            def astream(r: Any, input: Any, config: Any = None, _orig: Any = orig,
                        **kwargs: Any) -> Any:
                if _from_caller(config):
                    config = _without_callbacks(config)
                return _orig(r, input, config, **kwargs)

            out.append((cls, "astream", astream))

        async def binding_astream(b: Any, input: Any, config: Any = None,
                                  **kwargs: Any) -> Any:
            if _from_caller(config):
                config = _without_callbacks(config)
            merged = _EngineConfig(b._merged(config))
            async for chunk in b.bound.astream(input, merged, **{**b.kwargs, **kwargs}):
                yield chunk

        out.append((RunnableBinding, "astream", binding_astream))
        return out


# -------------------------------------------------------------------------------------- R12


class _GlobalRunStack:
    """The current run as the top of one process-wide stack, with the ContextVar methods the
    engine uses: ``set`` pushes, ``reset`` pops (whatever is on top)."""

    def __init__(self) -> None:
        self._stack: list[Any] = []
        self._lock = threading.Lock()

    def get(self, default: Any = None) -> Any:
        with self._lock:
            return self._stack[-1] if self._stack else default

    def set(self, value: Any) -> None:
        with self._lock:
            self._stack.append(value)

    def reset(self, token: Any) -> None:
        with self._lock:
            if self._stack:
                self._stack.pop()


class GlobalRunStack(BrokenAdapter):
    BREAKS = ("R12",)
    TIMING_DEPENDENT = True
    BUG = ("the current run is kept on a process-wide stack instead of in a context variable: "
           "when two invocations interleave, one pops the other's run and attaches its next "
           "child invoked without config to the other invocation's run")

    def patches(self) -> Iterable[Patch]:
        return everywhere(_current_run, _GlobalRunStack())


# -------------------------------------------------------------------------------------- R13


class ConstructorTagsInherited(BrokenAdapter):
    BREAKS = ("R13",)
    BUG = "constructor tags are made inheritable, so the object's children carry them"

    def patches(self) -> Iterable[Patch]:
        def with_local(mgr: Any, handlers: Any, tags: Any, metadata: Any) -> Any:
            out = _with_local(mgr, handlers, tags, metadata)
            if tags:
                out.inheritable_tags = out.inheritable_tags + [
                    t for t in tags if t not in out.inheritable_tags]
            return out

        return [(BaseCallbackManager, "_with_local", with_local)]


# -------------------------------------------------------------------------------------- R14


def _child_config_keeping(key: str) -> list[Patch]:
    """Child configs keep the root-only ``key``, and every run honours it.

    The lifecycle's fast path trusts a config its parent built to hold no root-only key, so
    the patch also sends such configs down the general path (a copy is not the parent's own
    config), which reads the key, as an engine with this bug everywhere would.
    """
    def child_config(frame: Any) -> Any:
        child = _child_config(frame)
        parent = frame.config or {}
        if parent.get(key) is not None and key not in child:
            child = {**child, key: parent[key]}
            frame._child = child
        return child

    def run(r: Any, body: Any, input: Any, config: Any, *rest: Any, **kw: Any) -> Any:
        if isinstance(config, Mapping) and config.get(key) is not None:
            config = dict(config)
        return _run(r, body, input, config, *rest, **kw)

    return [(RunFrame, "child_config", property(child_config)), *everywhere(_run, run)]


class RunNameEverywhere(BrokenAdapter):
    BREAKS = ("R14",)
    BUG = "a run_name given in the config is passed on to child configs, naming every run"

    def patches(self) -> Iterable[Patch]:
        return _child_config_keeping("run_name")


class RunIdReused(BrokenAdapter):
    BREAKS = ("R14",)
    BUG = "a run_id given in the config is passed on to child configs, so children reuse it"

    def patches(self) -> Iterable[Patch]:
        return _child_config_keeping("run_id")


# ----------------------------------------------------------------------------------------

CATALOGUE: tuple[type[BrokenAdapter], ...] = (
    ParallelThreadsLoseHandlers,
    ParallelTasksLoseHandlers,
    BatchUsesFirstConfig,
    NoImplicitContext,
    BindingLeaksToSiblings,
    ConstructorHandlersInherited,
    BindingReplacesInherited,
    ChainedWithConfigReplaces,
    NoDedup,
    ParallelChildrenGetGrandparent,
    ImplicitChildrenParentless,
    BindingCreatesRun,
    ChildEndsAfterParent,
    ParallelAbandonsSiblings,
    ErrorReportedAsEnd,
    AncestorsNotTold,
    CallerGetsCopy,
    TracerMutatesOutput,
    ErrorSwallowedWhenTraced,
    RaisingHandlerStarvesOthers,
    RaisingHandlerStopsRun,
    AbatchDropsHandlers,
    AstreamDropsHandlers,
    GlobalRunStack,
    ConstructorTagsInherited,
    RunNameEverywhere,
    RunIdReused,
)

# Engines that deliver the right runs with the wrong payloads (R15, R10's warning) build on
# BrokenAdapter above; they are importable from here like every other engine.
from .payloads import PAYLOAD_ENGINES  # noqa: E402

for _engine in PAYLOAD_ENGINES:
    globals()[_engine.__name__] = _engine
CATALOGUE = (*CATALOGUE, *PAYLOAD_ENGINES)


# -- composed runnables (SPEC.md §8) -------------------------------------------------------------

_choose = RunnableBranch._choose
_achoose = RunnableBranch._achoose


class FallbackAttemptsLoseRuntimeHandlers(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("with_fallbacks runs every fallback after the first attempt detached: in a fresh "
           "context, with a config without callbacks, so runtime handlers never see it")

    def patches(self) -> Iterable[Patch]:
        def body(fb: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            first: BaseException | None = None
            for i, attempt in enumerate(fb.runnables):
                try:
                    if i == 0:
                        return attempt.invoke(input, child)
                    return contextvars.Context().run(attempt.invoke, input,
                                                     _without_callbacks(child))
                except fb.exceptions_to_handle as e:
                    first = first or e
            assert first is not None
            raise first

        async def abody(fb: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            first: BaseException | None = None
            for i, attempt in enumerate(fb.runnables):
                try:
                    if i == 0:
                        return await attempt.ainvoke(input, child)
                    return await asyncio.create_task(
                        attempt.ainvoke(input, _without_callbacks(child)),
                        context=contextvars.Context())
                except fb.exceptions_to_handle as e:
                    first = first or e
            assert first is not None
            raise first

        return [(RunnableWithFallbacks, "_body", body), (RunnableWithFallbacks, "_abody", abody)]


def _parentless(child: Any) -> Any:
    """A child config whose callback manager says its runs have no parent."""
    mgr = child.get("callbacks") if isinstance(child, Mapping) else None
    if mgr is None or not hasattr(mgr, "copy"):
        return child
    return _manager_with_parent(child, None)


class BranchConditionsParentless(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = "RunnableBranch's conditions run as roots (parent_run_id None), not as its children"

    def patches(self) -> Iterable[Patch]:
        def choose(branch: Any, input: Any, child: Any) -> Any:
            for cond, then in branch.branches:
                if cond.invoke(input, _parentless(child)):
                    return then
            return branch.default

        async def achoose(branch: Any, input: Any, child: Any) -> Any:
            for cond, then in branch.branches:
                if await cond.ainvoke(input, _parentless(child)):
                    return then
            return branch.default

        return [(RunnableBranch, "_choose", choose), (RunnableBranch, "_achoose", achoose)]


class FallbacksRaiseLastError(BrokenAdapter):
    BREAKS = ("R8",)
    BUG = ("with_fallbacks whose attempts all fail raises the last attempt's exception, not the "
           "first's")

    def patches(self) -> Iterable[Patch]:
        def body(fb: Any, input: Any, frame: Any) -> Any:
            last: BaseException | None = None
            for attempt in fb.runnables:
                try:
                    return attempt.invoke(input, frame.child_config)
                except fb.exceptions_to_handle as e:
                    last = e
            assert last is not None
            raise last

        async def abody(fb: Any, input: Any, frame: Any) -> Any:
            last: BaseException | None = None
            for attempt in fb.runnables:
                try:
                    return await attempt.ainvoke(input, frame.child_config)
                except fb.exceptions_to_handle as e:
                    last = e
            assert last is not None
            raise last

        return [(RunnableWithFallbacks, "_body", body), (RunnableWithFallbacks, "_abody", abody)]


CATALOGUE = (*CATALOGUE, FallbackAttemptsLoseRuntimeHandlers, BranchConditionsParentless,
             FallbacksRaiseLastError)


# ------------------------------------------- retry, map, assign, generator (SPEC.md §8)


class RetryReusesRunId(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = ("with_retry gives every attempt of one retry the same run id, so a trace merges "
           "them")

    def patches(self) -> Iterable[Patch]:
        def body(retry: Any, input: Any, frame: Any) -> Any:
            child = {**frame.child_config, "run_id": uuid.uuid4()}
            attempt = 1
            while True:
                try:
                    return retry.bound.invoke(input, child)
                except BaseException as e:
                    if not retry._retryable(e, attempt):
                        raise
                attempt += 1

        async def abody(retry: Any, input: Any, frame: Any) -> Any:
            child = {**frame.child_config, "run_id": uuid.uuid4()}
            attempt = 1
            while True:
                try:
                    return await retry.bound.ainvoke(input, child)
                except BaseException as e:
                    if not retry._retryable(e, attempt):
                        raise
                attempt += 1

        return [(RunnableRetry, "_body", body), (RunnableRetry, "_abody", abody)]


class MapItemsLoseRuntimeHandlers(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = (".map() (RunnableEach) runs its items detached: in a fresh context, with a config "
           "without callbacks, so runtime handlers never see them")

    def patches(self) -> Iterable[Patch]:
        def body(each: Any, inputs: Any, frame: Any) -> Any:
            return contextvars.Context().run(each.bound.batch, inputs,
                                             _without_callbacks(frame.child_config))

        async def abody(each: Any, inputs: Any, frame: Any) -> Any:
            return await asyncio.create_task(
                each.bound.abatch(inputs, _without_callbacks(frame.child_config)),
                context=contextvars.Context())

        return [(RunnableEach, "_body", body), (RunnableEach, "_abody", abody)]


class AssignSkipsItsParallel(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("RunnablePassthrough.assign runs its branches as its own children, one after "
           "another, with no RunnableParallel run between")

    def patches(self) -> Iterable[Patch]:
        def body(assign: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            return {**input, **{k: r.invoke(input, child)
                                for k, r in assign.mapper.steps__.items()}}

        async def abody(assign: Any, input: Any, frame: Any) -> Any:
            child = frame.child_config
            return {**input, **{k: await r.ainvoke(input, child)
                                for k, r in assign.mapper.steps__.items()}}

        return [(RunnableAssign, "_body", body), (RunnableAssign, "_abody", abody)]


class GeneratorEndReportsLastChunk(BrokenAdapter):
    BREAKS = ("R15",)
    BUG = ("RunnableGenerator's invoke returns (and its end event reports) only the last chunk "
           "its generator yields, not the chunks added up")

    def patches(self) -> Iterable[Patch]:
        def body(gen: Any, input: Any, frame: Any) -> Any:
            return list(gen._gen(iter((input,)), frame))[-1]

        async def abody(gen: Any, input: Any, frame: Any) -> Any:
            return [chunk async for chunk in gen._apump(_one(input), frame)][-1]

        return [(RunnableGenerator, "_body", body), (RunnableGenerator, "_abody", abody)]


async def _one(value: Any) -> Any:
    yield value


CATALOGUE = (*CATALOGUE, RetryReusesRunId, MapItemsLoseRuntimeHandlers, AssignSkipsItsParallel,
             GeneratorEndReportsLastChunk)


# ----------------------------------------------------- handler options (SPEC.md §1, §8)


class IgnoreChainSilencesTools(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = "ignore_chain also silences tool runs (which follow ignore_agent only)"

    def patches(self) -> Iterable[Patch]:
        flags = dict(_dispatch._IGNORE_FLAG)
        for event in ("on_tool_start", "on_tool_end", "on_tool_error"):
            flags[event] = (*flags[event], "ignore_chain")
        return [(_dispatch, "_IGNORE_FLAG", flags)]


class ChatModelRunHalfIgnored(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("the ignore_* flag is checked per method, not per run: a chat model's start follows "
           "ignore_chat_model, its tokens, end and error ignore_llm, so a handler with one of "
           "the two flags gets half of the run")

    def patches(self) -> Iterable[Patch]:
        flags = dict(_dispatch._IGNORE_FLAG)
        flags["on_chat_model_start"] = ("ignore_chat_model",)
        for event in ("on_chat_model_new_token", "on_chat_model_end", "on_chat_model_error"):
            flags[event] = ("ignore_llm",)

        def chat_pairs(handlers: tuple[Any, ...]) -> Iterable[Any]:
            for h in handlers:
                method = getattr(h, "on_chat_model_start", None)
                if method is not None and not getattr(h, "ignore_chat_model", False):
                    yield method, h

        return [(_dispatch, "_IGNORE_FLAG", flags), (_dispatch, "_chat_pairs", chat_pairs)]


class ManagerHandlersAllInherited(BrokenAdapter):
    BREAKS = ("R1", "R2")
    BUG = ("a callback manager in a config is taken as a list of its handlers: its local ones "
           "(add_handler(h, inherit=False)) reach every child run")

    def patches(self) -> Iterable[Patch]:
        configure = vars(BaseCallbackManager)["configure"].__func__

        def flattened(cls: Any, inheritable_callbacks: Any = None, *args: Any,
                      **kwargs: Any) -> Any:
            if isinstance(inheritable_callbacks, BaseCallbackManager):
                inheritable_callbacks = list(inheritable_callbacks.handlers)
            return configure(cls, inheritable_callbacks, *args, **kwargs)

        return [(BaseCallbackManager, "configure", classmethod(flattened))]


class AsCompletedDropsLateItemsHandlers(BrokenAdapter):
    BREAKS = ("R1", "R11")
    BUG = ("batch_as_completed and abatch_as_completed run every input after the first with "
           "its config's callbacks dropped (batch and abatch are fine)")

    def patches(self) -> Iterable[Patch]:
        sync, asynchronous = _as_completed.batch_as_completed, _as_completed.abatch_as_completed

        def late_without_callbacks(inputs: Sequence[Any], config: Any) -> list[Any]:
            configs = list(config) if isinstance(config, list) else [config] * len(inputs)
            return [c if i == 0 else _without_callbacks(c) for i, c in enumerate(configs)]

        def batch_as_completed(r: Any, inputs: Sequence[Any], config: Any, *args: Any) -> Any:
            return sync(r, inputs, late_without_callbacks(inputs, config), *args)

        def abatch_as_completed(r: Any, inputs: Sequence[Any], config: Any, *args: Any) -> Any:
            return asynchronous(r, inputs, late_without_callbacks(inputs, config), *args)

        return [(_as_completed, "batch_as_completed", batch_as_completed),
                (_as_completed, "abatch_as_completed", abatch_as_completed)]


class LimitedBatchSharesFirstConfig(BrokenAdapter):
    BREAKS = ("R1",)
    BUG = ("a batch whose configs set max_concurrency above 1 runs every input with the first "
           "input's config (one config object shared by the items that run at once)")

    def patches(self) -> Iterable[Patch]:
        def per_item_configs(config: Any, n: int) -> Any:
            if isinstance(config, list) and config and (
                    (config[0] or {}).get("max_concurrency") or 0) > 1:
                config = config[0]
            return _per_item_configs(config, n)

        return everywhere(_per_item_configs, per_item_configs)


class StreamEventsParentIdsNearestFirst(BrokenAdapter):
    BREAKS = ("R6",)
    BUG = ("astream_events gives parent_ids nearest ancestor first (the callbacks' parent links "
           "read upwards) instead of root first")

    def patches(self) -> Iterable[Patch]:
        def parent_ids(handler: Any, run: Any) -> list[str]:
            out: list[str] = []
            parent = run.parent
            while parent is not None and parent in handler.runs:
                out.append(str(parent))
                parent = handler.runs[parent].parent
            return out

        return [(_events._EventHandler, "_parent_ids", parent_ids)]


CATALOGUE = (*CATALOGUE, IgnoreChainSilencesTools, ChatModelRunHalfIgnored,
             ManagerHandlersAllInherited, AsCompletedDropsLateItemsHandlers,
             LimitedBatchSharesFirstConfig, StreamEventsParentIdsNearestFirst)


# Engines found by red-teaming the suite (bugs of kinds the engines above lack: payloads of some
# node kinds, stream-only and async-only deliveries, flags and faults beside other handlers,
# tags lost or leaked below the first level, mode-specific parent links); see ``redteam``.
from .redteam import REDTEAM_ENGINES  # noqa: E402

for _engine in REDTEAM_ENGINES:
    globals()[_engine.__name__] = _engine
CATALOGUE = (*CATALOGUE, *REDTEAM_ENGINES)
