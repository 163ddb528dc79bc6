"""Adapters that are themselves broken (not the engine): the runner must stop with exit status 2
and say which adapter and what is wrong, never report them as rule failures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from conformance.adapter import Outcome, Probe
from conformance.adapters.reference import ReferenceAdapter
from conformance.events import EventSink
from conformance.model import Chain, HandlerSpec, Invocation

__all__ = [
    "BananaRunTypeAdapter",
    "BuildRaisesAdapter",
    "GarbageInvokeAdapter",
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


class NamelessStartsAdapter(_BadRecorderAdapter):
    name = "nameless-starts-adapter"
    start_overrides = {"name": None}


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
