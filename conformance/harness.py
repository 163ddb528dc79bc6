"""Runs scenarios through an adapter and collects observations.

This is the only place that calls adapter methods, so it is the only place that has to tell the
adapter's own bugs (reported as :class:`~conformance.adapter.AdapterError`) from the behaviour of
the implementation under test (reported as rule violations).
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Final, TypeVar

from . import eventloop
from .adapter import Adapter, AdapterError, Reproducing
from .events import EventSink
from .faultlog import capture_fault_reports
from .model import ASYNC_MODES, Chain, Invocation, Scenario
from .observed import Observation, Outcome, Probe, drop_tracebacks
from .watch import WATCH

__all__ = ["build", "reproduction", "run_concurrently", "run_scenario", "strip_handlers"]

T = TypeVar("T")


def _guard(adapter: Adapter, step: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except AdapterError:
        raise
    except Exception as exc:
        raise AdapterError(
            f"adapter {adapter.name!r} raised {type(exc).__name__} in {step}: {exc}"
        ) from exc


def _handlers(adapter: Adapter, scenario: Scenario, sink: EventSink) -> dict[str, object]:
    return {
        spec.id: _guard(adapter, f"make_handler({spec.id!r})",
                        lambda spec=spec: adapter.make_handler(spec, sink))  # type: ignore[misc]
        for spec in scenario.handlers
    }


def build(adapter: Adapter, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
    """Build ``chain`` with the adapter; a crash is the adapter's, with the chain in the message."""
    return _guard(adapter, "build()", lambda: adapter.build(chain, handlers, probe))


def _outcomes(adapter: Adapter, got: object) -> tuple[Outcome, ...]:
    if not isinstance(got, Sequence) or not all(isinstance(o, Outcome) for o in got):
        raise AdapterError(
            f"adapter {adapter.name!r}: invoke must return a sequence of conformance.Outcome, "
            f"got {got!r}"
        )
    for i, outcome in enumerate(got):
        try:
            json.dumps(outcome.value)
        except (TypeError, ValueError) as exc:
            raise AdapterError(
                f"adapter {adapter.name!r}: Outcome.value of input {i} is not a canonical JSON "
                f"value ({exc}): convert it with conformance.events.canonical"
            ) from None
        if outcome.error is not None and not isinstance(outcome.error, BaseException):
            raise AdapterError(f"adapter {adapter.name!r}: Outcome.error of input {i} must be "
                               f"the exception raised, got {outcome.error!r}")
    return tuple(got)


def _call(adapter: Adapter, root: object, invocation: Invocation,
          handlers: Mapping[str, object]) -> tuple[Outcome, ...]:
    if invocation.mode in ASYNC_MODES:
        got: object = _guard(adapter, f"ainvoke({invocation.mode})",
                             lambda: eventloop.run(adapter.ainvoke(root, invocation, handlers)))
    elif invocation.inside_loop:
        got = _guard(adapter, f"invoke({invocation.mode}) inside a running event loop",
                     lambda: eventloop.run(_inside_loop(adapter, root, invocation, handlers)))
    else:
        got = _guard(adapter, f"invoke({invocation.mode})",
                     lambda: adapter.invoke(root, invocation, handlers))
    return _outcomes(adapter, got)


async def _inside_loop(adapter: Adapter, root: object, invocation: Invocation,
                       handlers: Mapping[str, object]) -> object:
    """A sync mode called from a coroutine: the engine finds an event loop running
    (``Invocation.inside_loop``)."""
    return adapter.invoke(root, invocation, handlers)


def _observation(adapter: Adapter, sink: EventSink, outcomes: tuple[Outcome, ...],
                 probe: Probe, returned: int | None = None) -> Observation:
    if sink.problems:
        raise AdapterError(
            f"adapter {adapter.name!r}: its recording handler produced malformed events: "
            + "; ".join(sink.problems[:3])
        )
    return Observation(sink.events, outcomes, probe, returned, tuple(sink.faults),
                       tuple(sink.reports), tuple(sink.changed_payloads()))


#: Longest wait for stragglers after a call whose parallel branches could be abandoned: only an
#: engine that left work running waits for it (see :func:`_await_stragglers`).
STRAGGLER_GRACE: Final = 0.05


def _may_straggle(scenario: Scenario) -> bool:
    """A failing branch is where an engine might stop waiting for the others (R7.6)."""
    nodes = scenario.chain.nodes
    return any(n.kind == "parallel" for n in nodes) and any(n.fail for n in nodes)


