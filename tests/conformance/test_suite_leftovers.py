"""What a call leaves behind is let go while its own scenario is watched.

langchain-core leaves a failed stream's upstream generators unfinished; the caller's exception
keeps them alive through its traceback, and when they were finally collected, in a later
scenario, finalising them blocked (random seeds 43 and 66: a hang blamed on an innocent
scenario). The harness drops the tracebacks once the observation is taken and lets the adapter
collect its cycles (``collect_leftovers``), so whatever the engine does then happens inside the
scenario that left it, and reaches no observation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from conformance.adapter import Outcome, Probe
from conformance.adapters.reference import ReferenceAdapter
from conformance.harness import run_scenario
from conformance.model import Invocation, Scenario
from conformance.observed import Observation, drop_tracebacks

_SCENARIO = Scenario.from_json({
    "chain": {"nodes": [{"kind": "lambda", "label": "fn1"}], "root": "fn1"},
    "handlers": [{"id": "h1"}],
    "invocation": {"callbacks": ["h1"], "inputs": ["input0"], "mode": "invoke"}})


def _raised(exc: BaseException) -> BaseException:
    try:
        raise exc
    except BaseException as caught:
        return caught


def test_drop_tracebacks_reaches_chained_exceptions_and_the_probes_failures() -> None:
    probe = Probe()
    injected = _raised(probe.failure("fn1"))
    cause = _raised(KeyError("cause"))
    context = _raised(ValueError("context"))
    outer = _raised(RuntimeError("outer"))
    outer.__cause__, outer.__context__ = cause, context
    observation = Observation((), (Outcome(error=outer), Outcome(value="x")), probe)
    assert all(e.__traceback__ is not None for e in (injected, cause, context, outer))
    drop_tracebacks(observation)
    assert all(e.__traceback__ is None for e in (injected, cause, context, outer))


class _LeavesAGenerator(ReferenceAdapter):
    """Invokes as the reference does, then answers with an exception whose traceback holds an
    unfinished generator in a reference cycle (as a failed stream's does)."""

    def __init__(self) -> None:
        super().__init__()
        self.finalised: list[str] = []
        self.collected = 0

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        super().invoke(root, invocation, handlers)

        def stream() -> Iterator[int]:
            try:
                yield 1
            finally:
                self.finalised.append("finalised")

        def fail(generator: Iterator[int]) -> None:
            next(generator)
            try:
                raise ValueError("the stream failed")
            except ValueError as exc:
                kept = exc  # the frame holds its exception: frame -> exc -> traceback -> frame
                raise kept from None

        try:
            fail(stream())
        except ValueError as exc:
            return [Outcome(error=exc)]
        raise AssertionError("unreachable")

    def collect_leftovers(self) -> None:
        self.collected += 1


def test_a_failed_calls_generators_are_finalised_before_its_scenario_ends() -> None:
    adapter = _LeavesAGenerator()
    observation = run_scenario(adapter, _SCENARIO)
    assert adapter.finalised == ["finalised"]  # kept alive by the traceback, now let go
    assert adapter.collected == 1
    assert observation.outcomes[0].error is not None
    assert observation.outcomes[0].error.__traceback__ is None


class _LeavesAFailingFinaliser(_LeavesAGenerator):
    """As :class:`_LeavesAGenerator`, but closing its generator raises (as langchain-core's
    do when a handler with ``raise_error`` sees the run they end)."""

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        super(_LeavesAGenerator, self).invoke(root, invocation, handlers)

        def stream() -> Iterator[int]:
            try:
                yield 1
            finally:
                self.finalised.append("finalised")
                raise RuntimeError("the finaliser fails")

        def fail(generator: Iterator[int]) -> None:
            next(generator)
            raise ValueError("the stream failed")

        try:
            fail(stream())
        except ValueError as exc:
            return [Outcome(error=exc)]
        raise AssertionError("unreachable")


def test_what_a_leftovers_finaliser_raises_is_not_reported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[object] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    adapter = _LeavesAFailingFinaliser()
    run_scenario(adapter, _SCENARIO)
    assert adapter.finalised == ["finalised"]
    assert reported == []
    assert sys.unraisablehook == reported.append  # put back
