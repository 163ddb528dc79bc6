"""``langchain_core.tracers.log_stream``: ``astream_log``, the runs of one ``astream`` as a log.

The log is a JSON document (:class:`RunState`) built by patches
(:class:`RunLogPatch`, JSON Patch operations as dicts); ``patch + patch`` applies
them and gives a :class:`RunLog` holding the state so far. The first patch sets
the root run's state; each other run (a :class:`LogEntry` under ``/logs/<name>``,
a repeated name numbered ``name:2``, ``name:3``...) is added when it starts and
gets its ``final_output`` and ``end_time`` when it ends; a model's tokens go to
its ``streamed_output_str`` and ``streamed_output``, and the chunks a streamed lambda,
sequence, generator or parser yields to its ``streamed_output``. The root's
chunks go to ``/streamed_output`` and their running sum to ``/final_output``.

:class:`LogStreamCallbackHandler` writes the run patches: a tracer that
``Runnable.astream_log`` adds to the invocation's runtime handlers (so every
handler already in the config still gets what ``astream`` gives it). Payloads
are the tracer's (``"original"`` format): a chain's ``final_output`` is
``{"output": x}`` unless ``x`` is a dict, a model's an ``LLMResult`` dump holding
its messages, a prompt's its prompt value; chat models are ``llm`` runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
import warnings
from collections.abc import AsyncIterator, Iterator, Sequence
from pprint import pformat
from typing import TYPE_CHECKING, Any, Final, TypeVar
from uuid import UUID

from typing_extensions import NotRequired, TypedDict

from reference.callbacks._run_filter import RunFilter
from reference.outputs import ChatGenerationChunk
from reference.tracers._core import dump_result
from reference.tracers._json_patch import apply_ops, diff_ops
from reference.tracers.base import BaseTracer
from reference.tracers.schemas import Run

if TYPE_CHECKING:
    from reference.outputs import GenerationChunk, LLMResult
    from reference.runnables._base import Runnable
    from reference.runnables._config import RunnableConfig

__all__ = ["LogEntry", "LogStreamCallbackHandler", "RunLog", "RunLogPatch", "RunState"]

T = TypeVar("T")

_CLOSED: Final[Any] = object()


class LogEntry(TypedDict):
    """One run below the root, as the log shows it (``/logs/<key>``)."""

    id: str
    name: str
    type: str
    tags: list[str]
    metadata: dict[str, Any]
    start_time: str
    streamed_output_str: list[str]
    streamed_output: list[Any]
    inputs: NotRequired[Any | None]
    final_output: Any | None
    end_time: str | None


class RunState(TypedDict):
    """The whole log: the root run's identity, its output so far, and the other runs."""

    id: str
    streamed_output: list[Any]
    final_output: Any | None
    name: str
    type: str
    logs: dict[str, LogEntry]


class RunLogPatch:
    """JSON Patch operations (``{"op", "path", "value"}`` dicts) to apply to the log."""

    ops: list[dict[str, Any]]

    def __init__(self, *ops: dict[str, Any]) -> None:
        self.ops = list(ops)

    def __add__(self, other: Any) -> RunLog:
        """Both patches applied to an empty document, as a :class:`RunLog`."""
        if type(other) is RunLogPatch:
            ops = self.ops + other.ops
            return RunLog(*ops, state=apply_ops(None, copy.deepcopy(ops)))
        raise TypeError(
            f"unsupported operand type(s) for +: '{type(self)}' and '{type(other)}'"
        )

    def __repr__(self) -> str:
        return f"RunLogPatch({pformat(self.ops)[1:-1]})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLogPatch) and self.ops == other.ops

    __hash__ = None  # type: ignore[assignment]


class RunLog(RunLogPatch):
    """The operations so far and the state they build (``state``)."""

    state: RunState

    def __init__(self, *ops: dict[str, Any], state: RunState) -> None:
        super().__init__(*ops)
        self.state = state

    def __add__(self, other: Any) -> RunLog:
        """This log with ``other``'s operations applied (our state is left as it was)."""
        if type(other) is RunLogPatch:
            return RunLog(*self.ops, *other.ops, state=apply_ops(self.state, other.ops))
        raise TypeError(
            f"unsupported operand type(s) for +: '{type(self)}' and '{type(other)}'"
        )

    def __repr__(self) -> str:
        return f"RunLog({pformat(self.state)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RunLog) and self.state == other.state and super().__eq__(other)


