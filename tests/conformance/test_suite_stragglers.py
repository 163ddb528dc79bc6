"""The harness's wait for work an engine left running after its call returned."""

from __future__ import annotations

import threading
import time

import pytest

from conformance import harness
from conformance.events import EventSink


def test_a_thread_being_started_does_not_crash_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """threading.enumerate() lists a thread another thread is starting this instant; join()
    refuses it ("cannot join thread before it is started"). Seen as a harness crash against
    langchain-core; the wait must skip it (its runs, if any, are still open in the sink)."""
    starting = threading.Thread(target=lambda: None)  # never started: as in enumerate's limbo
    monkeypatch.setattr(threading, "enumerate", lambda: [threading.current_thread(), starting])
    began = time.monotonic()
    harness._await_stragglers(EventSink(), set(), 0.05)
    assert time.monotonic() - began < 1.0


def test_a_thread_the_call_left_running_is_waited_for() -> None:
    done = threading.Event()
    before = set(threading.enumerate())
    thread = threading.Thread(target=lambda: (time.sleep(0.02), done.set()))
    thread.start()
    harness._await_stragglers(EventSink(), before, 2.0)
    assert done.is_set()
