"""Deadline, crash and leftover bookkeeping around every scenario the harness runs.

The pytest plugin configures one :data:`WATCH` per process (a pytest-xdist worker, or the only
process). For each scenario, :meth:`Watch.scenario`

- writes the scenario (and the test running it) to a per-process file first, so that when the
  process dies mid-scenario (``os._exit``, a signal, a deadline) the supervising process can say
  which scenario killed it;
- sets the deadline of a watchdog thread: on expiry it writes every thread's stack
  (:func:`faulthandler.dump_traceback`) to a per-process file and ends the process, which the
  supervisor (pytest-xdist) reports as a crashed test, errored with those stacks. Behind it,
  :func:`faulthandler.dump_traceback_later` does the same from native code for a hang that never
  lets the watchdog run (native code holding the GIL), within twice the deadline: it is armed
  for two deadlines and re-armed only when less than one is left (arming it costs a native
  thread start and join, about a millisecond, more than a scenario's own checks), and disarmed
  after each test (:meth:`Watch.test_done`);
- measures what the scenario wrote to the captured stdout/stderr: more than :data:`OUTPUT_LIMIT`
  per scenario is an adapter error (the output itself is cut in the reports);
- notes non-daemon threads that appeared during the scenario, so that threads still running at
  the end of the test are reported with the scenario that started them.

Unconfigured (the project's own tests calling the harness directly) it does nothing.
"""

from __future__ import annotations

import faulthandler
import json
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

from .adapter import AdapterError

__all__ = ["OUTPUT_LIMIT", "WATCH", "Watch", "crash_files", "leftover_threads"]

#: Most bytes one scenario may write to stdout and stderr together before it is an adapter error.
OUTPUT_LIMIT: Final = 256 * 1024


def crash_files(scratch: str | Path, worker: str) -> tuple[Path, Path]:
    """The files a process of ``worker`` writes: its current scenario, and stacks on a timeout."""
    base = Path(scratch)
    return base / f"{worker}.scenario.json", base / f"{worker}.stacks.txt"


def _pool_thread(thread: threading.Thread) -> bool:
    """A ``concurrent.futures`` worker thread: idle ones end when the interpreter exits."""
    target = getattr(thread, "_target", None)
    return getattr(target, "__module__", "") == "concurrent.futures.thread"


def _keeps_process_alive(thread: threading.Thread) -> bool:
    """An alive non-daemon thread other than the main thread and pool workers: one that would
    keep the interpreter from exiting."""
    return (not thread.daemon and thread is not threading.main_thread()
            and not _pool_thread(thread) and thread.is_alive())


def leftover_threads(baseline: frozenset[int] = frozenset()) -> list[threading.Thread]:
    """The threads that would keep the interpreter from exiting (:func:`_keeps_process_alive`),
    except ``baseline``'s (thread idents)."""
    return [t for t in threading.enumerate()
            if t.ident not in baseline and _keeps_process_alive(t)]


def _output_size() -> int:
    """Bytes in the files behind fds 1 and 2 when they are regular files (pytest's fd capture)."""
    total = 0
    for fd in (1, 2):
        try:
            st = os.fstat(fd)
        except OSError:
            continue
        if stat.S_ISREG(st.st_mode):
            total += st.st_size
    return total


