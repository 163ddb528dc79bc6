"""A harness for in-process adapters: ``python -m conformance.harnesses.python [ADAPTER]``.

It reads protocol requests from stdin and answers on stdout, one JSON object per line, running
every case through the in-process adapter ``ADAPTER`` (anything ``--impl`` accepts; default
``reference``) with the suite's own harness code, so the events, outcomes, faults and late
events it reports are exactly what the in-process run observes. Requests are served one at a
time in arrival order (requests in flight simply queue).
"""

from __future__ import annotations

import json
import platform
import sys
import traceback
from collections.abc import Mapping, Sequence
from typing import IO, Any

from ..adapter import Adapter, Capabilities, HandlerFault, InjectedFailure, load_adapter
from ..events import NOT_REPORTED, Event
from ..harness import run_concurrently, run_scenario
from ..model import Chain, HandlerSpec, Invocation, Scenario
from ..protocol import PROTOCOL_VERSION

__all__ = ["capabilities_to_json", "main", "observation_to_json"]

def capabilities_to_json(caps: Capabilities) -> dict[str, Any]:
    """The ``capabilities`` of ``started``: every field of :class:`Capabilities`, by its type
    (sets as sorted lists, mappings as objects, the rest booleans), so a field added later is
    sent in the shape the protocol's schema gives it."""
    out: dict[str, Any] = {}
    for name in Capabilities.__dataclass_fields__:
        value = getattr(caps, name)
        if name == "modes":
            # protocol 1's results have no field for astream_events' stream events
            value = frozenset(value) - {"astream_events"}
        if isinstance(value, set | frozenset):
            out[name] = sorted(value)
        elif isinstance(value, Mapping):
            out[name] = dict(value)
        else:
            out[name] = bool(value)
    return out


def _event(ev: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"handler": ev.handler, "method": ev.method, "run_id": ev.run_id,
                           "parent_run_id": ev.parent_run_id,
                           "name": ev.name if ev.name_kw is NOT_REPORTED else ev.name_kw,
                           "tags": list(ev.tags), "metadata": dict(ev.metadata)}
    if ev.serialized is not NOT_REPORTED:
        out["serialized"] = None if ev.serialized is None else {
            k: v for k, v in ev.serialized if k == "name"}
    if ev.payload is not NOT_REPORTED:
        out["payload"] = ev.payload
    return out


def _outcome(outcome: Any, was_raised: Any) -> dict[str, Any]:
    err = outcome.error
    if err is None:
        return {"value": outcome.value}
    if isinstance(err, InjectedFailure):
        return {"error": {"kind": "injected", "label": err.label, "original": was_raised(err)}}
    if isinstance(err, HandlerFault):
        words = str(err).split()
        handler = words[1] if len(words) > 1 and words[0] == "handler" else "?"
        return {"error": {"kind": "handler_fault", "handler": handler, "message": str(err)}}
    return {"error": {"kind": "other", "type": type(err).__name__, "message": str(err)}}


def observation_to_json(observation: Any) -> dict[str, Any]:
    """One ``result`` of ``ran``: what an in-process run observed."""
    events = observation.events
    return {
        "outcomes": [_outcome(o, observation.probe.was_raised) for o in observation.outcomes],
        "events": [_event(ev) for ev in events],
        "returned": len(events) if observation.returned is None else observation.returned,
        "faults": [{"handler": h, "method": m} for h, m in observation.faults],
        "reports": list(observation.fault_reports),
    }


def _implementation(adapter: Adapter) -> dict[str, Any]:
    prefix = getattr(adapter, "prefix", None)
    out = {"name": adapter.name, "version": adapter.version, "language": "python",
           "runtime": {"name": platform.python_implementation().lower(),
                       "version": platform.python_version()}}
    if isinstance(prefix, str):
        out["package"] = prefix
    return out


def answer(adapter: Adapter, request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The response to one request (None for ``stop``)."""
    cmd, ident = request.get("cmd"), request.get("id")
    if cmd == "start":
        return {"id": ident, "protocol": PROTOCOL_VERSION,
                "implementation": _implementation(adapter),
                "capabilities": capabilities_to_json(adapter.capabilities)}
    if cmd == "run":
        observation = run_scenario(adapter, Scenario.from_json(request["scenario"]))
        return {"id": ident, "results": [observation_to_json(observation)]}
    if cmd == "run_concurrently":
        chain = Chain.from_json(request["chain"])
        scenarios: Sequence[Scenario] = [
            Scenario(chain, tuple(HandlerSpec.from_json(h) for h in case["handlers"]),
                     Invocation.from_json(case["invocation"])) for case in request["cases"]]
        observations = run_concurrently(adapter, scenarios)
        return {"id": ident, "results": [observation_to_json(o) for o in observations]}
    return {"id": ident if isinstance(ident, int) else None,
            "error": {"message": f"unknown command {cmd!r}"}}


def serve(adapter: Adapter, stdin: IO[str], stdout: IO[str]) -> None:
    """Answer requests until ``stop`` or the end of input."""
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if request.get("cmd") == "stop":
                return
            response = answer(adapter, request)
        except Exception as exc:  # the harness's own failure: reported, the harness goes on
            ident = request.get("id") if isinstance(locals().get("request"), dict) else None
            response = {"id": ident if isinstance(ident, int) else None,
                        "error": {"message": f"{type(exc).__name__}: {exc}",
                                  "detail": traceback.format_exc(limit=8)}}
        stdout.write(json.dumps(response, separators=(",", ":")) + "\n")
        stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    adapter = load_adapter(args[0] if args else "reference")
    # Whatever the engine prints must not corrupt the protocol stream: stdout is the protocol's
    # alone, and anything printed goes to stderr.
    protocol_out = sys.stdout
    sys.stdout = sys.stderr
    serve(adapter, sys.stdin, protocol_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
