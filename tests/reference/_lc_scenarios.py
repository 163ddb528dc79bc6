"""Scenarios written once against a package prefix, run on the reference and on langchain_core.

A scenario is a function of the package prefix (``"reference"`` or
``"langchain_core"``): it imports what it needs through :func:`load`, runs,
and returns what a recording handler saw as short comparable tuples:
``(event, run name, parent run's name, detail)``, where ``detail`` shows the
payload's type and content (:func:`shape`). The same tuples from both
packages mean the handler code behaves the same after the prefix changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from typing import Any
from uuid import UUID


def _langchain_core_1x() -> bool:
    if importlib.util.find_spec("langchain_core") is None:
        return False
    from importlib.metadata import version

    return int(version("langchain-core").split(".")[0]) >= 1


#: Whether langchain-core 1.x is importable here: the expectations are written from 1.8.3's
#: events, and the cross-checks run on it (CI has no langchain-core).
HAVE_LANGCHAIN_CORE = _langchain_core_1x()

Seen = tuple[str, str | None, str | None, str]


def load(pkg: str, module: str, name: str) -> Any:
    """``from {pkg}.{module} import {name}``."""
    return getattr(importlib.import_module(f"{pkg}.{module}"), name)


def shape(x: Any) -> str:
    """A payload as type and content, independent of ids and of the package that made it."""
    t = type(x).__name__
    if isinstance(x, str):
        return repr(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {shape(v)}" for k, v in sorted(x.items())) + "}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(shape(v) for v in x) + "]"
    if hasattr(x, "generations"):  # LLMResult, ChatResult
        return f"{t}({shape(x.generations)})"
    if hasattr(x, "message") and hasattr(x, "text"):  # ChatGeneration(Chunk)
        return f"{t}({shape(x.message)})"
    if hasattr(x, "generation_info") and hasattr(x, "text"):  # Generation(Chunk)
        return f"{t}({x.text!r})"
    if hasattr(x, "content") and hasattr(x, "type"):  # a message
        return f"{t}({x.content!r})"
    if hasattr(x, "to_string"):  # a prompt value
        return f"{t}({x.to_string()!r})"
    if isinstance(x, BaseException):
        return f"{t}({x})"
    return t


def recorder(pkg: str) -> Any:
    """A handler of ``pkg`` recording every event it gets as :data:`Seen` tuples."""
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")

    class Recorder(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.seen: list[Seen] = []
            self.names: dict[UUID, str | None] = {}
            self.lock = threading.Lock()

        def _add(
            self, event: str, detail: str, kw: dict[str, Any], serialized: Any = None
        ) -> None:
            with self.lock:
                if event.endswith("_start"):
                    # langchain_core gives a tool's start no name keyword: serialized has it.
                    self.names[kw["run_id"]] = kw.get("name") or (serialized or {}).get("name")
                parent = kw.get("parent_run_id")
                self.seen.append((event, self.names.get(kw["run_id"]),
                                  self.names.get(parent) if parent else None, detail))

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            run_type = kw.get("run_type")
            extra = f" run_type={run_type}" if run_type else ""
            self._add("on_chain_start", shape(inputs) + extra, kw, serialized)

        def on_chain_end(self, outputs: Any, **kw: Any) -> None:
            self._add("on_chain_end", shape(outputs), kw)

        def on_chain_error(self, error: BaseException, **kw: Any) -> None:
            self._add("on_chain_error", shape(error), kw)

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            self._add("on_chat_model_start", shape(messages), kw, serialized)

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            self._add("on_llm_start", shape(prompts), kw, serialized)

        def on_llm_new_token(self, token: str, **kw: Any) -> None:
            chunk = kw.get("chunk")
            self._add("on_llm_new_token", f"{token!r} {type(chunk).__name__}", kw)

        def on_llm_end(self, response: Any, **kw: Any) -> None:
            self._add("on_llm_end", shape(response), kw)

        def on_llm_error(self, error: BaseException, **kw: Any) -> None:
            self._add("on_llm_error", shape(error), kw)

        def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
            self._add("on_tool_start", repr(input_str), kw, serialized)

        def on_tool_end(self, output: Any, **kw: Any) -> None:
            self._add("on_tool_end", shape(output), kw)

        def on_tool_error(self, error: BaseException, **kw: Any) -> None:
            self._add("on_tool_error", shape(error), kw)

    return Recorder()
