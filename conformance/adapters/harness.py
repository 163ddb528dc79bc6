"""The adapter for implementations in another process or language: a harness speaking JSON lines.

``--impl 'harness:COMMAND'`` starts ``COMMAND`` (split like a shell would, e.g.
``harness:node harnesses/langchainjs/harness.mjs``) as one long-lived process and speaks the
harness protocol to it (docs/harness-protocol.md, schemas in :mod:`conformance.protocol`):
``start`` once, then one ``run`` request per invocation (``run_concurrently`` for several
invocations of one build at once), ``stop`` at exit. The rest of the suite is unchanged: the
events a harness reports are replayed into the suite's event sinks, and its outcomes become
:class:`~conformance.adapter.Outcome` objects (an injected failure the harness reports as the
very object thrown becomes the probe's own failure, so R8's identity check works across the
process boundary).

A harness is never trusted to behave: every response is validated against the schema, and each
request has a deadline (``CONFORMANCE_HARNESS_TIMEOUT`` seconds, default 10, at most half the
scenario deadline). A harness that exits, hangs past the deadline or answers something malformed
is stopped, the request raises :class:`~conformance.adapter.AdapterError` (the test is errored,
exit status 2, never a rule violation), and the next request starts a fresh process.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import IO, Any, Final

from ..adapter import AdapterError, Capabilities, HandlerFault, InjectedFailure, Outcome, Probe
from ..events import METHODS, NOT_REPORTED, EventSink, MalformedEvent
from ..model import EXTRA_MODES, MODES, Chain, HandlerSpec, Invocation, Scenario
from ..protocol import PROTOCOL_VERSION, ProtocolError, validate
from ..watch import WATCH

__all__ = ["PREFIX", "HarnessAdapter", "HarnessConnection", "RemoteError",
           "capabilities_from_json"]

#: ``--impl`` values with this prefix name a harness command.
PREFIX: Final = "harness:"
#: Seconds a harness has to start and answer ``start`` (a runtime and its imports).
START_TIMEOUT: Final = 60.0
#: Per-request deadline when neither the environment nor the scenario deadline says otherwise.
DEFAULT_TIMEOUT: Final = 10.0
_STDERR_TAIL: Final = 4000
#: Handshakes already made, by command, for the processes this one starts (xdist workers).
HANDSHAKE_ENV: Final = "CONFORMANCE_HARNESS_HANDSHAKES"


class RemoteError(Exception):
    """An error the harness reported that is neither an injected failure nor a handler fault;
    subclasses are named after the error's class in the harness's language."""


_remote_types: dict[str, type[RemoteError]] = {}


def _remote_error(name: str, message: str) -> RemoteError:
    cls = _remote_types.get(name)
    if cls is None:
        cls = _remote_types[name] = type(name if name.isidentifier() else "RemoteError",
                                         (RemoteError,), {"__module__": "harness"})
    return cls(message)


#: What a harness that leaves them out is taken to lack: the options and modes added to the
#: suite after protocol 1 was first published (SPEC.md §8), which an older harness cannot know.
LATER_ADDITIONS: Final[Mapping[str, Any]] = {
    "modes": frozenset(MODES) - EXTRA_MODES,
    "ignore_flags": frozenset(),
    "run_inline": False,
    "local_handlers": False,
}


def capabilities_from_json(data: Mapping[str, Any]) -> Capabilities:
    """The :class:`Capabilities` a harness declared (fields left out keep their defaults, but
    for :data:`LATER_ADDITIONS`, which a harness must declare to be tested on)."""
    kw: dict[str, Any] = dict(LATER_ADDITIONS)
    for name, value in data.items():
        if name in ("node_kinds", "modes", "constructor_callbacks", "failing_kinds",
                    "ignore_flags"):
            kw[name] = frozenset(value)
        elif name in ("notes", "mode_aliases"):
            kw[name] = dict(value)
        else:
            kw[name] = bool(value)
    return Capabilities(**kw)


class HarnessConnection:
    """One harness process at a time, with requests in flight matched to responses by id.

    Thread-safe: any number of threads may call :meth:`request` at once. A process that
    breaks the protocol is stopped; the next request starts another.
    """

    def __init__(self, argv: Sequence[str], cwd: str | None = None) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self._lock = threading.Lock()
        self._next_id = 0
        self._proc: subprocess.Popen[bytes] | None = None
        #: Requests in flight: id -> (the process asked, the future of its answer).
        self._pending: dict[int, tuple[subprocess.Popen[bytes], Future[dict[str, Any]]]] = {}
        self._stderr: collections.deque[str] = collections.deque(maxlen=200)
        #: The harness's answer to ``start`` (the first process's).
        self.started: dict[str, Any] | None = None
        #: How many times a process had to be started again after breaking.
        self.restarts = 0
        self._spawned = False
        atexit.register(self.close)

    def handshake(self) -> dict[str, Any]:
        """The harness's answer to ``start``, without keeping a process for it.

        A process that learnt it from its parent (the environment variable
        :data:`HANDSHAKE_ENV`, set by the first process that asked: the controller of a
        distributed run) starts no harness here; otherwise one is started for the handshake
        and stopped again. Either way the first request starts the harness that runs cases, so
        a process that never sends one (the xdist controller) keeps none running.
        """
        if self.started is not None:
            return self.started
        key = json.dumps([self.argv, self.cwd])
        try:
            cached = json.loads(os.environ.get(HANDSHAKE_ENV, "{}")).get(key)
        except (ValueError, AttributeError):
            cached = None
        if isinstance(cached, dict):
            try:
                validate("messages#/$defs/started", cached)
            except ProtocolError:
                cached = None
        if isinstance(cached, dict):
            self.started = cached
            return cached
        self._ensure()
        started: dict[str, Any] = self.started or {}
        self.close()
        self._spawned = False  # the next start is the first to run cases, not a restart
        with contextlib.suppress(ValueError, AttributeError, TypeError):
            known = json.loads(os.environ.get(HANDSHAKE_ENV, "{}"))
            known[key] = started
            os.environ[HANDSHAKE_ENV] = json.dumps(known, separators=(",", ":"))
        return started

    # -- process ----------------------------------------------------------------------------
    def _spawn(self) -> subprocess.Popen[bytes]:
        try:
            proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=self.cwd)
        except OSError as exc:
            raise AdapterError(f"harness {shlex.join(self.argv)!r} did not start: {exc}") from exc
        assert proc.stdout is not None and proc.stderr is not None
        threading.Thread(target=self._read, args=(proc, proc.stdout), daemon=True,
                         name="conformance-harness-reader").start()
        threading.Thread(target=self._drain, args=(proc.stderr,), daemon=True,
                         name="conformance-harness-stderr").start()
        return proc

    def _ensure(self) -> subprocess.Popen[bytes]:
        """The running process, started (with its handshake) if there is none."""
        with self._lock:
            if self._proc is not None:
                return self._proc
            if self._spawned:
                self.restarts += 1
            self._proc = proc = self._spawn()
            self._spawned = True
        answer = self._send(proc, {"cmd": "start", "protocol": PROTOCOL_VERSION}, START_TIMEOUT,
                            "start")
        try:
            validate("messages#/$defs/started", answer)
        except ProtocolError as exc:
            self._break(proc, f"its answer to start breaks the protocol: {exc}")
            raise AdapterError(f"harness {self.describe()}: {exc}") from None
        if self.started is None:
            self.started = answer
        return proc

    def describe(self) -> str:
        return repr(shlex.join(self.argv))

    def _drain(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def stderr_tail(self) -> str:
        text = "\n".join(self._stderr)
        return text[-_STDERR_TAIL:]

    def _read(self, proc: subprocess.Popen[bytes], stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            try:
                message = json.loads(raw)
            except ValueError:
                self._break(proc, f"it wrote a line that is not JSON: {raw[:200]!r}")
                return
            ident = message.get("id") if isinstance(message, dict) else None
            future = None
            with self._lock:
                entry = self._pending.get(ident) if isinstance(ident, int) else None
                if isinstance(ident, int) and entry is not None and entry[0] is proc:
                    future = self._pending.pop(ident)[1]
            if future is None:
                self._break(proc, f"it answered a request that is not pending: "
                                  f"{raw[:200]!r}")
                return
            future.set_result(message)
        code = proc.wait()
        self._break(proc, f"it exited with status {code}")

    def _break(self, proc: subprocess.Popen[bytes], why: str) -> None:
        """Stop ``proc`` and fail every request pending on it with ``why``."""
        with self._lock:
            if self._proc is proc:
                self._proc = None
            pending = {i: f for i, (p, f) in self._pending.items() if p is proc}
            for ident in pending:
                del self._pending[ident]
        with contextlib.suppress(OSError):
            proc.kill()
        tail = self.stderr_tail()
        message = f"harness {self.describe()}: {why}" + (
            f"; its stderr ends with:\n{tail}" if tail else "")
        for future in pending.values():
            if not future.done():
                future.set_exception(AdapterError(message))

    # -- requests ---------------------------------------------------------------------------
    def _send(self, proc: subprocess.Popen[bytes], message: dict[str, Any], timeout: float,
              what: str) -> dict[str, Any]:
        future: Future[dict[str, Any]] = Future()
        with self._lock:
            if self._proc is not proc:
                raise AdapterError(f"harness {self.describe()} stopped before {what}; its "
                                   f"stderr ends with:\n{self.stderr_tail()}")
            ident = self._next_id
            self._next_id += 1
            self._pending[ident] = (proc, future)
            line = json.dumps({**message, "id": ident}, separators=(",", ":")) + "\n"
            try:
                assert proc.stdin is not None
                proc.stdin.write(line.encode())
                proc.stdin.flush()
            except (OSError, ValueError):
                pass  # the reader sees the process end and fails the request with its status
        try:
            return future.result(timeout)
        except FutureTimeout:
            self._break(proc, f"no answer to {what} within {timeout:g} s (a hung harness)")
            raise AdapterError(f"harness {self.describe()}: no answer to {what} within "
                               f"{timeout:g} s; the harness was stopped (it is started again "
                               "for the next case)") from None

    def request(self, message: dict[str, Any], timeout: float, what: str) -> dict[str, Any]:
        """Send ``message`` (an id is added) and return the validated ``ran`` answer."""
        proc = self._ensure()
        answer = self._send(proc, message, timeout, what)
        if "error" in answer and "results" not in answer:
            error = answer.get("error")
            text = error.get("message") if isinstance(error, dict) else error
            detail = error.get("detail", "") if isinstance(error, dict) else ""
            raise AdapterError(f"harness {self.describe()} could not carry out {what}: {text}"
                               + (f"\n{detail}" if detail else ""))
        try:
            validate("messages#/$defs/ran", answer)
        except ProtocolError as exc:
            self._break(proc, f"its answer to {what} breaks the protocol: {exc}")
            raise AdapterError(f"harness {self.describe()}: its answer to {what} breaks the "
                               f"protocol: {exc} (the harness was stopped)") from None
        return answer

    def close(self) -> None:
        """Ask the harness to stop; kill it if it does not within a second."""
        with self._lock:
            proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.write(json.dumps({"cmd": "stop", "id": self._next_id}).encode() + b"\n")
            proc.stdin.close()
        try:
            proc.wait(1.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(1.0)


class _RemoteHandler:
    """The suite-side stand-in for one recording handler living in the harness."""

    __slots__ = ("sink", "spec")

    def __init__(self, spec: HandlerSpec, sink: EventSink) -> None:
        self.spec = spec
        self.sink = sink

    def __repr__(self) -> str:
        return f"RemoteHandler({self.spec.id!r})"


class _Build:
    """What ``build`` returns: the chain to send, the probe, and events still to deliver."""

    __slots__ = ("chain", "late", "probe")

    def __init__(self, chain: Chain, probe: Probe) -> None:
        self.chain = chain
        self.probe = probe
        self.late: list[tuple[Mapping[str, _RemoteHandler], list[_Typed]]] = []


class HarnessAdapter:
    """Forwards every case to a harness process; see the module docstring."""

    prefix: str | None = None
    #: A request that errored stopped the process; the next one starts a fresh one, so one
    #: errored case does not make the suite error the rest of the run.
    recovers_after_error = True

    def __init__(self, command: str | Sequence[str], timeout: float | None = None,
                 cwd: str | None = None) -> None:
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise AdapterError("harness: no command given (e.g. 'harness:node harness.mjs')")
        if argv[0] in ("python", "python3"):  # this Python, whatever PATH says
            argv[0] = sys.executable
        self.connection = HarnessConnection(argv, cwd)
        self._timeout = timeout
        started = self.connection.handshake()
        impl = started["implementation"]
        self.name: str = impl["name"]
        self.version: str = impl["version"]
        self.language: str = impl["language"]
        self.package: str | None = impl.get("package")
        self.runtime: str = f"{impl['runtime']['name']} {impl['runtime']['version']}"
        self.capabilities: Capabilities = capabilities_from_json(started["capabilities"])

    def __repr__(self) -> str:
        return f"HarnessAdapter({self.connection.describe()})"

    @property
    def timeout(self) -> float:
        """This request's deadline: the explicit one, the environment's, else the default, at
        most half the scenario deadline (so a hung harness errors one case, not the worker)."""
        if self._timeout is not None:
            return self._timeout
        wanted = float(os.environ.get("CONFORMANCE_HARNESS_TIMEOUT", DEFAULT_TIMEOUT))
        if WATCH.timeout:
            wanted = min(wanted, WATCH.timeout / 2)
        return wanted

    def close(self) -> None:
        self.connection.close()

    # -- the adapter protocol ---------------------------------------------------------------
    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object:
        return _RemoteHandler(spec, sink)

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object:
        return _Build(chain, probe)

    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        remote = _remote(handlers)
        scenario = {"chain": root.chain.to_json(),
                    "handlers": [h.spec.to_json() for h in remote.values()],
                    "invocation": invocation.to_json()}
        answer = self.connection.request({"cmd": "run", "scenario": scenario}, self.timeout,
                                         f"run ({invocation.mode})")
        [result] = _results(answer, 1)
        return self._replay(root, result, remote, hold_late=True)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        return self.invoke(root, invocation, handlers)

    def deliver_late(self, root: Any) -> None:
        """Record the events the harness saw after the call had returned (called by the suite
        once it has counted the events that came in time)."""
        late, root.late = root.late, []
        for remote, events in late:
            _record(remote, events)

    def invoke_concurrently(self, root: Any, invocations: Sequence[Invocation],
                            handler_maps: Sequence[Mapping[str, object]]
                            ) -> list[Sequence[Outcome]]:
        """Every invocation at once on one build, in the harness (``run_concurrently``)."""
        remotes = [_remote(h) for h in handler_maps]
        cases = [{"handlers": [h.spec.to_json() for h in remote.values()],
                  "invocation": inv.to_json()} for inv, remote in zip(invocations, remotes)]
        answer = self.connection.request(
            {"cmd": "run_concurrently", "chain": root.chain.to_json(), "cases": cases},
            self.timeout, f"run_concurrently ({len(cases)} invocations)")
        results = _results(answer, len(cases))
        return [self._replay(root, result, remote, hold_late=False)
                for result, remote in zip(results, remotes)]

    def reproduction(self, scenario: Scenario) -> str | None:
        """The case as code in the implementation's language, where the suite can write it."""
        if self.language == "python" and self.package:
            from ..render import render_code

            return render_code(scenario, self.package)
        if self.language == "javascript" and self.package == "@langchain/core":
            from ..render_js import render_js

            return render_js(scenario, self.package)
        return None

    # -- results ----------------------------------------------------------------------------
    def _replay(self, root: _Build, result: Mapping[str, Any],
                remote: Mapping[str, _RemoteHandler], hold_late: bool) -> list[Outcome]:
        events = _typed(result["events"])
        returned = min(result["returned"], len(events))
        unknown = sorted({e["handler"] for e, _, _ in events} - set(remote))
        if unknown:
            raise AdapterError(f"harness {self.connection.describe()} reported events of "
                               f"handlers the case does not have: {unknown}")
        _record(remote, events[:returned] if hold_late else events)
        if hold_late and returned < len(events):
            root.late.append((remote, events[returned:]))
        sinks = list({id(h.sink): h.sink for h in remote.values()}.values())
        for fault in result.get("faults", ()):
            handler = remote.get(fault["handler"])
            if handler is not None:
                handler.sink.fault_raised(fault["handler"], fault["method"])
        for report in result.get("reports", ()):
            for sink in sinks:
                sink.fault_reported(report)
        return [self._outcome(root.probe, o) for o in result["outcomes"]]

    @staticmethod
    def _outcome(probe: Probe, data: Mapping[str, Any]) -> Outcome:
        if "value" in data:
            return Outcome(value=data["value"])
        error = data["error"]
        kind = error["kind"]
        if kind == "injected":
            # The very object thrown: the probe's own failure, which it remembers (R8).
            exc: BaseException = (probe.failure(error["label"]) if error["original"]
                                  else InjectedFailure(error["label"]))
        elif kind == "handler_fault":
            exc = HandlerFault(error.get("message")
                               or f"handler {error['handler']} fails on purpose")
        else:
            exc = _remote_error(error["type"], error.get("message", ""))
        return Outcome(error=exc)


