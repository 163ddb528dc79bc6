"""``langchain_core.tracers.stdout``: tracers that print each run as it starts and ends.

``FunctionCallbackHandler(function)`` hands ``function`` one text per event:
a coloured ``[kind/event]`` label, the run's breadcrumbs (``type:name`` of each
ancestor still open, then the run's own), the elapsed time at the end, and the
run's inputs, outputs or error as indented JSON (a placeholder such as
``[inputs]`` when they do not serialise). ``ConsoleCallbackHandler`` prints it.
Chat models are shown as ``llm`` runs with their messages rendered as prompts, as
in langchain_core. Retriever runs print nothing (langchain_core's do not either).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from reference.callbacks._text import get_bolded_text, get_colored_text
from reference.tracers.base import BaseTracer
from reference.tracers.schemas import Run

__all__ = ["ConsoleCallbackHandler", "FunctionCallbackHandler", "elapsed",
           "try_json_stringify"]

MILLISECONDS_IN_SECOND = 1000


def try_json_stringify(obj: Any, fallback: str) -> str:
    """``obj`` as JSON indented by 2 (non-ASCII kept), or ``fallback`` if it does not
    serialise."""
    try:
        return json.dumps(obj, indent=2, ensure_ascii=False)
    except Exception:
        return fallback


def elapsed(run: Any) -> str:
    """A run's duration: ``"12ms"`` under a second, else ``"1.50s"``."""
    seconds = (run.end_time - run.start_time).total_seconds()
    if seconds < 1:
        return f"{seconds * MILLISECONDS_IN_SECOND:.0f}ms"
    return f"{seconds:.2f}s"


class FunctionCallbackHandler(BaseTracer):
    """A tracer calling ``function`` with one printable text per run start, end and error."""

    name: str = "function_callback_handler"

    def __init__(self, function: Callable[[str], None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function_callback = function

    def _persist_run(self, run: Run) -> None:
        """Nothing to keep: every event was printed when it came."""

    def get_parents(self, run: Run) -> list[Run]:
        """The run's open ancestors, nearest first (stops at one this tracer does not hold)."""
        parents = []
        parent_id = run.parent_run_id
        while parent_id:
            parent = self.run_map.get(str(parent_id))
            if parent is None:
                break
            parents.append(parent)
            parent_id = parent.parent_run_id
        return parents

    def get_breadcrumbs(self, run: Run) -> str:
        """``type:name > ... > type:name`` from the outermost open ancestor to ``run``."""
        chain = [*reversed(self.get_parents(run)), run]
        return " > ".join(f"{r.run_type}:{r.name}" for r in chain)

    def _say(self, label: str, color: str, run: Run, heading: str, body: str,
             timed: bool = True) -> None:
        when = f" [{elapsed(run)}]" if timed else ""
        self.function_callback(
            f"{get_colored_text(label, color)} "
            + get_bolded_text(f"[{self.get_breadcrumbs(run)}]{when} {heading}:\n") + body)

    # chain-like runs (chains, prompts, parsers): the run type names them
    def _on_chain_start(self, run: Run) -> None:
        self._say("[chain/start]", "green", run,
                  f"Entering {run.run_type.capitalize()} run with input",
                  try_json_stringify(run.inputs, "[inputs]"), timed=False)

    def _on_chain_end(self, run: Run) -> None:
        self._say("[chain/end]", "blue", run,
                  f"Exiting {run.run_type.capitalize()} run with output",
                  try_json_stringify(run.outputs, "[outputs]"))

    def _on_chain_error(self, run: Run) -> None:
        self._say("[chain/error]", "red", run,
                  f"{run.run_type.capitalize()} run errored with error",
                  try_json_stringify(run.error, "[error]"))

    def _on_llm_start(self, run: Run) -> None:
        inputs = run.inputs
        if "prompts" in inputs:
            inputs = {"prompts": [p.strip() for p in inputs["prompts"]]}
        self._say("[llm/start]", "green", run, "Entering LLM run with input",
                  try_json_stringify(inputs, "[inputs]"), timed=False)

    def _on_llm_end(self, run: Run) -> None:
        self._say("[llm/end]", "blue", run, "Exiting LLM run with output",
                  try_json_stringify(run.outputs, "[response]"))

    def _on_llm_error(self, run: Run) -> None:
        self._say("[llm/error]", "red", run, "LLM run errored with error",
                  try_json_stringify(run.error, "[error]"))

    def _on_tool_start(self, run: Run) -> None:
        # a tool given a dict has no "input": the KeyError is the handler's, as in langchain_core
        self._say("[tool/start]", "green", run, "Entering Tool run with input",
                  f'"{run.inputs["input"].strip()}"', timed=False)

    def _on_tool_end(self, run: Run) -> None:
        if run.outputs:
            self._say("[tool/end]", "blue", run, "Exiting Tool run with output",
                      f'"{str(run.outputs["output"]).strip()}"')

    def _on_tool_error(self, run: Run) -> None:
        # the one text whose heading is not bold, as in langchain_core
        self.function_callback(
            f"{get_colored_text('[tool/error]', 'red')} "
            + get_bolded_text(f"[{self.get_breadcrumbs(run)}] [{elapsed(run)}] ")
            + f"Tool run errored with error:\n{run.error}")


class ConsoleCallbackHandler(FunctionCallbackHandler):
    """Print each run's start, end and error (what ``set_debug(True)`` shows in LangChain)."""

    name: str = "console_callback_handler"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(function=print, **kwargs)