def _time(value: Any) -> str | None:
    return value.isoformat(timespec="milliseconds") if value is not None else None


def _as_is(message: Any) -> Any:
    return message


class LogStreamCallbackHandler(BaseTracer):
    """A tracer that turns the runs it sees into :class:`RunLogPatch` es; iterate over it
    (``async for patch in handler``) to get them.

    The first run it sees is the root: its start sets the state, its end closes the
    stream (with ``auto_close``). The filters pick the other runs: ``include_*`` (any
    match includes; none given includes all), then ``exclude_*`` (any match excludes), by
    run name, run type and tags. Calls arrive in event order (``run_inline``); patches
    sent from worker threads are handed to the event loop.
    """

    run_inline = True

    def __init__(
        self,
        *,
        auto_close: bool = True,
        include_names: Sequence[str] | None = None,
        include_types: Sequence[str] | None = None,
        include_tags: Sequence[str] | None = None,
        exclude_names: Sequence[str] | None = None,
        exclude_types: Sequence[str] | None = None,
        exclude_tags: Sequence[str] | None = None,
        _schema_format: str = "original",
    ) -> None:
        if _schema_format != "original":
            raise ValueError(
                f"Invalid schema format: {_schema_format}. Only 'original' is offered here "
                "(langchain_core's 'streaming_events' serves its astream_events)."
            )
        super().__init__(_schema_format="original")
        self.auto_close = auto_close
        self.include_names = include_names
        self.include_types = include_types
        self.include_tags = include_tags
        self.exclude_names = exclude_names
        self.exclude_types = exclude_types
        self.exclude_tags = exclude_tags
        self.lock = threading.Lock()
        self.root_id: UUID | None = None
        self._key_map_by_run_id: dict[UUID, str] = {}
        self._counter_map_by_name: dict[str, int] = {}
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            self._loop_thread: int | None = threading.get_ident()
        except RuntimeError:
            self._loop = self._loop_thread = None
        self._closed = False

    # -- the stream of patches ----------------------------------------------------------------

    def _put(self, item: Any) -> None:
        if self._loop is None or threading.get_ident() == self._loop_thread:
            self._queue.put_nowait(item)
        else:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    def send(self, *ops: dict[str, Any]) -> bool:
        """Queue one patch; False once the stream is closed (the patch is dropped)."""
        if self._closed:
            return False
        self._put(RunLogPatch(*ops))
        return True

    def close(self) -> None:
        """End the stream: iteration stops after the patches already sent."""
        if not self._closed:
            self._closed = True
            self._put(_CLOSED)

    async def __aiter__(self) -> AsyncIterator[RunLogPatch]:
        while True:
            item = await self._queue.get()
            if item is _CLOSED:
                return
            yield item

    # -- chunks a streamed run yields (the engine hands its stream to us) ---------------------

    def _tap(self, run_id: UUID, chunk: Any) -> bool:
        """Log ``chunk`` as run ``run_id``'s; False if the stream is closed."""
        key = self._key_map_by_run_id.get(run_id) if run_id != self.root_id else None
        if key is None:
            return True
        return self.send({"op": "add", "path": f"/logs/{key}/streamed_output/-", "value": chunk})

    async def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """``output``'s chunks, each logged as run ``run_id``'s; closing us closes ``output``."""
        try:
            async for chunk in output:
                if not self._tap(run_id, chunk):
                    break
                yield chunk
        finally:
            aclose = getattr(output, "aclose", None)
            if aclose is not None:
                await aclose()

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Sync twin of :meth:`tap_output_aiter`."""
        try:
            for chunk in output:
                if not self._tap(run_id, chunk):
                    break
                yield chunk
        finally:
            close = getattr(output, "close", None)
            if close is not None:
                close()

    # -- the runs -----------------------------------------------------------------------------

    def include_run(self, run: Run) -> bool:
        """Whether ``run`` gets a log entry (the root never does)."""
        if run.id == self.root_id:
            return False
        return RunFilter(self.include_names, self.include_types, self.include_tags,
                         self.exclude_names, self.exclude_types, self.exclude_tags,
                         ).admits(run.name, run.run_type, run.tags or [])

    def _persist_run(self, run: Run) -> None:
        """Nothing to store: the patches were sent as the runs went."""

    def _llm_outputs(self, run: Run, response: LLMResult) -> None:
        # The log shows the messages themselves, not their serialized form.
        self._add_outputs(run, _dump_keeping_messages(response))

    def _on_run_create(self, run: Run) -> None:
        if self.root_id is None:
            self.root_id = run.id
            state = RunState(id=str(run.id), streamed_output=[], final_output=None, logs={},
                             name=run.name, type=run.run_type)
            if not self.send({"op": "replace", "path": "", "value": state}):
                return
        if not self.include_run(run):
            return
        with self.lock:
            count = self._counter_map_by_name.get(run.name, 0) + 1
            self._counter_map_by_name[run.name] = count
            key = run.name if count == 1 else f"{run.name}:{count}"
            self._key_map_by_run_id[run.id] = key
        entry = LogEntry(
            id=str(run.id), name=run.name, type=run.run_type, tags=run.tags or [],
            metadata=(run.extra or {}).get("metadata", {}),
            start_time=_time(run.start_time) or "", streamed_output=[],
            streamed_output_str=[], final_output=None, end_time=None,
        )
        self.send({"op": "add", "path": f"/logs/{key}", "value": entry})

    def _on_run_update(self, run: Run) -> None:
        try:
            key = self._key_map_by_run_id.get(run.id)
            if key is not None:
                self.send(
                    {"op": "add", "path": f"/logs/{key}/final_output",
                     "value": _final_output(run)},
                    {"op": "add", "path": f"/logs/{key}/end_time", "value": _time(run.end_time)},
                )
        finally:
            if run.id == self.root_id and self.auto_close:
                self.close()

    def _on_llm_new_token(
        self, run: Run, token: Any, chunk: GenerationChunk | ChatGenerationChunk | None
    ) -> None:
        key = self._key_map_by_run_id.get(run.id)
        if key is None:
            return
        self.send(
            {"op": "add", "path": f"/logs/{key}/streamed_output_str/-", "value": token},
            {"op": "add", "path": f"/logs/{key}/streamed_output/-",
             "value": chunk.message if isinstance(chunk, ChatGenerationChunk) else token},
        )


def _dump_keeping_messages(response: LLMResult) -> dict[str, Any]:
    return dump_result(response, message=_as_is)


def _final_output(run: Run) -> Any:
    """What an ended run's entry shows: its traced outputs, a prompt's value unwrapped."""
    outputs = run.outputs
    if run.run_type == "prompt" and outputs is not None and "output" in outputs:
        return outputs["output"]
    return outputs


async def astream_log(
    runnable: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None,
    *,
    diff: bool,
    with_streamed_output_list: bool,
    filters: dict[str, Any],
    kwargs: dict[str, Any],
) -> AsyncIterator[Any]:
    """``Runnable.astream_log``: ``astream(input, config)`` with a
    :class:`LogStreamCallbackHandler` (``filters``: its ``include_*`` / ``exclude_*``)
    added to the runtime handlers; yields each patch (``diff``) or the log so far.

    As in langchain_core, a consumer that stops early still waits for the invocation to
    finish (its runs end as usual), and its exception, if any, is raised last.
    """
    from reference.runnables._config import combine_configs, validate_config

    warnings.warn("astream_log is deprecated. Use astream instead.", DeprecationWarning,
                  stacklevel=2)
    if config is not None:
        validate_config(config, "astream_log(config)")
    handler = LogStreamCallbackHandler(auto_close=False, **filters)
    cfg = combine_configs(config, {"callbacks": [handler]})

    async def drive() -> None:
        try:
            prev: Any = None
            final: Any = None
            stream = runnable.astream(input, cfg, **kwargs)
            try:
                async for chunk in stream:
                    if final is None:
                        prev, final = None, chunk
                    else:
                        try:
                            prev, final = final, final + chunk
                        except TypeError:
                            prev, final = None, chunk
                    ops = [{"op": "add", "path": "/streamed_output/-",
                            "value": copy.deepcopy(chunk)}] if with_streamed_output_list else []
                    ops += [{**op, "path": "/final_output" + op["path"]}
                            for op in diff_ops(prev, final)]
                    handler._put(RunLogPatch(*ops))
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
        finally:
            handler.close()

    task = asyncio.ensure_future(drive())
    try:
        if diff:
            async for patch in handler:
                yield patch
        else:
            log = RunLog(state=None)  # type: ignore[arg-type]
            async for patch in handler:
                log += patch
                yield log
    finally:
        with contextlib.suppress(asyncio.CancelledError):
            await task
