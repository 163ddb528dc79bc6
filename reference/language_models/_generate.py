"""``generate`` / ``agenerate``: the models' pre-Runnable API, one run per input.

What a handler sees, as with langchain_core 1.8.3:

- every input's run starts first (in input order; ``batch_size`` is the number of inputs),
  then the model answers the inputs, then the runs end in input order; the call returns an
  ``LLMResult`` with one generation list per input, ``llm_output``, and ``run``: the
  ``RunInfo`` of each input's run;
- handlers, tags, metadata and ``run_name`` come from the call's arguments and the model's
  constructor only. Unlike ``invoke``, a call made inside a running function does not join
  that run: pass the function's ``config["callbacks"]`` to make the runs its children. A
  ``run_id`` is the first run's id;
- a chat model answers each input inside that input's run, one after another (``generate``)
  or concurrently (``agenerate``); a failing input errors its own run. An LLM answers all its
  prompts inside the first run (whose run manager gets every prompt's tokens, as
  langchain_core's ``LLM._generate`` is given), and a failure errors every run.

Where langchain_core leaves runs open (a sync chat model's other inputs after a failure, a
``BaseException`` or a cancellation in async) every run here ends exactly once: runs that
failed or never got their answer with the error, answered ones with their result; errors
first, then ends, each in input order (the order langchain_core's ``agenerate`` uses).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, cast

from reference.callbacks._manager import BaseCallbackManager
from reference.outputs import RunInfo
from reference.runnables._base import Runnable
from reference.runnables._config import Local, RunnableConfig
from reference.runnables._frame import RunFrame, RunKind, current_run
from reference.runnables._lifecycle import (
    aend_run,
    afail_run,
    aopen_run,
    end_run,
    fail_run,
    open_run,
)

__all__ = [
    "aanswer",
    "aclose_runs",
    "afinish",
    "answer",
    "aopen_runs",
    "call_configs",
    "close_runs",
    "finish",
    "open_runs",
    "per_prompt_configs",
    "run_info",
]

#: One input's outcome: (its answer, None) or (None, the exception that ended it).
Outcome = tuple[Any, BaseException | None]


def run_info(frames: list[RunFrame]) -> list[RunInfo] | None:
    """``LLMResult.run``: each input's run id, in input order (None when no run started)."""
    return [RunInfo(run_id=f.run_id) for f in frames] or None


def call_configs(
    n: int,
    callbacks: Any,
    tags: list[str] | None,
    metadata: dict[str, Any] | None,
    run_name: str | None,
    run_id: Any,
) -> list[RunnableConfig]:
    """One config per input: the call's routes for every run, its ``run_id`` for the first."""
    base: dict[str, Any] = {}
    if callbacks is not None:
        base["callbacks"] = callbacks
    if tags is not None:
        base["tags"] = tags
    if metadata is not None:
        base["metadata"] = metadata
    if run_name:
        base["run_name"] = run_name
    configs: list[RunnableConfig] = [base] * n  # type: ignore[list-item]
    if run_id is not None and n:
        configs[0] = _with_id(configs[0], run_id)
    return configs


def per_prompt_configs(
    n: int,
    callbacks: Any,
    tags: Any,
    metadata: Any,
    run_name: Any,
    run_id: Any,
) -> list[RunnableConfig]:
    """An LLM's configs: as :func:`call_configs`, or one route per prompt when ``callbacks``
    is a list of per-prompt callbacks (lists, managers or ``None``; ``tags``, ``metadata``
    and ``run_name`` then lists too); ``run_id`` may be a list of one id per prompt."""
    if isinstance(run_id, list):
        if len(run_id) != n:
            raise ValueError(
                f"generate(run_id=[...]) needs one run id per prompt: got {len(run_id)} for "
                f"{n} prompts"
            )
        ids = run_id
    else:
        ids = [run_id] + [None] * (n - 1) if n else []
    per_prompt = (
        isinstance(callbacks, list)
        and bool(callbacks)
        and (callbacks[0] is None or isinstance(callbacks[0], (list, BaseCallbackManager)))
    )
    if not per_prompt:
        shared = call_configs(n, callbacks, tags, metadata, run_name, None)
        return [_with_id(c, i) for c, i in zip(shared, ids, strict=True)]
    for what, value in (("callbacks", callbacks), ("tags", tags), ("metadata", metadata),
                        ("run_name", run_name)):
        if value is not None and not (isinstance(value, list) and len(value) == n):
            raise ValueError(
                f"generate({what}=...) with callbacks given per prompt must be a list of one "
                f"item per prompt ({n})"
            )
    return [
        _with_id(call_configs(1, cb, tg, md, rn, None)[0], i)
        for cb, tg, md, rn, i in zip(callbacks, tags or [None] * n, metadata or [None] * n,
                                     run_name or [None] * n, ids, strict=True)
    ]


def _with_id(config: RunnableConfig, run_id: Any) -> RunnableConfig:
    return config if run_id is None else cast(RunnableConfig, {**config, "run_id": run_id})


def open_runs(
    model: Runnable[Any, Any],
    kind: RunKind,
    payloads: Sequence[Any],
    configs: Sequence[RunnableConfig],
    extra: dict[str, Any],
    local: Local | None = None,
) -> list[RunFrame]:
    """Start one run per payload, outside any enclosing run (see the module docstring);
    ``local``: the model's registrations for these runs, when not its own (``open_run``).

    If a start raises (a ``raise_error`` handler), that run is closed by ``open_run`` and the
    ones already started are closed with the same error before it propagates."""
    frames: list[RunFrame] = []
    token = current_run.set(None)
    try:
        for payload, config in zip(payloads, configs, strict=True):
            frames.append(open_run(model, kind, config, payload, extra, local))
    except BaseException as exc:
        close_runs(frames, [(None, exc)] * len(frames), _unused)
        raise
    finally:
        current_run.reset(token)
    return frames


