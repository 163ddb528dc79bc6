"""Adapters that are themselves broken (not the engine): the runner must stop with exit status 2
and say which adapter and what is wrong, never report them as rule failures."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from conformance.adapter import Outcome, Probe
from conformance.adapters.reference import ReferenceAdapter
from conformance.events import EventSink
from conformance.model import Chain, HandlerSpec, Invocation

__all__ = [
    "BananaRunTypeAdapter",
    "BuildRaisesAdapter",
    "ChattyAdapter",
    "EverythingTwiceAdapter",
    "ExitInvokeAdapter",
    "ExitOnStreamAdapter",
    "GarbageInvokeAdapter",
    "HangAinvokeAdapter",
    "HangBuildAdapter",
    "HangInvokeAdapter",
    "LeakThreadAdapter",
    "NamelessStartsAdapter",
    "RaisesOnCreation",
]


class BuildRaisesAdapter(ReferenceAdapter):
    name = "bad-build-adapter"

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        raise ValueError("this adapter cannot build anything (on purpose)")


class _DistortingSink:
    """Passes records on to the suite's sink with start events' fields overridden."""

    def __init__(self, sink: EventSink, overrides: Mapping[str, Any]) -> None:
        self._sink = sink
        self._overrides = overrides

    def record(self, handler: str, kind: str, **fields: Any) -> None:
        if kind == "start":
            fields = {**fields, **self._overrides}
        self._sink.record(handler, kind, **fields)


class _BadRecorderAdapter(ReferenceAdapter):
    """Its recording handler writes start events with the fields of ``start_overrides``."""

    start_overrides: Mapping[str, Any] = {}

    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object:
        distorting: Any = _DistortingSink(sink, self.start_overrides)
        return super().make_handler(spec, distorting)


class _TwiceSink:
    """Records every event twice."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink

    def record(self, handler: str, kind: str, **fields: Any) -> None:
        self._sink.record(handler, kind, **fields)
        self._sink.record(handler, kind, **fields)

    def __getattr__(self, name: str) -> Any:  # describe_error, fault_raised: the sink's own
        return getattr(self._sink, name)


class EverythingTwiceAdapter(ReferenceAdapter):
    """Every handler hears every event twice: every run breaks R5, so a differential property
    (R11) has nothing to compare on any example: inconclusive, never pass."""

    name = "everything-twice-adapter"

    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object:
        twice: Any = _TwiceSink(sink)
        return super().make_handler(spec, twice)


class NamelessStartsAdapter(_BadRecorderAdapter):
    name = "nameless-starts-adapter"
    start_overrides = {"name": None, "serialized": None}


class BananaRunTypeAdapter(_BadRecorderAdapter):
    name = "banana-adapter"
    start_overrides = {"run_type": "banana"}


class GarbageInvokeAdapter(ReferenceAdapter):
    name = "garbage-invoke-adapter"

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        super().invoke(root, invocation, handlers)
        return "garbage"  # type: ignore[return-value]

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        await super().ainvoke(root, invocation, handlers)
        return [42]  # type: ignore[list-item]


def RaisesOnCreation() -> object:
    raise RuntimeError("no adapter today (on purpose)")


# --- adapters that hang, crash, leak threads or flood the output ------------------------------
# Each must end as an errored test (exit status 2) naming the test and the scenario, within the
# deadline, and never as a passed rule.


class HangInvokeAdapter(ReferenceAdapter):
    """Every sync invocation blocks for ever."""

    name = "hang-invoke-adapter"

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        threading.Event().wait()
        raise AssertionError("unreachable")


class HangAinvokeAdapter(ReferenceAdapter):
    """Every async invocation awaits something that never happens."""

    name = "hang-ainvoke-adapter"

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class HangBuildAdapter(ReferenceAdapter):
    """Building a chain spins for ever (holding the GIL between bytecodes)."""

    name = "hang-build-adapter"

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        while True:
            pass


class ExitInvokeAdapter(ReferenceAdapter):
    """Every sync invocation ends the process, as a crash in native code would."""

    name = "exit-invoke-adapter"

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        os._exit(3)


class ExitOnStreamAdapter(ReferenceAdapter):
    """Ends the process only when asked to stream or batch (sync): most examples run fine, and
    a quick run of any rule draws such a mode (one in three draws)."""

    name = "exit-on-stream-adapter"

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        if invocation.mode in ("stream", "batch"):
            os._exit(3)
        return super().invoke(root, invocation, handlers)


class LeakThreadAdapter(ReferenceAdapter):
    """Every invocation starts a non-daemon thread that never ends."""

    name = "leak-thread-adapter"
    _forever = threading.Event()

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        threading.Thread(target=self._forever.wait, name="leaked-by-adapter").start()
        return super().invoke(root, invocation, handlers)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        threading.Thread(target=self._forever.wait, name="leaked-by-adapter").start()
        return await super().ainvoke(root, invocation, handlers)


class ChattyAdapter(ReferenceAdapter):
    """Prints a megabyte per invocation."""

    name = "chatty-adapter"

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        print("x" * 1_000_000)
        return super().invoke(root, invocation, handlers)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        sys.stderr.write("y" * 1_000_000 + "\n")
        return await super().ainvoke(root, invocation, handlers)
