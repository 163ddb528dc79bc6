"""What every tracer does with the events it gets: build ``Run`` records and the run tree.

A tracer is an ordinary handler (``BaseCallbackHandler`` or ``AsyncCallbackHandler``):
the engine knows nothing of it. Each start event makes a :class:`Run`; a run
whose parent this tracer has seen is appended to that parent's ``child_runs``
and shares its ``trace_id``; a run whose parent it never saw (a tracer given to
one object's constructor, say) becomes a root of its own. When a root ends, the
subclass's ``_persist_run`` gets it, whole tree included.

Payloads are stored as langchain_core's tracers store them (``"original"``
format): a chain's non-dict input and output are wrapped as ``{"input": x}`` /
``{"output": y}``, a model's as ``{"prompts": [...]}`` and a dump of its
``LLMResult``, a tool's as ``{"input": text}`` / ``{"output": out}``, a
retriever's as ``{"query": q}`` / ``{"documents": docs}``; an error as its
``repr`` followed by its traceback.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Final, Literal
from uuid import UUID

from reference.exceptions import TracerException
from reference.tracers.schemas import Run

if TYPE_CHECKING:
    from reference.documents import Document
    from reference.messages import BaseMessage
    from reference.outputs import ChatGenerationChunk, GenerationChunk, LLMResult

__all__ = ["TracerCore", "TracerException"]

Hook = Coroutine[Any, Any, None] | None
SchemaFormat = Literal["original", "original+chat"]
_FORMATS: Final = ("original", "original+chat")
_LLM_TYPES: Final = frozenset({"llm", "chat_model"})


def _now() -> datetime:
    return datetime.now(timezone.utc)


def stacktrace(error: BaseException) -> str:
    """``repr(error)`` followed by its formatted traceback: what a traced run's ``error`` holds."""
    text = repr(error)
    try:
        return (text + "\n\n".join(traceback.format_exception(error))).strip()
    except Exception:
        return text


def dump_message(message: Any) -> dict[str, Any]:
    """A message as langchain_core's ``dumpd`` writes one (a constructor record)."""
    kwargs: dict[str, Any] = {"content": message.content, "type": message.type}
    for field, default in type(message)._fields:
        if field != "content" and getattr(message, field) != default:
            kwargs[field] = getattr(message, field)
    if message.type in ("ai", "AIMessageChunk"):
        kwargs.setdefault("tool_calls", list(getattr(message, "tool_calls", ())))
        kwargs.setdefault("invalid_tool_calls", list(getattr(message, "invalid_tool_calls", ())))
    return {
        "lc": 1,
        "type": "constructor",
        "id": ["langchain", "schema", "messages", type(message).__name__],
        "kwargs": kwargs,
    }


def dump_result(
    response: LLMResult, message: Callable[[Any], Any] = dump_message
) -> dict[str, Any]:
    """An ``LLMResult`` as the outputs of an llm run: generations as dicts, each message as
    ``message(m)`` gives it (dumped by default)."""
    generations = []
    for batch in response.generations:
        dumped = []
        for gen in batch:
            item: dict[str, Any] = {
                "text": gen.text,
                "generation_info": gen.generation_info,
                "type": getattr(gen, "type", type(gen).__name__),
            }
            msg = getattr(gen, "message", None)
            if msg is not None:
                item["message"] = message(msg)
            dumped.append(item)
        generations.append(dumped)
    return {
        "generations": generations,
        "llm_output": response.llm_output,
        "run": response.run,
        "type": "LLMResult",
    }