def _can_fail(scenario: Scenario) -> bool:
    """Whether a run of the scenario can fail: a failing or flaky node, a faulty handler."""
    return any(n.fail or n.flaky for n in scenario.chain.nodes) \
        or any(h.fault != "none" for h in scenario.handlers)


def _overlapped(scenario: Scenario) -> set[str]:
    """The labels of the nodes something else of the same invocation can run beside: under the
    branches of a parallel or an ``assign`` of several, a ``.map()`` (its items), a function
    calling several children at once, or anywhere when there are several inputs."""
    chain = scenario.chain
    if len(scenario.invocation.inputs) > 1:
        return {n.label for n in chain.walk()}
    found: set[str] = set()
    seen: set[tuple[str, bool]] = set()

    def visit(label: str, beside: bool) -> None:
        if (label, beside) in seen:
            return
        seen.add((label, beside))
        if beside:
            found.add(label)
        node = chain[label]
        fans_out = (node.kind == "map" or (node.kind in ("parallel", "assign")
                                            and len(node.children) > 1)
                    or (node.concurrent and len(node.children) > 1))
        for child in node.children:
            visit(child, beside or fans_out)

    visit(chain.root, False)
    return found


def _as_run(scenario: Scenario) -> Chain:
    """The chain the adapter builds: a slow lambda nothing can run beside is run as a plain
    one (its pause would only wait out its delay)."""
    chain = scenario.chain
    if not any(n.slow for n in chain.nodes):
        return chain
    overlapped = _overlapped(scenario)
    if all(n.label in overlapped for n in chain.nodes if n.slow):
        return chain
    return Chain(tuple(replace(n, slow=False) if n.slow and n.label not in overlapped else n
                       for n in chain.nodes), chain.root)


def run_scenario(adapter: Adapter, scenario: Scenario) -> Observation:
    """Build the scenario's chain, invoke it once, and return what was observed (under
    :data:`~conformance.watch.WATCH`: deadline, crash and output bookkeeping)."""
    with WATCH.scenario(adapter.name, [scenario]):
        return _run_scenario(adapter, scenario)


def _run_scenario(adapter: Adapter, scenario: Scenario) -> Observation:
    """Build the scenario's chain, invoke it once, and return what was observed.

    Events that arrive after the call returned are kept and marked, so the checker can report
    runs that outlived their invocation instead of runs that never happened.
    """
    probe = Probe(released_by_events=not _can_fail(scenario))
    sink = EventSink(probe.was_raised, probe.heard)
    handlers = _handlers(adapter, scenario, sink)
    root = build(adapter, _as_run(scenario), handlers, probe)
    late = getattr(adapter, "deliver_late", None)
    # Only calls that may leave stragglers need the threads they start told apart.
    threads_before = set(threading.enumerate()) \
        if late is None and _may_straggle(scenario) else None
    with capture_fault_reports(sink):
        outcomes = _call(adapter, root, scenario.invocation, handlers)
    returned = sink.count
    if late is not None:  # events a harness process saw arrive after the call returned (it
        _guard(adapter, "deliver_late()", lambda: late(root))  # waited for stragglers itself)
    elif threads_before is not None:
        _await_stragglers(sink, threads_before, STRAGGLER_GRACE)
    observation = _observation(adapter, sink, outcomes, probe, returned)
    _let_go(adapter, observation)
    return observation


def _let_go(adapter: Adapter, observation: Observation) -> None:
    """Once the observation is taken: drop the tracebacks it holds, so what they kept alive
    (a failed stream's generators) dies now, and let the adapter collect what its call left
    in reference cycles (``collect_leftovers()``, optional). Whatever that makes the engine
    do then happens while this scenario is still watched, so a hang in it is blamed on this
    scenario, and reaches no observation."""
    collect = getattr(adapter, "collect_leftovers", None)
    # What the engine's leftovers do as they are freed reaches no caller: a coroutine never
    # awaited (Python warns wherever it is freed: here, naming this module) or an exception
    # a finaliser raises (Python reports it as ignored, pytest as a warning of this test).
    hook = sys.unraisablehook
    sys.unraisablehook = _ignore_unraisable
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "coroutine .* was never awaited", RuntimeWarning)
            drop_tracebacks(observation)
            if collect is not None:
                _guard(adapter, "collect_leftovers()", collect)
    finally:
        sys.unraisablehook = hook


def _ignore_unraisable(unraisable: Any) -> None:
    """``sys.unraisablehook`` while an engine's leftovers are let go (see :func:`_let_go`)."""


