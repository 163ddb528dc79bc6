"""Broken engines that break a rule the way a known deviation does, but in another shape.

An expectation entry wider than its deviation hides any new deviation of the same rule and kind
that falls inside it: a gate with that file passes on such an engine. Each engine here is the
reference with one bug that entries of ``expectations/`` once covered and, narrowed, no longer
do (``FILE``: a file with those entries; ``WIDE``: the entries, with their old ``where``;
``BREAKS``: the rule). ``tests/selftest/test_narrow_expectations.py`` runs the rule's property on
each engine's ``CASE`` with every file that has the entries. They are not in
``catalogue.CATALOGUE``: what they check is the expectation files, not the suite.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, ClassVar

from conformance.adapter import Outcome
from conformance.model import STREAM_MODES, Invocation
from conformance.observed import HandlerFault
from reference.runnables import _config, _lifecycle
from reference.runnables._base import Runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._each import RunnableEach
from reference.runnables._frame import RunFrame
from reference.runnables._lambda import RunnableLambda

from ._patching import Patch, everywhere
from .catalogue import (
    BindingLeaksToSiblings,
    BrokenAdapter,
    ErrorReportedAsEnd,
    FallbacksRaiseLastError,
    NoDedup,
)

__all__ = ["BESIDE_KNOWN", "BesideKnown"]

_end_run = _lifecycle.end_run
_aend_run = _lifecycle.aend_run
_fail_run = _lifecycle.fail_run
_transform = Runnable.transform
_atransform = Runnable.atransform

#: The invocation mode the adapter is running (the bugs below show in some modes only).
_MODE: ContextVar[str] = ContextVar("_MODE", default="")


class BesideKnown(BrokenAdapter):
    """A broken engine whose bug a wide entry of an expectation file hid."""

    #: An expectation file whose entries hid the bug before they were narrowed.
    FILE: ClassVar[str] = ""
    #: The entries that hid the bug, each with its ``where`` before it was narrowed.
    WIDE: ClassVar[Mapping[str, Mapping[str, Sequence[str]]]] = {}
    #: A scenario (JSON) on which the engine shows the bug.
    CASE: ClassVar[Mapping[str, Any]] = {}
    #: The files to check, when not every file with the entries: another file may have an
    #: entry of its own that rightly covers the bug (its implementation has it).
    ONLY_IN: ClassVar[tuple[str, ...]] = ()

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        token = _MODE.set(invocation.mode)
        try:
            return super().invoke(root, invocation, handlers)
        finally:
            _MODE.reset(token)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        token = _MODE.set(invocation.mode)
        try:
            return await super().ainvoke(root, invocation, handlers)
        finally:
            _MODE.reset(token)


class StreamRootErrorsAfterSuccess(BesideKnown):
    BREAKS: ClassVar[tuple[str, ...]] = ("R8",)
    FILE = "langchain_core-latest.json"
    WIDE = {"retry-stream-not-retried-ancestors-fail": {
        "mode": ["stream", "astream", "astream_events"], "fails": ["no"]}}
    BUG: ClassVar[str] = ("in the stream modes a streamed root run that succeeds reports an "
                          "error event instead of its end (the call still returns its chunks), "
                          "though no lambda of the chain is retried")
    #: The modes in which a root run that succeeds reports an error.
    MODES: ClassVar[frozenset[str]] = STREAM_MODES
    CASE = {"chain": {"nodes": [{"label": "s", "kind": "sequence", "children": ["a", "b"]},
                                {"label": "a", "kind": "lambda"},
                                {"label": "b", "kind": "lambda"}], "root": "s"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "stream", "inputs": ["x"], "callbacks": ["h"]}}

    def patches(self) -> Iterable[Patch]:
        modes = self.MODES

        def fails_at_root(frame: RunFrame) -> bool:
            return _MODE.get() in modes and frame.parent_run_id is None

        def end_run(frame: RunFrame, value: Any) -> None:
            if fails_at_root(frame):
                _lifecycle.fail_run(frame, RuntimeError("the root fails after the fact"))
            else:
                _end_run(frame, value)

        async def aend_run(frame: RunFrame, value: Any) -> None:
            if fails_at_root(frame):
                await _lifecycle.afail_run(frame, RuntimeError("the root fails after the fact"))
            else:
                await _aend_run(frame, value)

        return [*everywhere(_end_run, end_run), *everywhere(_aend_run, aend_run)]


class AsyncRootErrorsAfterSuccess(StreamRootErrorsAfterSuccess):
    WIDE = {"async-parallel-cancels-siblings": {
        "mode": ["ainvoke", "abatch", "astream", "astream_events", "abatch_as_completed"]}}
    BUG: ClassVar[str] = ("in ainvoke and abatch a root run that succeeds reports an error "
                          "event instead of its end (the call still returns its value), though "
                          "nothing fails and no parallel cancels anything")
    MODES = frozenset({"ainvoke", "abatch"})
    CASE = {**StreamRootErrorsAfterSuccess.CASE,
            "invocation": {"mode": "ainvoke", "inputs": ["x"], "callbacks": ["h"]}}


class FailedStreamStartsLaterLambdas(BesideKnown):
    BREAKS: ClassVar[tuple[str, ...]] = ("R11",)
    FILE = "langchain_core-latest.json"
    WIDE = {"stream-abandons-upstream-steps": {"compared": ["stream", "astream"],
                                               "fails": ["yes"]},
            "stream-abandons-upstream-steps-stream-events": {"compared": ["astream_events"],
                                                             "fails": ["yes"]}}
    BUG: ClassVar[str] = ("in the stream modes a lambda after a step that failed before "
                          "producing anything still starts its run, and ends it with the "
                          "upstream failure (a run invoke never starts)")
    CASE = {"chain": {"nodes": [{"label": "s", "kind": "sequence", "children": ["a", "f", "b"]},
                                {"label": "a", "kind": "lambda"},
                                {"label": "f", "kind": "lambda", "fail": True},
                                {"label": "b", "kind": "lambda"}], "root": "s"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}

    def patches(self) -> Iterable[Patch]:
        def transform(r: Any, input: Iterator[Any], config: Any = None, **kw: Any
                      ) -> Iterator[Any]:
            if not isinstance(r, RunnableLambda):
                return _transform(r, input, config, **kw)
            return _started_anyway(r, input, config, kw)

        def atransform(r: Any, input: AsyncIterator[Any], config: Any = None, **kw: Any
                       ) -> AsyncIterator[Any]:
            if not isinstance(r, RunnableLambda):
                return _atransform(r, input, config, **kw)
            return _astarted_anyway(r, input, config, kw)

        return [(Runnable, "transform", transform), (Runnable, "atransform", atransform)]


class FailedStreamStartsLaterLambdasBesideAStreamedMap(FailedStreamStartsLaterLambdas):
    """The same bug against LangChain.js's map-stream-names-its-run, which covered every R11
    difference."""

    FILE = "langchainjs-latest.json"
    WIDE = {"map-stream-names-its-run": {}}


class BatchRootFailureNeverEnds(BesideKnown):
    BREAKS: ClassVar[tuple[str, ...]] = ("R8",)
    FILE = "langchainjs-0.3.json"
    WIDE = {"failing-map-batch-branches-end-too-late": {"mode": ["batch"], "fails": ["yes"]}}
    BUG: ClassVar[str] = ("in batch the root run of an item that fails never gets its error "
                          "event (no parallel anywhere: nothing is left running)")
    CASE = {"chain": {"nodes": [{"label": "s", "kind": "sequence", "children": ["a", "f"]},
                                {"label": "a", "kind": "lambda"},
                                {"label": "f", "kind": "lambda", "fail": True}], "root": "s"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "batch", "inputs": ["x"], "callbacks": ["h"]}}

    #: The modes in which a failing root run never ends.
    MODES: ClassVar[frozenset[str]] = frozenset({"batch"})

    def patches(self) -> Iterable[Patch]:
        modes = self.MODES

        def fail_run(frame: RunFrame, error: BaseException) -> None:
            if not (_MODE.get() in modes and frame.parent_run_id is None):
                _fail_run(frame, error)

        return everywhere(_fail_run, fail_run)


class StreamRootFailureNeverEnds(BatchRootFailureNeverEnds):
    FILE = "langchain_core-latest.json"
    WIDE = {"stream-parallel-leaves-failed-branch-open": {
        "mode": ["stream", "astream", "astream_events"], "fails": ["yes"]}}
    BUG: ClassVar[str] = ("in stream the root run of a call that fails never gets its error "
                          "event (no parallel anywhere: nothing is left running)")
    MODES = frozenset({"stream"})
    CASE = BatchRootFailureNeverEnds.CASE | {
        "invocation": {"mode": "stream", "inputs": ["x"], "callbacks": ["h"]}}


class MapItemsLoseTheirHandlers(BesideKnown):
    BREAKS: ClassVar[tuple[str, ...]] = ("R1",)
    FILE = "langchain_core-latest.json"
    WIDE = {"map-cancels-waiting-items": {"parent": ["map"]}}
    BUG: ClassVar[str] = (".map() runs its items with a config that has no callbacks, so no "
                          "handler sees them, though nothing fails")
    CASE = {"chain": {"nodes": [{"label": "f", "kind": "lambda", "fanout": 2},
                                {"label": "g", "kind": "lambda"},
                                {"label": "m", "kind": "map", "children": ["g"]},
                                {"label": "s", "kind": "sequence", "children": ["f", "m"]}],
                      "root": "s"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}

    def patches(self) -> Iterable[Patch]:
        def body(each: Any, inputs: list[Any], frame: RunFrame) -> list[Any]:
            return list(each.bound.batch(inputs, {**frame.child_config, "callbacks": None}))

        async def abody(each: Any, inputs: list[Any], frame: RunFrame) -> list[Any]:
            return list(await each.bound.abatch(inputs, {**frame.child_config,
                                                          "callbacks": None}))

        return [(RunnableEach, "_body", body), (RunnableEach, "_abody", abody)]


class BoundHandlersLeakToALambdaUsedAgain(BindingLeaksToSiblings, BesideKnown):
    """The catalogue's BindingLeaksToSiblings, on a lambda used inside a binding and again after
    it: a bound handler's run outside its subtree, in a chain with no tool."""

    FILE = "langchainjs-latest.json"
    WIDE = {"tool-callee-child-seen-as-the-tools-child": {
        "node": ["lambda"], "routes": ["bound"]}}
    CASE = {"chain": {"nodes": [{"label": "fn1", "kind": "lambda"},
                                {"label": "b1", "kind": "binding", "children": ["fn1"],
                                 "callbacks": ["h1"]},
                                {"label": "p", "kind": "parallel", "children": ["b1", "fn1"]}],
                      "root": "p"},
            "handlers": [{"id": "h1"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": []}}


class ErrorReportedAsEndWithoutTools(ErrorReportedAsEnd, BesideKnown):
    """The catalogue's ErrorReportedAsEnd in a chain with no tool: LangChain.js's
    tool-callee-failure-ends-as-the-tool covered every R8 end-instead-of-error."""

    FILE = "langchainjs-latest.json"
    WIDE = {"tool-callee-failure-ends-as-the-tool": {}}
    CASE = BatchRootFailureNeverEnds.CASE | {
        "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}


class FallbacksRaiseLastErrorOutsideAMap(FallbacksRaiseLastError, BesideKnown):
    """The catalogue's FallbacksRaiseLastError: a wrong exception with no parallel anywhere,
    which LangChain.js's map-throws-the-earliest-failure covered."""

    FILE = "langchainjs-latest.json"
    WIDE = {"map-throws-the-earliest-failure": {}}
    CASE = {"chain": {"nodes": [{"label": "a", "kind": "lambda", "fail": True},
                                {"label": "b", "kind": "lambda", "fail": True},
                                {"label": "fb", "kind": "fallbacks", "children": ["a", "b"]}],
                      "root": "fb"},
            "handlers": [{"id": "h"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h"]}}


def _started_anyway(r: Runnable[Any, Any], input: Iterator[Any], config: Any,
                    kw: dict[str, Any]) -> Iterator[Any]:
    chunks: list[Any] = []
    try:
        chunks.extend(input)
    except Exception as exc:
        frame = _lifecycle.open_run(r, _lifecycle.CHAIN, config, None)
        _lifecycle.fail_run(frame, exc)
        raise
    yield from _transform(r, iter(chunks), config, **kw)


async def _astarted_anyway(r: Runnable[Any, Any], input: AsyncIterator[Any], config: Any,
                           kw: dict[str, Any]) -> AsyncIterator[Any]:
    chunks: list[Any] = []
    try:
        chunks.extend([c async for c in input])
    except Exception as exc:
        frame = await _lifecycle.aopen_run(r, _lifecycle.ACHAIN, config, None)
        await _lifecycle.afail_run(frame, exc)
        raise
    async for out in _atransform(r, _aiter(chunks), config, **kw):
        yield out


async def _aiter(items: list[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


class NoDedupBesideAConstructor(NoDedup, BesideKnown):
    """The catalogue's NoDedup on a handler given once at run time and once to a constructor:
    langchain-core delivers a handler twice only where two callbacks lists are joined (one
    list naming it twice, or the invocation's and a binding's), never for a constructor's."""

    FILE = "langchain_core-latest.json"
    ONLY_IN = ("langchain_core-0.2.json", "langchain_core-0.3.json",
               "langchain_core-latest.json")  # LangChain.js 0.3 has this deviation too
    WIDE = {"duplicate-handler-delivered-twice": {"registrations": ["several"]}}
    CASE = {"chain": {"nodes": [{"label": "fn1", "kind": "lambda", "callbacks": ["h1"]},
                                {"label": "fn2", "kind": "lambda"},
                                {"label": "s", "kind": "sequence", "children": ["fn1", "fn2"]}],
                      "root": "s"},
            "handlers": [{"id": "h1"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h1"]}}


class CallersHandlersReplaceBoundOnes(BesideKnown):
    BREAKS: ClassVar[tuple[str, ...]] = ("R2",)
    FILE = "langchain_core-latest.json"
    ONLY_IN = ("langchain_core-0.2.json", "langchain_core-0.3.json",
               "langchain_core-latest.json")
    WIDE = {"nested-binding-replaces-callbacks": {"routes": ["bound"]}}
    BUG: ClassVar[str] = ("a binding invoked with callbacks in its caller's config drops its own "
                          "(the caller's list replaces the bound one), though no binding wraps "
                          "another")
    CASE = {"chain": {"nodes": [{"label": "fn1", "kind": "lambda"},
                                {"label": "b", "kind": "binding", "children": ["fn1"],
                                 "callbacks": ["h1"]}],
                      "root": "b"},
            "handlers": [{"id": "h1"}, {"id": "h2"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h2"]}}

    def patches(self) -> Iterable[Patch]:
        merged = RunnableBinding._merged

        def replaced(binding: Any, config: Any) -> Any:
            given = (config or {}).get("callbacks")
            if given is None or not binding.config.get("callbacks"):
                return merged(binding, config)
            rest = {k: v for k, v in binding.config.items() if k != "callbacks"}
            resolved, _ = _config.resolve_config(config)
            return _config.merge_configs(rest, resolved)

        return [(RunnableBinding, "_merged", replaced)]


class RaiseErrorLeavesTheCallerOpen(BesideKnown):
    """A run left open after a raise_error handler raised, but not the run whose event raised:
    langchain-core leaves open only a run whose own start raised (or, streamed, a parallel's
    sibling branch), never the caller of a run whose end raised."""

    BREAKS: ClassVar[tuple[str, ...]] = ("R10",)
    FILE = "langchain_core-latest.json"
    WIDE = {"raise-error-start-leaves-run-open": {}}
    BUG: ClassVar[str] = ("after a raise_error handler raised on a step's end, the root run "
                          "that called the step never gets its error event")
    CASE = {"chain": {"nodes": [{"label": "fn1", "kind": "lambda"},
                                {"label": "fn2", "kind": "lambda"},
                                {"label": "s", "kind": "sequence", "children": ["fn1", "fn2"]}],
                      "root": "s"},
            "handlers": [{"id": "h1", "fault": "raise_error", "fault_on": "end"}],
            "invocation": {"mode": "invoke", "inputs": ["x"], "callbacks": ["h1"]}}

    def patches(self) -> Iterable[Patch]:
        def fail_run(frame: RunFrame, error: BaseException) -> None:
            if not (isinstance(error, HandlerFault) and frame.parent_run_id is None):
                _fail_run(frame, error)

        return everywhere(_fail_run, fail_run)


class RaiseErrorLeavesTheCallerOpenBesideJS(RaiseErrorLeavesTheCallerOpen):
    """The same bug against LangChain.js's raise-error-handler-leaves-run-open, which covered
    every run left open."""

    FILE = "langchainjs-latest.json"
    WIDE = {"raise-error-handler-leaves-run-open": {}}


BESIDE_KNOWN: tuple[type[BesideKnown], ...] = (
    StreamRootErrorsAfterSuccess, AsyncRootErrorsAfterSuccess, FailedStreamStartsLaterLambdas,
    BoundHandlersLeakToALambdaUsedAgain, BatchRootFailureNeverEnds,
    ErrorReportedAsEndWithoutTools, MapItemsLoseTheirHandlers, StreamRootFailureNeverEnds,
    FailedStreamStartsLaterLambdasBesideAStreamedMap, FallbacksRaiseLastErrorOutsideAMap,
    NoDedupBesideAConstructor, CallersHandlersReplaceBoundOnes,
    RaiseErrorLeavesTheCallerOpen, RaiseErrorLeavesTheCallerOpenBesideJS)