class Watch:
    """Per-process state; see the module docstring."""

    def __init__(self) -> None:
        self.timeout: float | None = None
        self.test = ""
        self.output_limit: int | None = None
        self._scenario_file: IO[str] | None = None
        self._stacks_file: IO[str] | None = None
        self._active = False
        #: thread ident -> (thread name, scenario JSON) for threads that outlived a scenario.
        self.spawned: dict[int, tuple[str, str]] = {}
        self._exit_code = 2
        self._watchdog: threading.Thread | None = None
        self._cond = threading.Condition()
        self._deadline: float | None = None
        #: When the watchdog wakes next (None: only when notified).
        self._wake_at: float | None = None
        #: Length of the last record in the scenario file.
        self._record_length = 0
        #: Until when faulthandler's native backstop is armed (monotonic; 0: not armed).
        self._backstop_until = 0.0
        #: Whether the watchdog says why it stops the process (no supervisor will).
        self._announce = False

    def configure(self, timeout: float | None, scratch: str | Path | None = None,
                  worker: str = "main", output_limit: int | None = OUTPUT_LIMIT) -> None:
        """Deadline per scenario (None or 0: none), where the crash files go, output limit."""
        self.close()
        self.timeout = timeout or None
        self.output_limit = output_limit
        if scratch is not None:
            scenario_path, stacks_path = crash_files(scratch, worker)
            self._scenario_file = scenario_path.open("w", encoding="utf-8")
            self._stacks_file = stacks_path.open("w", encoding="utf-8")
        if self.timeout is not None:
            self._start_watchdog()

    def _start_watchdog(self) -> None:
        if self._watchdog is None:
            self._watchdog = threading.Thread(target=self._watch, name="conformance-deadline",
                                              daemon=True)
            self._watchdog.start()

    def stacks_to(self, fd: int, exit_code: int = 2) -> None:
        """In a process no one supervises: write the stacks of a timed-out scenario to file
        descriptor ``fd`` (e.g. a copy of stderr), then end the process with ``exit_code``
        (faulthandler alone would exit with 1, which means "a rule failed")."""
        if self._stacks_file is not None:
            self._stacks_file.close()
        self._stacks_file = os.fdopen(fd, "w", encoding="utf-8")
        self._exit_code = exit_code
        self._announce = True
        self._start_watchdog()

    def _watch(self) -> None:
        while True:
            with self._cond:
                deadline = self._deadline
                if deadline is None or deadline > time.monotonic():
                    # Wake at the deadline (or when told of an earlier one): a later deadline
                    # set meanwhile is seen then, without waking this thread per scenario.
                    self._wake_at = deadline
                    self._cond.wait(None if deadline is None else deadline - time.monotonic())
                    continue
            out = self._stacks_file or sys.stderr
            if self._announce:
                out.write(f"conformance: a scenario of {self.test} ran past the "
                          f"{self.timeout:g} s deadline; stopping the run\n")
                out.flush()
            faulthandler.dump_traceback(file=out, all_threads=True)
            out.flush()
            os._exit(self._exit_code)

    def _set_deadline(self, deadline: float | None) -> None:
        if self._watchdog is not None:
            with self._cond:
                self._deadline = deadline
                # Only a deadline before the watchdog's wake-up needs to wake it now (a notify
                # is a thread switch, per scenario).
                if deadline is not None and (self._wake_at is None or deadline < self._wake_at):
                    self._cond.notify()

    def _arm_backstop(self, timeout: float) -> None:
        now = time.monotonic()
        if self._backstop_until - now < timeout + 1.0:
            faulthandler.dump_traceback_later(2 * timeout + 1.0, exit=True,
                                              file=self._stacks_file or sys.stderr)
            self._backstop_until = now + 2 * timeout + 1.0

    def test_done(self) -> None:
        """Disarm the native backstop between tests (see the module docstring)."""
        if self._backstop_until:
            faulthandler.cancel_dump_traceback_later()
            self._backstop_until = 0.0

    def close(self) -> None:
        self.test_done()
        for fh in (self._scenario_file, self._stacks_file):
            if fh is not None:
                fh.close()
        self._scenario_file = self._stacks_file = None
        self.timeout = None

    @property
    def configured(self) -> bool:
        return self.timeout is not None or self._scenario_file is not None \
            or self.output_limit is not None

    def _describe(self, scenarios: Sequence[Any]) -> str:
        """The scenarios as JSON (``Scenario.dumps``: a chain's text is made once per chain)."""
        parts = [s.dumps() for s in scenarios]
        return parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"

    @contextmanager
    def scenario(self, adapter_name: str, scenarios: Sequence[Any]) -> Iterator[None]:
        """Around one scenario's adapter calls (``scenarios``: several when run concurrently)."""
        if self._active or not self.configured:
            yield
            return
        described = self._describe(scenarios)
        if self._scenario_file is not None:
            record = (json.dumps({"test": self.test, "pid": os.getpid(), "started": time.time(),
                                  "timeout": self.timeout})[:-1] + ', "scenario": '
                      + described + "}")
            # Spaces over the rest of a longer earlier record (JSON allows them; no truncate).
            padded = record.ljust(self._record_length)
            self._record_length = len(padded)
            fh = self._scenario_file
            fh.seek(0)
            fh.write(padded)
            fh.flush()
        before_output = _output_size() if self.output_limit else 0
        # Thread objects, not idents: no property read per thread (an ended thread's object is
        # held here, so a new thread cannot be taken for it).
        before_threads = set(threading.enumerate())
        if self.timeout is not None:
            self._arm_backstop(self.timeout)
            self._set_deadline(time.monotonic() + self.timeout)
        self._active = True
        try:
            yield
        finally:
            self._active = False
            if self.timeout is not None:
                self._set_deadline(None)
        for thread in threading.enumerate():
            if thread not in before_threads and _keeps_process_alive(thread) \
                    and thread.ident is not None:
                self.spawned.setdefault(thread.ident, (thread.name, described))
        if self.output_limit:
            written = _output_size() - before_output
            if written > self.output_limit:
                raise AdapterError(
                    f"adapter {adapter_name!r} wrote {written:,} bytes to stdout/stderr in one "
                    f"scenario (the limit is {self.output_limit:,}); the captured output is cut "
                    "in the reports — print less (or log to a file)")


#: The process's watch, configured by the pytest plugin.
WATCH: Final = Watch()