def _await_stragglers(sink: EventSink, threads_before: set[threading.Thread],
                      grace: float) -> None:
    """Wait, for at most ``grace`` seconds, while threads the call started are still alive or
    runs a handler saw start have not ended: what an engine that stopped waiting for its
    branches leaves behind, whose late events the checker reports. An engine that waited for
    its work costs nothing here (the old fixed sleep cost every such call 10 ms)."""
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        # is_alive() first: enumerate() also lists a thread being started this instant, which
        # join() refuses ("cannot join thread before it is started"); its runs are still open.
        if (thread not in threads_before and thread is not threading.current_thread()
                and not thread.name.startswith(eventloop.EXECUTOR_THREAD_PREFIX)
                and thread.is_alive()):
            thread.join(max(0.0, deadline - time.monotonic()))
    while sink.open_runs() and time.monotonic() < deadline:
        time.sleep(0.001)


def run_concurrently(adapter: Adapter, scenarios: Sequence[Scenario]) -> list[Observation]:
    """Invoke one shared build of the chain concurrently, once per scenario (under
    :data:`~conformance.watch.WATCH`)."""
    with WATCH.scenario(adapter.name, scenarios):
        return _run_concurrently(adapter, scenarios)


def _run_concurrently(adapter: Adapter, scenarios: Sequence[Scenario]) -> list[Observation]:
    """Invoke one shared build of the chain concurrently, once per scenario.

    The scenarios share the chain (its constructor and bound handlers must be none: they would
    have to record into one sink) and differ in their runtime registrations. Sync modes run in
    threads started together; async modes run as tasks of one event loop.
    """
    chain = scenarios[0].chain
    if chain.handler_ids():
        raise ValueError("run_concurrently needs a chain without constructor/bound handlers")
    probe = Probe(released_by_events=not any(_can_fail(s) for s in scenarios))
    root = build(adapter, chain, {}, probe)
    sinks = [EventSink(probe.was_raised, probe.heard) for _ in scenarios]
    handler_maps = [_handlers(adapter, s, sink) for s, sink in zip(scenarios, sinks)]
    results: list[tuple[Outcome, ...] | BaseException] = [()] * len(scenarios)
    together = getattr(adapter, "invoke_concurrently", None)
    if together is not None:  # an adapter that starts the invocations at once itself (a harness)
        got_all = _guard(adapter, "invoke_concurrently()", lambda: together(
            root, [s.invocation for s in scenarios], handler_maps))
        results = [_outcomes(adapter, got) for got in got_all]
    elif all(s.invocation.mode in ASYNC_MODES for s in scenarios):

        async def both() -> list[object]:
            return await asyncio.gather(*(
                adapter.ainvoke(root, s.invocation, h) for s, h in zip(scenarios, handler_maps)
            ), return_exceptions=True)

        for i, got in enumerate(eventloop.run(both())):
            if isinstance(got, BaseException):
                raise AdapterError(f"adapter {adapter.name!r} raised in ainvoke: {got!r}") from got
            results[i] = _outcomes(adapter, got)
    else:
        barrier = threading.Barrier(len(scenarios))

        def worker(i: int) -> None:
            barrier.wait()
            try:
                results[i] = _call(adapter, root, scenarios[i].invocation, handler_maps[i])
            except BaseException as exc:  # handed to the main thread below
                results[i] = exc

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(scenarios))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    observations = []
    for sink, result in zip(sinks, results):
        if isinstance(result, BaseException):
            raise result
        observations.append(_observation(adapter, sink, result, probe))
    for observation in observations:
        _let_go(adapter, observation)
    return observations


def strip_handlers(scenario: Scenario) -> Scenario:
    """The same scenario with every handler registration removed."""
    nodes = tuple(replace(n, callbacks=()) for n in scenario.chain.nodes)
    inv = scenario.invocation.keeping(lambda handler: False)
    return Scenario(Chain(nodes, scenario.chain.root), (), inv)


def reproduction(adapter: Adapter, scenario: Scenario) -> str | None:
    """The adapter's code for ``scenario`` (:class:`~conformance.adapter.Reproducing`), or None
    when it writes none; an adapter whose ``reproduction`` raises gets none, not a crash of the
    failure report."""
    if not isinstance(adapter, Reproducing):
        return None
    try:
        code = adapter.reproduction(scenario)
    except Exception:
        return None
    return code if isinstance(code, str) else None