def _remote(handlers: Mapping[str, object]) -> dict[str, _RemoteHandler]:
    out = {}
    for hid, handler in handlers.items():
        if not isinstance(handler, _RemoteHandler):
            raise AdapterError(f"harness adapter: handler {hid!r} was not made by it")
        out[hid] = handler
    return out


def _results(answer: Mapping[str, Any], count: int) -> list[Mapping[str, Any]]:
    results = list(answer["results"])
    if len(results) != count:
        raise AdapterError(f"harness answered with {len(results)} results for {count} "
                           "invocations")
    return results


#: A wire event with its kind and run type.
_Typed = tuple[Mapping[str, Any], str, str]


def _typed(events: Sequence[Mapping[str, Any]]) -> list[_Typed]:
    """Each event with its kind, and its run type: a start's from its method, any other's from
    its run's start as the same handler received it (else ``chain``)."""
    types: dict[tuple[str, str], str] = {}
    out = []
    for ev in events:
        kind, run_type = METHODS[ev["method"]]
        key = (ev["handler"], ev["run_id"])
        if run_type is not None:
            types[key] = run_type
        else:
            run_type = types.get(key, "chain")
        out.append((ev, kind, run_type))
    return out


def _record(remote: Mapping[str, _RemoteHandler], events: Sequence[_Typed]) -> None:
    """Replay wire events into the handlers' sinks, as in-process recording handlers would."""
    for ev, kind, run_type in events:
        # A malformed record is kept in the sink's problems: the case is errored as the
        # adapter's.
        with contextlib.suppress(MalformedEvent):
            remote[ev["handler"]].sink.record(
                ev["handler"], kind, run_id=ev["run_id"], parent_run_id=ev.get("parent_run_id"),
                run_type=run_type, name=ev.get("name"), tags=ev.get("tags"),
                metadata=ev.get("metadata"), method=ev["method"],
                serialized=ev.get("serialized", NOT_REPORTED),
                payload=ev.get("payload", NOT_REPORTED))


def load(spec: str) -> HarnessAdapter:
    """``harness:COMMAND`` -> a started :class:`HarnessAdapter` (for ``load_adapter``)."""
    return HarnessAdapter(spec[len(PREFIX):])

