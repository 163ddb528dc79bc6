"""Capture the warnings an engine gives about contained handler faults (SPEC R10).

Python engines log them (langchain_core and the reference both use :mod:`logging`); while a
scenario runs, a handler on the root logger copies every record that mentions a fault the suite's
recording handlers raised into the scenario's sink, where R10 compares faults raised with faults
reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from .events import EventSink

__all__ = ["FAULT_MARK", "capture_fault_reports", "silenced_loggers"]

#: Every fault a recording handler raises says this (see ``HandlerFault``).
FAULT_MARK: Final = "fails on purpose"


class _Capture(logging.Handler):
    def __init__(self, sink: EventSink) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a record whose arguments do not format is not ours to judge
            return
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            text = f"{text} {exc!r}"
        if FAULT_MARK in text:
            self.sink.fault_reported(text)


@contextmanager
def capture_fault_reports(sink: EventSink) -> Iterator[None]:
    """Copy warnings about the suite's handler faults into ``sink`` while the block runs."""
    capture = _Capture(sink)
    root = logging.getLogger()
    root.addHandler(capture)
    try:
        yield
    finally:
        root.removeHandler(capture)


def silenced_loggers(limit: int = 5) -> list[str]:
    """Loggers whose warnings would not reach the root logger, where the capture listens
    (disabled, a level above WARNING, or not propagating): named in an R10 report, since an
    engine's warnings silenced by a logging configuration look like warnings never given."""
    root = logging.getLogger()
    found = [f"root (level {logging.getLevelName(root.level)})"] \
        if root.level > logging.WARNING else []
    for name, logger in sorted(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        why = ("disabled" if logger.disabled
               else f"level {logging.getLevelName(logger.level)}" if logger.level > logging.WARNING
               else "propagate=False" if not logger.propagate else None)
        if why:
            found.append(f"{name} ({why})")
    return found[:limit]