async def aopen_runs(
    model: Runnable[Any, Any],
    kind: RunKind,
    payloads: Sequence[Any],
    configs: Sequence[RunnableConfig],
    extra: dict[str, Any],
    local: Local | None = None,
) -> list[RunFrame]:
    """Async twin of :func:`open_runs`."""
    frames: list[RunFrame] = []
    token = current_run.set(None)
    try:
        for payload, config in zip(payloads, configs, strict=True):
            frames.append(await aopen_run(model, kind, config, payload, extra, local))
    except BaseException as exc:
        await aclose_runs(frames, [(None, exc)] * len(frames), _unused)
        raise
    finally:
        current_run.reset(token)
    return frames


def _unused(value: Any) -> Any:  # pragma: no cover - runs closed by an error report nothing
    return value


def answer(
    frames: list[RunFrame],
    body: Callable[[Any, RunFrame], Any],
    inputs: Sequence[Any],
    *,
    one_run: bool,
) -> list[Outcome]:
    """Each input's answer, one after another, ``body(input, frame)`` with the frame as the
    current run: its own run's (chat models), or the first run's for all (``one_run``: LLMs).

    The first failure stops the answering: the inputs not answered yet (with ``one_run``:
    all of them) get it as their outcome."""
    outcomes: list[Outcome] = []
    for i, item in enumerate(inputs):
        frame = frames[0] if one_run else frames[i]
        token = current_run.set(frame)
        try:
            outcomes.append((body(item, frame), None))
        except BaseException as exc:
            failed: Outcome = (None, exc)
            if one_run:
                return [failed] * len(inputs)
            return outcomes + [failed] * (len(inputs) - i)
        finally:
            current_run.reset(token)
    return outcomes


async def aanswer(
    frames: list[RunFrame],
    body: Callable[[Any, RunFrame], Awaitable[Any]],
    inputs: Sequence[Any],
    *,
    one_run: bool,
) -> tuple[list[Outcome], BaseException | None]:
    """Async :func:`answer`, and the caller's cancellation if it came (for :func:`afinish`).

    Without ``one_run`` the inputs are answered concurrently, each in its own task, and each
    keeps its own outcome; a cancellation of the caller cancels the tasks still running, whose
    outcome is then the cancellation."""
    if one_run:
        outcomes: list[Outcome] = []
        token = current_run.set(frames[0])
        try:
            for item in inputs:
                try:
                    outcomes.append((await body(item, frames[0]), None))
                except BaseException as exc:
                    return [(None, exc)] * len(inputs), None
        finally:
            current_run.reset(token)
        return outcomes, None
    tasks = [asyncio.ensure_future(_settle(body, item, frame))
             for item, frame in zip(inputs, frames, strict=True)]
    try:
        return list(await asyncio.gather(*tasks)), None
    except BaseException as exc:  # the caller was cancelled
        for t in tasks:
            t.cancel()
        return [t.result() if t.done() and not t.cancelled() else (None, exc)
                for t in tasks], exc


async def _settle(body: Callable[[Any, RunFrame], Awaitable[Any]], item: Any,
                  frame: RunFrame) -> Outcome:
    """One input's outcome, never raised: a ``BaseException`` too is its run's error."""
    current_run.set(frame)  # the task's own context: nothing to reset
    try:
        return await body(item, frame), None
    except BaseException as exc:
        return None, exc


def close_runs(frames: list[RunFrame], outcomes: list[Outcome],
               report: Callable[[Any], Any]) -> None:
    """End every run once: the failed ones' errors first, then the answered ones' ends
    (``report(answer)``), each in input order. A handler raising on one run's event does not
    keep the others open: the first such exception is raised once all are closed."""
    raised: BaseException | None = None
    for frame, (_, error) in zip(frames, outcomes, strict=True):
        if error is not None:
            try:
                fail_run(frame, error)
            except BaseException as exc:
                raised = raised or exc
    for frame, (value, error) in zip(frames, outcomes, strict=True):
        if error is None:
            try:
                end_run(frame, report(value))
            except BaseException as exc:
                raised = raised or exc
    if raised is not None:
        raise raised


async def aclose_runs(frames: list[RunFrame], outcomes: list[Outcome],
                      report: Callable[[Any], Any]) -> None:
    """Async twin of :func:`close_runs`."""
    raised: BaseException | None = None
    for frame, (_, error) in zip(frames, outcomes, strict=True):
        if error is not None:
            try:
                await afail_run(frame, error)
            except BaseException as exc:
                raised = raised or exc
    for frame, (value, error) in zip(frames, outcomes, strict=True):
        if error is None:
            try:
                await aend_run(frame, report(value))
            except BaseException as exc:
                raised = raised or exc
    if raised is not None:
        raise raised


def finish(frames: list[RunFrame], outcomes: list[Outcome],
           report: Callable[[Any], Any]) -> list[Any]:
    """Close the runs (:func:`close_runs`); the answers, or the first input's error raised."""
    close_runs(frames, outcomes, report)
    return _answers(outcomes)


async def afinish(frames: list[RunFrame], outcomes: list[Outcome],
                  report: Callable[[Any], Any], cancelled: BaseException | None = None
                  ) -> list[Any]:
    """Async twin of :func:`finish`; ``cancelled``: the caller's cancellation, raised once the
    runs are closed."""
    await aclose_runs(frames, outcomes, report)
    if cancelled is not None:
        raise cancelled
    return _answers(outcomes)


def _answers(outcomes: list[Outcome]) -> list[Any]:
    for _, error in outcomes:
        if error is not None:
            raise error
    return [value for value, _ in outcomes]
