"""Recording handlers and small chain builders shared by the reference engine's tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from reference.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from reference.runnables import RunnableLambda


@dataclass(frozen=True)
class Event:
    kind: str  # e.g. "on_chain_start"
    name: str | None
    run_id: UUID
    parent_run_id: UUID | None
    tags: tuple[str, ...]
    metadata: dict[str, Any] = field(hash=False, compare=False)


class Recorder(BaseCallbackHandler):
    """Records every event as (event, name, run_id, parent_run_id, tags, metadata)."""

    def __init__(self, label: str = "rec", *, raise_error: bool = False) -> None:
        self.label = label
        self.raise_error = raise_error
        self.events: list[Event] = []
        self._names: dict[UUID, str | None] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Recorder({self.label})"

    def _rec(self, kind: str, kwargs: dict[str, Any], name: str | None = None) -> None:
        rid = kwargs["run_id"]
        with self._lock:
            if kind.endswith("_start"):
                self._names[rid] = name
            self.events.append(
                Event(
                    kind,
                    self._names.get(rid),
                    rid,
                    kwargs.get("parent_run_id"),
                    tuple(kwargs.get("tags") or ()),
                    dict(kwargs.get("metadata") or {}),
                )
            )

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        assert serialized["name"] == kw["name"]
        self._rec("on_chain_start", kw, kw["name"])

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        self._rec("on_chain_end", kw)

    def on_chain_error(self, error: BaseException, **kw: Any) -> None:
        self._rec("on_chain_error", kw)

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        self._rec("on_chat_model_start", kw, kw["name"])

    def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
        self._rec("on_llm_start", kw, kw["name"])

    def on_llm_new_token(self, token: str, **kw: Any) -> None:
        self._rec("on_llm_new_token", kw)

    def on_llm_end(self, response: Any, **kw: Any) -> None:
        self._rec("on_llm_end", kw)

    def on_llm_error(self, error: BaseException, **kw: Any) -> None:
        self._rec("on_llm_error", kw)

    def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
        self._rec("on_tool_start", kw, kw["name"])

    def on_tool_end(self, output: Any, **kw: Any) -> None:
        self._rec("on_tool_end", kw)

    def on_tool_error(self, error: BaseException, **kw: Any) -> None:
        self._rec("on_tool_error", kw)

    def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
        self._rec("on_retriever_start", kw, kw["name"])

    def on_retriever_end(self, documents: Any, **kw: Any) -> None:
        self._rec("on_retriever_end", kw)

    def on_retriever_error(self, error: BaseException, **kw: Any) -> None:
        self._rec("on_retriever_error", kw)

    # -- views ----------------------------------------------------------------------------

    def seq(self, *, tokens: bool = False) -> list[tuple[str, str | None]]:
        """(short event, run name), e.g. ("start", "a"); token events dropped unless asked."""
        out = []
        for e in self.events:
            short = e.kind.rsplit("_", 1)[-1]
            if short == "token" and not tokens:
                continue
            out.append((short, e.name))
        return out

    def names(self) -> list[str | None]:
        """Names of started runs, in start order."""
        return [e.name for e in self.events if e.kind.endswith("_start")]

    def parents(self) -> dict[str | None, str | None]:
        """Run name -> parent run name (None for a root)."""
        by_id = {e.run_id: e.name for e in self.events if e.kind.endswith("_start")}
        return {
            e.name: by_id.get(e.parent_run_id) if e.parent_run_id else None
            for e in self.events
            if e.kind.endswith("_start")
        }

    def tags_of(self, name: str) -> set[str]:
        return {t for e in self.events if e.name == name for t in e.tags}

    def terminal(self) -> dict[str | None, str]:
        return {
            e.name: e.kind.rsplit("_", 1)[-1]
            for e in self.events
            if e.kind.endswith(("_end", "_error"))
        }


class AsyncRecorder(AsyncCallbackHandler):
    """Coroutine handler recording (event, name) pairs."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str | None]] = []
        self._names: dict[UUID, str | None] = {}

    async def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        self._names[kw["run_id"]] = kw["name"]
        self.events.append(("start", kw["name"]))

    async def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        self.events.append(("end", self._names.get(kw["run_id"])))

    async def on_chain_error(self, error: BaseException, **kw: Any) -> None:
        self.events.append(("error", self._names.get(kw["run_id"])))


def lam(name: str, fn: Any = None, *, delay: float = 0.0, **kw: Any) -> RunnableLambda:
    """A named lambda: identity (or ``fn``), optionally sleeping first."""

    def body(x: Any) -> Any:
        if delay:
            time.sleep(delay)
        return x if fn is None else fn(x)

    return RunnableLambda(body, name=name, **kw)


def fail(name: str, exc: BaseException | None = None, *, delay: float = 0.0) -> RunnableLambda:
    """A named lambda that raises ``exc`` (default ValueError(name))."""
    error = exc if exc is not None else ValueError(name)

    def body(x: Any) -> Any:
        if delay:
            time.sleep(delay)
        raise error

    return RunnableLambda(body, name=name)


class Boom(Exception):
    """A handler's own exception."""
