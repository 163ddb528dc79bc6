"""``astream_events`` (version ``"v2"``): the runs of one ``astream`` as a stream of dicts.

The events are derived from the callback events of the very same invocation:
``astream_events`` runs ``astream`` with one more runtime handler (inheritable,
so it reaches every run, R1) that turns each callback event into a stream
event. So the runs it reports are exactly the runs every other handler of the
invocation sees, with the same run ids, names, tags, metadata and parents
(SPEC.md §8):

- a run's start event gives ``on_<type>_start`` (``data.input``); its end event
  ``on_<type>_end`` (``data.output`` and ``data.input``); a tool's error event
  ``on_tool_error``; any other error event gives no stream event (the exception
  is raised by the iterator once every run has ended, as ``astream`` raises it);
- a model's token events give ``on_chat_model_stream`` / ``on_llm_stream``;
- the chunks a streamed run yields give ``on_<type>_stream``: the engine hands
  the handler (it offers ``tap_output_iter`` / ``tap_output_aiter``) the stream
  of each run whose chunks langchain_core reports (sequences, lambdas,
  generators, parsers); the root's are the chunks ``astream`` yields, if its
  run is still going when the first one comes (a root that streams its
  ``invoke`` result has ended by then: no stream event), a model root's
  included (its tokens then give none);
- ``dispatch_custom_event`` gives ``on_custom_event``.

``<type>`` is the run type: ``chain``, ``prompt`` and ``parser`` (chain runs
whose start says ``run_type="prompt"`` / ``"parser"``), ``chat_model``, ``llm``,
``tool``, ``retriever``; the ``*_types`` filters see it (a custom event's type
is its name). As in langchain_core, the first event yielded carries the
invocation's input as ``data.input``, and that run's end event carries none.
Other handlers in the config get what ``astream`` gives them.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeVar, final
from uuid import UUID

from reference.callbacks._handlers import BaseCallbackHandler
from reference.callbacks._run_filter import RunFilter
from reference.runnables._config import RunnableConfig, combine_configs, validate_config
from reference.runnables._streams import aclose_iter, close_iter

if TYPE_CHECKING:
    from reference.runnables._base import Runnable

__all__ = ["StreamEvent", "astream_events"]

StreamEvent = dict[str, Any]
T = TypeVar("T")

_DONE: Final[Any] = object()
_MODELS: Final = frozenset({"chat_model", "llm"})


@final
class _Run:
    __slots__ = ("extra", "input", "metadata", "name", "open", "parent", "tags", "type")

    def __init__(self, type: str, name: str, parent: UUID | None, tags: list[str],
                 metadata: dict[str, Any], input: Any, extra: Any = None) -> None:
        self.type = type
        self.name = name
        self.parent = parent
        self.tags = tags
        self.metadata = metadata
        self.input = input
        self.extra = extra  # a tool's tool_call_id
        self.open = True


@final
class _EventHandler(BaseCallbackHandler):
    """Turns the callback events of one invocation into stream events (``emit(event)``).

    ``run_inline``: in async modes it is called on the event loop, in event
    order; calls from worker threads are handed to the loop thread-safely.
    """

    run_inline = True

    def __init__(self, emit: Callable[[StreamEvent], None]) -> None:
        self._emit = emit
        self.runs: dict[UUID, _Run] = {}
        self.root: UUID | None = None
        #: Whether the root's chunks give stream events (decided at its first chunk).
        self._root_streams: bool | None = None
        self._lock = threading.Lock()

    # -- bookkeeping ----------------------------------------------------------------------------

    def _parent_ids(self, run: _Run) -> list[str]:
        out: list[str] = []
        parent = run.parent
        while parent is not None and parent in self.runs:
            out.append(str(parent))
            parent = self.runs[parent].parent
        return out[::-1]

    def _send(self, run_id: UUID, run: _Run, phase: str, data: dict[str, Any]) -> None:
        self._emit({
            "event": f"on_{run.type}_{phase}",
            "name": run.name,
            "run_id": str(run_id),
            "parent_ids": self._parent_ids(run),
            "tags": list(run.tags),
            "metadata": dict(run.metadata),
            "data": data,
        })

    def _start(self, type: str, input: Any, kw: dict[str, Any], extra: Any = None) -> None:
        run_id = kw["run_id"]
        run = _Run(type, kw.get("name") or "", kw.get("parent_run_id"),
                   list(kw.get("tags") or ()), dict(kw.get("metadata") or {}), input, extra)
        with self._lock:
            self.runs[run_id] = run
            if self.root is None:
                self.root = run_id
        self._send(run_id, run, "start", {"input": input})

    def _end(self, output: Any, kw: dict[str, Any]) -> None:
        run_id = kw["run_id"]
        run = self.runs.get(run_id)
        if run is not None:
            run.open = False
            self._send(run_id, run, "end", {"output": output, "input": run.input})

    def _closed(self, kw: dict[str, Any]) -> None:
        run = self.runs.get(kw["run_id"])
        if run is not None:
            run.open = False

    # -- the chunks of streamed runs --------------------------------------------------------------

    def root_chunk(self, chunk: Any) -> None:
        """A chunk ``astream`` yielded: the root run's, if it was going at the first one."""
        root = self.root
        run = self.runs.get(root) if root is not None else None
        if self._root_streams is None:
            self._root_streams = run is not None and run.open
        if self._root_streams and root is not None and run is not None:
            self._send(root, run, "stream", {"chunk": chunk})

    def _tappable(self, run_id: UUID) -> _Run | None:
        """The run whose chunks a tap reports: one we know, not the root (see root_chunk)."""
        return self.runs.get(run_id) if run_id != self.root else None

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        """``output``, each chunk also reported as run ``run_id``'s stream event."""
        run = self._tappable(run_id)
        return output if run is None else self._atap(run_id, run, output)

    async def _atap(self, run_id: UUID, run: _Run, output: AsyncIterator[T]) -> AsyncIterator[T]:
        try:
            async for chunk in output:
                self._send(run_id, run, "stream", {"chunk": chunk})
                yield chunk
        finally:
            await aclose_iter(output)

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        """Sync twin of :meth:`tap_output_aiter`."""
        run = self._tappable(run_id)
        return output if run is None else self._tap(run_id, run, output)

    def _tap(self, run_id: UUID, run: _Run, output: Iterator[T]) -> Iterator[T]:
        try:
            for chunk in output:
                self._send(run_id, run, "stream", {"chunk": chunk})
                yield chunk
        finally:
            close_iter(output)

    # -- callback methods -----------------------------------------------------------------------

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        self._start(kw.get("run_type") or "chain", inputs, kw)

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        self._end(outputs, kw)

    def on_chain_error(self, error: BaseException, **kw: Any) -> None:
        self._closed(kw)

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        self._start("chat_model", {"messages": messages}, kw)

    def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
        self._start("llm", {"prompts": prompts}, kw)

    def on_llm_new_token(self, token: str, **kw: Any) -> None:
        run_id = kw["run_id"]
        run = self.runs.get(run_id)
        if run is None or run_id == self.root:  # a model root streams through its chunks
            return
        chunk = kw.get("chunk")
        if run.type == "chat_model":
            chunk = getattr(chunk, "message", chunk)
        self._send(run_id, run, "stream", {"chunk": chunk if chunk is not None else token})

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        run = self.runs.get(kw["run_id"])
        if run is None:
            return
        first = response.generations[0][0] if response.generations else None
        output: Any
        if run.type == "chat_model":
            output = getattr(first, "message", None)
        else:
            output = {
                "generations": [[{"text": g.text, "generation_info": g.generation_info,
                                  "type": getattr(g, "type", "Generation")}
                                 for g in gens] for gens in response.generations],
                "llm_output": getattr(response, "llm_output", None),
            }
        self._end(output, kw)

    def on_llm_error(self, error: BaseException, **kw: Any) -> None:
        self._closed(kw)

    def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
        inputs = kw.get("inputs")
        self._start("tool", inputs if inputs is not None else input_str, kw,
                    kw.get("tool_call_id"))

    def on_tool_end(self, output: Any, **kw: Any) -> None:
        self._end(output, kw)

    def on_tool_error(self, error: BaseException, **kw: Any) -> None:
        run_id = kw["run_id"]
        run = self.runs.get(run_id)
        if run is None:
            return
        run.open = False
        call_id = kw.get("tool_call_id")
        self._send(run_id, run, "error", {
            "error": error, "input": run.input,
            "tool_call_id": call_id if call_id is not None else run.extra,
        })

    def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
        self._start("retriever", {"query": query}, kw)

    def on_retriever_end(self, documents: Any, **kw: Any) -> None:
        self._end(documents, kw)

    def on_retriever_error(self, error: BaseException, **kw: Any) -> None:
        self._closed(kw)

    def on_custom_event(self, name: str, data: Any, **kw: Any) -> None:
        run_id = kw["run_id"]
        run = self.runs.get(run_id)
        self._emit({
            "event": "on_custom_event",
            "name": name,
            "run_id": str(run_id),
            "parent_ids": self._parent_ids(run) if run is not None else [],
            "tags": list(kw.get("tags") or ()),
            "metadata": dict(kw.get("metadata") or {}),
            "data": data,
        })


