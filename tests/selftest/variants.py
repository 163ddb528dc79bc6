"""Correct variants of the reference engine: what the spec allows, done otherwise.

The reference runs a batch item by item: each input's whole tree, one after another or at once.
SPEC.md leaves that order to the engine, and langchain-core does otherwise: its sequence's batch
runs every item through a step before the next step, and its retry's batch retries only the
items that failed. ``StepwiseBatches`` is the reference doing the same (patched in while the
adapter works, as the broken engines of ``broken.catalogue`` are). It breaks no rule, so the
suite must pass it: a verdict that depends on the order of calls across batch items is the
suite's mistake, e.g.

    python -m conformance run --impl tests.selftest.variants:StepwiseBatches --rule R1 --rule R8
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, ClassVar

from reference.runnables._base import Runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._config import RunnableConfig, per_item_configs
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import (
    ACHAIN,
    CHAIN,
    aend_run,
    afail_run,
    aopen_run,
    end_run,
    fail_run,
    open_run,
)
from reference.runnables._retry import RunnableRetry
from reference.runnables._sequence import RunnableSequence

from .broken._patching import Patch
from .broken.catalogue import BrokenAdapter

__all__ = ["VARIANTS", "StepwiseBatches"]

Configs = RunnableConfig | list[RunnableConfig] | None
_batch = Runnable.batch
_abatch = Runnable.abatch


def _results(outs: list[Any], return_exceptions: bool) -> list[Any]:
    """What a batch returns: the outcomes, or (without ``return_exceptions``) the first
    failure in input order raised once every item ended (as the reference's batch does)."""
    if not return_exceptions:
        for out in outs:
            if isinstance(out, BaseException):
                raise out
    return outs


def _opened(r: Runnable[Any, Any], inputs: Sequence[Any],
            configs: Sequence[RunnableConfig | None]) -> tuple[list[RunFrame | None], list[Any]]:
    """Each item's run of ``r`` started: its frame (None when its start raised) and outcome
    so far (the input, or the exception the start raised)."""
    frames: list[RunFrame | None] = []
    outs: list[Any] = []
    for x, c in zip(inputs, configs, strict=True):
        try:
            frames.append(open_run(r, CHAIN, c, x))
            outs.append(x)
        except Exception as e:
            frames.append(None)
            outs.append(e)
    return frames, outs


async def _aopened(r: Runnable[Any, Any], inputs: Sequence[Any],
                   configs: Sequence[RunnableConfig | None]
                   ) -> tuple[list[RunFrame | None], list[Any]]:
    """Async twin of :func:`_opened`."""
    frames: list[RunFrame | None] = []
    outs: list[Any] = []
    for x, c in zip(inputs, configs, strict=True):
        try:
            frames.append(await aopen_run(r, ACHAIN, c, x))
            outs.append(x)
        except Exception as e:
            frames.append(None)
            outs.append(e)
    return frames, outs


def _closed(frames: list[RunFrame | None], outs: list[Any]) -> list[Any]:
    """End each started run with its outcome; an end a handler made raise is the outcome."""
    for i, frame in enumerate(frames):
        if frame is None:
            continue
        try:
            if isinstance(outs[i], BaseException):
                fail_run(frame, outs[i])
            else:
                end_run(frame, outs[i])
        except Exception as e:
            outs[i] = e
    return outs


async def _aclosed(frames: list[RunFrame | None], outs: list[Any]) -> list[Any]:
    """Async twin of :func:`_closed`."""
    for i, frame in enumerate(frames):
        if frame is None:
            continue
        try:
            if isinstance(outs[i], BaseException):
                await afail_run(frame, outs[i])
            else:
                await aend_run(frame, outs[i])
        except Exception as e:
            outs[i] = e
    return outs


def _live(frames: list[RunFrame | None], outs: list[Any]) -> list[int]:
    return [i for i, f in enumerate(frames) if f is not None
            and not isinstance(outs[i], BaseException)]


def _child_configs(frames: list[RunFrame | None], items: list[int]) -> list[RunnableConfig]:
    return [frames[i].child_config for i in items]  # type: ignore[union-attr]


def _sequence_batch(seq: RunnableSequence, inputs: list[Any], config: Configs = None, *,
                    return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """Every item through step 1, then every item still running through step 2, ..."""
    if len(inputs) < 2:
        return _batch(seq, inputs, config, return_exceptions=return_exceptions, **kwargs)
    frames, outs = _opened(seq, inputs, per_item_configs(config, len(inputs)))
    for step in seq.steps:
        items = _live(frames, outs)
        if not items:
            break
        results = step.batch([outs[i] for i in items], _child_configs(frames, items),
                             return_exceptions=True)
        for i, out in zip(items, results, strict=True):
            outs[i] = out
    return _results(_closed(frames, outs), return_exceptions)


async def _sequence_abatch(seq: RunnableSequence, inputs: list[Any], config: Configs = None,
                           *, return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """Async twin of :func:`_sequence_batch`."""
    if len(inputs) < 2:
        return await _abatch(seq, inputs, config, return_exceptions=return_exceptions, **kwargs)
    frames, outs = await _aopened(seq, inputs, per_item_configs(config, len(inputs)))
    for step in seq.steps:
        items = _live(frames, outs)
        if not items:
            break
        results = await step.abatch([outs[i] for i in items], _child_configs(frames, items),
                                    return_exceptions=True)
        for i, out in zip(items, results, strict=True):
            outs[i] = out
    return _results(await _aclosed(frames, outs), return_exceptions)


def _retry_batch(retry: RunnableRetry, inputs: list[Any], config: Configs = None, *,
                 return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """Every item's first attempt in one batch, then the failed ones' next, and so on."""
    if len(inputs) < 2:
        return _batch(retry, inputs, config, return_exceptions=return_exceptions, **kwargs)
    frames, outs = _opened(retry, inputs, per_item_configs(config, len(inputs)))
    items, attempt = _live(frames, outs), 1
    while items:
        results = retry.bound.batch([inputs[i] for i in items], _child_configs(frames, items),
                                    return_exceptions=True)
        for i, out in zip(items, results, strict=True):
            outs[i] = out
        items = [i for i in items if isinstance(outs[i], BaseException)
                 and retry._retryable(outs[i], attempt)]
        if items and retry._wait(attempt):
            time.sleep(retry._wait(attempt))
        attempt += 1
    return _results(_closed(frames, outs), return_exceptions)


async def _retry_abatch(retry: RunnableRetry, inputs: list[Any], config: Configs = None, *,
                        return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """Async twin of :func:`_retry_batch` (the suite's retries do not wait)."""
    if len(inputs) < 2:
        return await _abatch(retry, inputs, config, return_exceptions=return_exceptions,
                             **kwargs)
    frames, outs = await _aopened(retry, inputs, per_item_configs(config, len(inputs)))
    items, attempt = _live(frames, outs), 1
    while items:
        results = await retry.bound.abatch([inputs[i] for i in items],
                                           _child_configs(frames, items), return_exceptions=True)
        for i, out in zip(items, results, strict=True):
            outs[i] = out
        items = [i for i in items if isinstance(outs[i], BaseException)
                 and retry._retryable(outs[i], attempt)]
        attempt += 1
    return _results(await _aclosed(frames, outs), return_exceptions)


def _binding_batch(binding: RunnableBinding, inputs: list[Any], config: Configs = None, *,
                   return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """The bound runnable's own batch, each item's config merged (so a bound sequence or
    retry batches as above)."""
    target, config = binding._for_batch(config, len(inputs))
    configs = [target._merged(c) for c in per_item_configs(config, len(inputs))]
    return target.bound.batch(list(inputs), configs, return_exceptions=return_exceptions,
                              **{**target.kwargs, **kwargs})


async def _binding_abatch(binding: RunnableBinding, inputs: list[Any], config: Configs = None,
                          *, return_exceptions: bool = False, **kwargs: Any) -> list[Any]:
    """Async twin of :func:`_binding_batch`."""
    target, config = binding._for_batch(config, len(inputs))
    configs = [target._merged(c) for c in per_item_configs(config, len(inputs))]
    return await target.bound.abatch(list(inputs), configs,
                                     return_exceptions=return_exceptions,
                                     **{**target.kwargs, **kwargs})


class StepwiseBatches(BrokenAdapter):
    """A sequence's batch runs step by step across its items, a retry's batch retries only its
    failed items, a binding's batch is its bound runnable's (langchain-core's batches)."""

    BUG: ClassVar[str] = "nothing: batches run step by step and retry only failed items"

    def __init__(self) -> None:
        super().__init__()
        self.name = f"variant:{type(self).__name__}"

    def patches(self) -> Iterable[Patch]:
        methods: list[tuple[type, str, Callable[..., Any]]] = [
            (RunnableSequence, "batch", _sequence_batch),
            (RunnableSequence, "abatch", _sequence_abatch),
            (RunnableRetry, "batch", _retry_batch),
            (RunnableRetry, "abatch", _retry_abatch),
            (RunnableBinding, "batch", _binding_batch),
            (RunnableBinding, "abatch", _binding_abatch),
        ]
        return methods


#: The correct variants: the suite must pass each on every rule.
VARIANTS: tuple[type[BrokenAdapter], ...] = (StepwiseBatches,)