class TracerCore:
    """The run bookkeeping shared by :class:`BaseTracer` and :class:`AsyncBaseTracer`.

    ``run_map``: open runs by ``str(id)``; ``order_map``: run id to
    ``(trace_id, dotted_order)`` for runs of traces still open (dropped when
    the trace's root ends, so a long-lived tracer does not grow).
    """

    log_missing_parent: bool = True

    def __init__(
        self,
        *,
        _schema_format: SchemaFormat = "original",
        run_map: dict[str, Run] | None = None,
        order_map: dict[UUID, tuple[UUID, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if _schema_format not in _FORMATS:
            raise ValueError(
                f"_schema_format {_schema_format!r} is not supported here; "
                f"use one of {', '.join(_FORMATS)}."
            )
        self._schema_format = _schema_format
        self.run_map: dict[str, Run] = run_map if run_map is not None else {}
        self.order_map: dict[UUID, tuple[UUID, str]] = order_map if order_map is not None else {}
        self._trace_members: dict[UUID, list[UUID]] = {}

    def _persist_run(self, run: Run) -> Hook:
        """Store a finished root run (its ``child_runs`` hold the whole tree)."""
        raise NotImplementedError(f"{type(self).__name__} must implement _persist_run")

    # -- the tree -------------------------------------------------------------------------

    @staticmethod
    def _add_child_run(parent_run: Run, child_run: Run) -> None:
        parent_run.child_runs.append(child_run)

    @staticmethod
    def _get_stacktrace(error: BaseException) -> str:
        return stacktrace(error)

    def _start_trace(self, run: Run) -> Hook:
        """Place ``run`` in its trace: below a parent this tracer holds, else as a root."""
        own = run.start_time.strftime("%Y%m%dT%H%M%S%fZ") + str(run.id)
        placed = self.order_map.get(run.parent_run_id) if run.parent_run_id else None
        if placed is not None:
            run.trace_id, parent_order = placed
            run.dotted_order = parent_order + "." + own
            parent = self.run_map.get(str(run.parent_run_id))
            if parent is not None:
                self._add_child_run(parent, run)
        else:
            run.parent_run_id = None
            run.trace_id = run.id
            run.dotted_order = own
        self.order_map[run.id] = (run.trace_id, run.dotted_order)
        self._trace_members.setdefault(run.trace_id, []).append(run.id)
        self.run_map[str(run.id)] = run
        return None

    def _forget(self, run: Run) -> None:
        """Drop ``run`` from the open runs; a root also takes its trace's order entries along."""
        self.run_map.pop(str(run.id), None)
        if not run.parent_run_id:
            for rid in self._trace_members.pop(run.id, ()):
                self.order_map.pop(rid, None)

    def _get_run(
        self, run_id: UUID, run_type: str | set[str] | frozenset[str] | None = None
    ) -> Run:
        try:
            run = self.run_map[str(run_id)]
        except KeyError as exc:
            raise TracerException(f"No indexed run ID {run_id}.") from exc
        wanted = {run_type} if isinstance(run_type, str) else run_type
        if wanted is not None and run.run_type not in wanted:
            raise TracerException(
                f"Found {run.run_type} run at ID {run_id}, but expected {set(wanted)} run."
            )
        return run

    def _get_run_kwargs(self, parent_run_id: UUID | None, extra: dict[str, Any]) -> dict[str, Any]:
        """Extra fields for a new run (subclasses may add their own)."""
        return {"extra": extra}

    def _new_run(
        self,
        *,
        run_type: str,
        serialized: dict[str, Any] | None,
        inputs: dict[str, Any],
        run_id: UUID,
        parent_run_id: UUID | None,
        tags: list[str] | None,
        metadata: dict[str, Any] | None,
        name: str | None,
        extra: dict[str, Any],
        **fields: Any,
    ) -> Run:
        start = _now()
        if metadata:
            extra["metadata"] = metadata
        return Run(
            id=run_id,
            parent_run_id=parent_run_id,
            serialized=serialized,
            inputs=inputs,
            events=[{"name": "start", "time": start}],
            start_time=start,
            run_type=run_type,
            tags=tags,
            name=name,
            **self._get_run_kwargs(parent_run_id, extra),
            **fields,
        )

    def _finish(self, run: Run, event: str) -> Run:
        run.end_time = _now()
        run.events.append({"name": event, "time": run.end_time})
        return run

    def _add_outputs(self, run: Run, outputs: dict[str, Any]) -> None:
        if run.outputs is None:
            run.outputs = {}
        if not run.extra.get("__omit_auto_outputs", False):
            run.outputs.update(outputs)

    # -- chains ---------------------------------------------------------------------------

    def _create_chain_run(
        self,
        serialized: dict[str, Any] | None,
        inputs: Any,
        run_id: UUID,
        tags: list[str] | None = None,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        run_type: str | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Run:
        return self._new_run(
            run_type=run_type or "chain", serialized=serialized,
            inputs=self._get_chain_inputs(inputs), run_id=run_id,
            parent_run_id=parent_run_id, tags=tags or [], metadata=metadata, name=name,
            extra=kwargs, child_runs=[],
        )

    def _get_chain_inputs(self, inputs: Any) -> Any:
        return inputs if isinstance(inputs, dict) else {"input": inputs}

    def _get_chain_outputs(self, outputs: Any) -> Any:
        return outputs if isinstance(outputs, dict) else {"output": outputs}

    def _complete_chain_run(self, outputs: Any, run_id: UUID, inputs: Any = None) -> Run:
        run = self._get_run(run_id)
        self._add_outputs(run, self._get_chain_outputs(outputs))
        self._finish(run, "end")
        if inputs is not None:
            run.inputs = self._get_chain_inputs(inputs)
        return run

    def _errored_chain_run(self, error: BaseException, inputs: Any, run_id: UUID) -> Run:
        run = self._get_run(run_id)
        run.error = self._get_stacktrace(error)
        self._finish(run, "error")
        if inputs is not None:
            run.inputs = self._get_chain_inputs(inputs)
        return run

    # -- models ---------------------------------------------------------------------------

    def _create_llm_run(
        self,
        serialized: dict[str, Any] | None,
        prompts: list[str],
        run_id: UUID,
        tags: list[str] | None = None,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Run:
        return self._new_run(
            run_type="llm", serialized=serialized, inputs={"prompts": prompts}, run_id=run_id,
            parent_run_id=parent_run_id, tags=tags or [], metadata=metadata, name=name,
            extra=kwargs,
        )

    def _create_chat_model_run(
        self,
        serialized: dict[str, Any] | None,
        messages: list[list[BaseMessage]],
        run_id: UUID,
        tags: list[str] | None = None,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Run:
        """A ``chat_model`` run; the ``"original"`` format has none (the engine then calls
        ``on_llm_start`` with the messages as strings, as langchain_core's does)."""
        if self._schema_format != "original+chat":
            raise NotImplementedError(
                f"Chat model tracing is not supported for the {self._schema_format} format."
            )
        return self._new_run(
            run_type="chat_model", serialized=serialized,
            inputs={"messages": [[dump_message(m) for m in batch] for batch in messages]},
            run_id=run_id, parent_run_id=parent_run_id, tags=tags, metadata=metadata,
            name=name, extra=kwargs,
        )

    def _llm_run_with_token_event(
        self,
        token: Any,
        run_id: UUID,
        chunk: GenerationChunk | ChatGenerationChunk | None = None,
        parent_run_id: UUID | None = None,
    ) -> Run:
        run = self._get_run(run_id, _LLM_TYPES)
        detail: dict[str, Any] = {"token": token}
        if chunk:
            detail["chunk"] = chunk
        run.events.append({"name": "new_token", "time": _now(), "kwargs": detail})
        return run

    def _llm_run_with_retry_event(self, retry_state: Any, run_id: UUID) -> Run:
        """A ``retry`` event from a tenacity-style ``RetryCallState``."""
        run = self._get_run(run_id)
        detail: dict[str, Any] = {
            "slept": getattr(retry_state, "idle_for", None),
            "attempt": getattr(retry_state, "attempt_number", None),
        }
        outcome = getattr(retry_state, "outcome", None)
        if outcome is None:
            detail["outcome"] = "N/A"
        elif outcome.failed:
            exception = outcome.exception()
            detail.update(outcome="failed", exception=str(exception),
                          exception_type=type(exception).__name__)
        else:
            detail.update(outcome="success", result=str(outcome.result()))
        run.events.append({"name": "retry", "time": _now(), "kwargs": detail})
        return run

    def _llm_outputs(self, run: Run, response: LLMResult) -> None:
        self._add_outputs(run, dump_result(response))
        calls = sum(
            len(getattr(getattr(gen, "message", None), "tool_calls", None) or ())
            for batch in response.generations
            for gen in batch
        )
        if calls:
            run.extra["tool_call_count"] = calls

    def _complete_llm_run(self, response: LLMResult, run_id: UUID) -> Run:
        run = self._get_run(run_id, _LLM_TYPES)
        self._llm_outputs(run, response)
        return self._finish(run, "end")

    def _errored_llm_run(
        self, error: BaseException, run_id: UUID, response: LLMResult | None = None
    ) -> Run:
        run = self._get_run(run_id, _LLM_TYPES)
        run.error = self._get_stacktrace(error)
        if response:
            self._llm_outputs(run, response)
        return self._finish(run, "error")

    # -- tools and retrievers -------------------------------------------------------------

    def _create_tool_run(
        self,
        serialized: dict[str, Any] | None,
        input_str: str,
        run_id: UUID,
        tags: list[str] | None = None,
        parent_run_id: UUID | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Run:
        return self._new_run(
            run_type="tool", serialized=serialized,
            inputs=inputs if isinstance(inputs, dict) else {"input": input_str},
            run_id=run_id, parent_run_id=parent_run_id, tags=tags or [], metadata=metadata,
            name=name, extra=kwargs, child_runs=[],
        )

    def _complete_tool_run(self, output: Any, run_id: UUID) -> Run:
        run = self._get_run(run_id, "tool")
        self._add_outputs(run, {"output": output})
        return self._finish(run, "end")

    def _errored_tool_run(self, error: BaseException, run_id: UUID) -> Run:
        run = self._get_run(run_id, "tool")
        run.error = self._get_stacktrace(error)
        return self._finish(run, "error")

    def _create_retrieval_run(
        self,
        serialized: dict[str, Any] | None,
        query: str,
        run_id: UUID,
        parent_run_id: UUID | None = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str | None = None,
        **kwargs: Any,
    ) -> Run:
        return self._new_run(
            run_type="retriever", serialized=serialized, inputs={"query": query},
            run_id=run_id, parent_run_id=parent_run_id, tags=tags, metadata=metadata,
            name=name or "Retriever", extra=kwargs, child_runs=[],
        )

    def _complete_retrieval_run(self, documents: Sequence[Document], run_id: UUID) -> Run:
        run = self._get_run(run_id, "retriever")
        self._add_outputs(run, {"documents": documents})
        return self._finish(run, "end")

    def _errored_retrieval_run(self, error: BaseException, run_id: UUID) -> Run:
        run = self._get_run(run_id, "retriever")
        run.error = self._get_stacktrace(error)
        return self._finish(run, "error")

    # -- copies: a tracer is shared, never copied, when configs are copied -----------------

    def __copy__(self) -> TracerCore:
        return self

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> TracerCore:
        return self