def _selector(run_filter: RunFilter) -> Callable[[StreamEvent], bool]:
    """``run_filter`` over stream events: a custom event's type is its name, as in
    langchain_core; any other's is the run type its event names."""

    def wanted(event: StreamEvent) -> bool:
        kind: str = event["event"]
        run_type = kind[3:].rsplit("_", 1)[0] if kind != "on_custom_event" else event["name"]
        return run_filter.admits(event["name"], run_type, event["tags"])

    return wanted


async def astream_events(
    r: Runnable[Any, Any],
    input: Any,
    config: RunnableConfig | None,
    *,
    version: str,
    include_names: Sequence[str] | None,
    include_types: Sequence[str] | None,
    include_tags: Sequence[str] | None,
    exclude_names: Sequence[str] | None,
    exclude_types: Sequence[str] | None,
    exclude_tags: Sequence[str] | None,
    kwargs: dict[str, Any],
) -> AsyncIterator[StreamEvent]:
    """See the module docstring; ``Runnable.astream_events`` is the public entry."""
    if version != "v2":
        raise NotImplementedError(
            f"astream_events supports version='v2' only, got version={version!r}"
        )
    if config is not None:
        validate_config(config, "astream_events(config)")
    loop = asyncio.get_running_loop()
    loop_thread = threading.get_ident()
    queue: asyncio.Queue[Any] = asyncio.Queue()

    def emit(event: Any) -> None:
        if threading.get_ident() == loop_thread:
            queue.put_nowait(event)
        else:
            loop.call_soon_threadsafe(queue.put_nowait, event)

    handler = _EventHandler(emit)
    wanted = _selector(RunFilter(include_names, include_types, include_tags,
                                 exclude_names, exclude_types, exclude_tags))
    cfg = combine_configs(config, {"callbacks": [handler]})

    async def drive() -> None:
        try:
            stream = r.astream(input, cfg, **kwargs)
            try:
                async for chunk in stream:
                    handler.root_chunk(chunk)
            finally:
                aclose = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
        finally:
            emit(_DONE)

    task = asyncio.ensure_future(drive())
    first: str | None = None  # the run id of the first event yielded
    try:
        while True:
            event = await queue.get()
            if event is _DONE:
                break
            if not wanted(event):
                continue
            data = event["data"]
            if first is None:
                # langchain_core gives the first event the invocation's input (whichever event
                # it is) and leaves the input out of that run's end event.
                first = event["run_id"]
                if isinstance(data, dict):
                    event["data"] = {**data, "input": input}
            elif event["run_id"] == first and event["event"].endswith("_end") and "input" in data:
                event["data"] = {k: v for k, v in data.items() if k != "input"}
            yield event
        await task  # the invocation's exception, if it failed
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
