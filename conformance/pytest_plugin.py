"""The suite as a pytest plugin: ``pytest --impl NAME`` runs the rule tests against an adapter.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed, and inert unless ``--impl`` is given or the suite's tests are collected. It loads the
adapter once, turns an expectation file into strict expected failures, skips tests whose
capabilities the adapter lacks (as "not applicable", with the reason), gives every test one of the
statuses of :data:`conformance.results.MEANINGS`, prints a rule table and writes the JSON report.

Verdicts a CI can trust:

- every scenario runs under a deadline (``--conformance-timeout``; :mod:`conformance.watch`);
  on expiry the stacks of all threads are kept and the process ends;
- under pytest-xdist (``python -m conformance run`` always uses it) a worker that dies — a
  deadline, ``os._exit``, a signal — has its test errored, with the scenario it was running, and
  is replaced; after a deadline the remaining tests are errored without running (a hung adapter
  would hang again); a selected test that never reports is errored, never missing or passed;
- threads a test leaves running error the test; captured output is cut.

Per-test data travels from workers to the controller in ``user_properties``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pytest

if TYPE_CHECKING:
    from .adapter import Adapter
    from .deviations import KnownDeviations
    from .results import Summary

__all__ = ["NOT_APPLICABLE", "OUTPUT_SECTION_LIMIT", "SUITE_DIR", "known_deviations"]

SUITE_DIR = Path(__file__).parent / "suite"
NOT_APPLICABLE = "not applicable: "
#: Most characters of captured output (per section: stdout, stderr, log) kept in a test's report.
OUTPUT_SECTION_LIMIT: Final = 16_000
_ADAPTER = pytest.StashKey["Adapter"]()
_KNOWN = pytest.StashKey["KnownDeviations"]()
_SCRATCH = pytest.StashKey[str]()
_STOP_FILE = "stop.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "callback conformance suite")
    group.addoption("--impl", default=None,
                    help="implementation to check: reference, langchain_core or "
                         "package.module:Adapter (runs the conformance suite)")
    group.addoption("--conformance-profile",
                    default=os.environ.get("CONFORMANCE_PROFILE", "default"),
                    choices=("quick", "default", "thorough"), help="Hypothesis profile")
    group.addoption("--expectations", default=None,
                    help="the implementation's expectation file: its known deviations, as "
                         "violation signatures (see SPEC.md §7)")
    group.addoption("--strict-expectations", action="store_true", default=False,
                    help="a known deviation that never showed fails the run (strike it off)")
    group.addoption("--conformance-report", default=None, help="write the JSON report here")
    group.addoption("--conformance-db", default=os.environ.get("CONFORMANCE_DB"),
                    help="directory of Hypothesis's example database (replays old failures)")
    group.addoption("--conformance-timeout", type=float, default=None, metavar="SECONDS",
                    help="deadline per scenario (default: the profile's; 0: none); a scenario "
                         "that exceeds it is errored with every thread's stack")
    group.addoption("--rule", action="append", default=[],
                    help="run only this rule's tests (repeatable, case-insensitive), e.g. "
                         "--rule R4")
    group.addoption("--conformance-no-pin", action="store_true", default=False,
                    help="leave pytest-xdist workers free to move between CPUs (by default "
                         "each runs on a CPU of its own: conformance.affinity)")
    group.addoption("--full-report", action="store_true", default=False,
                    help="failure reports with every violation, Hypothesis's draw and explain "
                         "phase and the traceback (by default they go to the JSON report only)")


def _active(config: pytest.Config) -> bool:
    if config.getoption("impl"):
        return True
    return any(str(Path(a).resolve()).startswith(str(SUITE_DIR)) or a.startswith(
        "conformance.suite") for a in config.args)


def _distributed(config: pytest.Config) -> bool:
    """This process is pytest-xdist's controller: workers run the tests."""
    return not hasattr(config, "workerinput") and bool(
        getattr(config.option, "numprocesses", None)) and getattr(
        config.option, "dist", "no") != "no"


def _unwritable(path: str | None) -> str | None:
    """Why a report could not be written to ``path`` (checked before the run, not after it),
    or None. Creates its missing directories, not the file."""
    if not path:
        return None
    target = Path(path)
    if target.is_dir():
        return f"{path} is a directory"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{path}: cannot create {target.parent} ({exc.strerror or exc})"
    if not os.access(target.parent, os.W_OK) or (target.exists()
                                                 and not os.access(target, os.W_OK)):
        return f"{path}: not writable"
    return None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the SPEC.md rule a test outside the suite "
                            "checks (a suite test's name carries it: test_R4_...)")
    config.addinivalue_line("markers", "needs(**capabilities): capabilities a test requires")
    if not _active(config):
        return
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and not config.getoption("conformance_no_pin"):
        # First, so that the threads and processes the adapter starts share the worker's CPU.
        from .affinity import pin_xdist_worker

        pin_xdist_worker(workerinput)
    from .adapter import AdapterError, load_adapter
    from .deviations import DeviationsError, KnownDeviations
    from .profiles import TIMEOUTS, load_profile
    from .results import Summary, select_rules
    from .watch import WATCH, leftover_threads

    try:
        config.option.rule = select_rules(config.getoption("rule"))
    except ValueError as exc:
        pytest.exit(f"conformance: {exc}", returncode=2)
    spec = config.getoption("impl") or "reference"
    profile = config.getoption("conformance_profile")
    try:
        adapter = load_adapter(spec)
    except AdapterError as exc:
        pytest.exit(f"conformance: {exc}", returncode=2)
    expectations = KnownDeviations()
    if config.getoption("expectations"):
        try:
            expectations = KnownDeviations.load(config.getoption("expectations"))
        except DeviationsError as exc:
            pytest.exit(f"conformance: {exc}", returncode=2)
    wrong_file = expectations.not_for(adapter.name)
    if wrong_file is not None:
        pytest.exit(f"conformance: {wrong_file}", returncode=2)
    load_profile(profile, config.getoption("conformance_db"),
                 implementation=f"{adapter.name}-{adapter.version}",
                 full_report=config.getoption("full_report"))
    timeout = config.getoption("conformance_timeout")
    if timeout is None:
        timeout = TIMEOUTS[profile]
    elif not timeout >= 0:  # NaN too
        pytest.exit(f"conformance: --timeout {timeout:g}: give a deadline in seconds, or 0 for "
                    "none", returncode=2)
    problem = _unwritable(config.getoption("conformance_report"))
    if problem and getattr(config, "workerinput", None) is None:
        pytest.exit(f"conformance: cannot write the report: {problem}", returncode=2)
    config.stash[_ADAPTER] = adapter
    config.stash[_KNOWN] = expectations
    if workerinput is not None:
        scratch = str(workerinput.get("conformance_scratch") or tempfile.mkdtemp(
            prefix="conformance-"))
        WATCH.configure(timeout, scratch, str(workerinput.get("workerid", "gw")))
    else:
        scratch = tempfile.mkdtemp(prefix="conformance-")
        if not _distributed(config):
            # In one process a deadline can only end the run: the stacks go to stderr.
            WATCH.configure(timeout, scratch, "main")
            WATCH.stacks_to(os.dup(sys.stderr.fileno()))
    config.stash[_SCRATCH] = scratch
    summary = Summary(adapter.name, adapter.version, profile,
                      notes=dict(adapter.capabilities.notes), timeout=timeout or None,
                      deviations=expectations,
                      strict=bool(config.getoption("strict_expectations")))
    session = _Session(config, summary, expectations, Path(scratch),
                       frozenset(t.ident for t in leftover_threads() if t.ident))
    config.pluginmanager.register(session, "conformance-session")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(session), "conformance-xdist")
    if config.args_source != pytest.Config.ArgsSource.ARGS:  # no paths given: run the suite
        config.args[:] = [str(SUITE_DIR)]


def _rule_of(item: pytest.Item) -> str | None:
    """The rule a suite test checks: the id in its name (``test_R4_...``); a test elsewhere
    may name it with a ``rule`` marker."""
    from .rules import rule_of_test

    if item.path.is_relative_to(SUITE_DIR):
        return rule_of_test(item.name)
    marker = item.get_closest_marker("rule")
    return str(marker.args[0]) if marker else None


def _rule_in_nodeid(nodeid: str) -> str | None:
    from .rules import rule_of_test

    return rule_of_test(nodeid.split("[")[0])


@pytest.fixture(scope="session")
def adapter(pytestconfig: pytest.Config) -> Adapter:
    """The implementation under test, loaded once per session."""
    if _ADAPTER not in pytestconfig.stash:
        pytest.skip("the conformance plugin is inactive (pass --impl)")
    return pytestconfig.stash[_ADAPTER]


@pytest.fixture(autouse=True)
def _capabilities_needed(request: pytest.FixtureRequest) -> None:
    """Skip, as not applicable, a test whose ``needs`` marker the adapter does not meet; the
    reason includes the adapter's own note on each missing capability."""
    marker = request.node.get_closest_marker("needs")
    if marker is None or _ADAPTER not in request.config.stash:
        return
    capabilities = request.config.stash[_ADAPTER].capabilities
    reasons = []
    for name, wanted in marker.kwargs.items():
        for phrase in capabilities.missing({name: wanted}):
            note = capabilities.notes.get(name)
            reasons.append(f"{phrase} ({note})" if note else phrase)
    if reasons:
        pytest.skip(NOT_APPLICABLE + "; ".join(reasons))


@pytest.fixture(autouse=True)
def _conformance_watch(request: pytest.FixtureRequest) -> Iterator[None]:
    """Around each rule test: refuse to start after a hang; error the test if it leaves threads
    running (with the scenario that started the first of them)."""
    node = request.node
    if _ADAPTER not in request.config.stash or _rule_of(node) is None:
        yield
        return
    from .adapter import AdapterError
    from .watch import WATCH

    stop = Path(request.config.stash[_SCRATCH]) / _STOP_FILE
    if stop.exists():
        raise _NotRun("not run: " + stop.read_text(encoding="utf-8"))
    WATCH.test = node.nodeid
    WATCH.spawned.clear()
    try:
        yield
    finally:
        WATCH.test_done()
    if not WATCH.spawned:
        return
    until = time.monotonic() + 1.0
    alive = []
    for thread in threading.enumerate():
        if thread.ident in WATCH.spawned:
            thread.join(max(0.0, until - time.monotonic()))
            if thread.is_alive():
                alive.append(thread)
    spawned = dict(WATCH.spawned)
    WATCH.spawned.clear()
    if alive:
        names = ", ".join(t.name for t in alive[:5])
        if not hasattr(node, "conformance_error_scenario"):
            node.conformance_error_scenario = spawned[alive[0].ident or 0][1]
        raise AdapterError(
            f"adapter {request.config.stash[_ADAPTER].name!r} left {len(alive)} thread"
            f"{'s' if len(alive) != 1 else ''} running after this test ({names}): threads an "
            "invocation starts must end before invoke/ainvoke returns (or be daemon threads)")


class _NotRun(Exception):
    """A test not run because the run stopped (after a hang): errored, shown as skipped."""


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    """The exceptions inside (nested) exception groups, or ``exc`` itself."""
    inner = getattr(exc, "exceptions", None)  # an ExceptionGroup (builtin from 3.11)
    if isinstance(inner, tuple) and inner:
        for each in inner:
            yield from _leaves(each)
    else:
        yield exc


def _verdict(exc: BaseException) -> str:
    """How a raised exception counts: errored, fail or inconclusive."""
    from hypothesis.errors import Unsatisfiable

    from .adapter import AdapterError

    leaves = list(_leaves(exc))
    if any(isinstance(e, AdapterError) for e in leaves):
        return "errored"
    if any(isinstance(e, AssertionError) for e in leaves):
        return "fail"  # (with Hypothesis's Flaky* wrappers, when it did not reproduce)
    if any(isinstance(e, Unsatisfiable) for e in leaves):
        return "inconclusive"
    return "errored"  # the harness (or the suite) crashed


def _message_of(exc: BaseException) -> str:
    from .adapter import AdapterError
    from .results import cut

    leaves = list(_leaves(exc))
    adapter_errors = [e for e in leaves if isinstance(e, AdapterError)]
    if adapter_errors:
        return str(adapter_errors[0])
    if any(isinstance(e, AssertionError) for e in leaves):
        return "\n".join(dict.fromkeys(str(e) for e in leaves if isinstance(e, AssertionError)))
    last = leaves[-1]
    where = "".join(traceback.format_exception(type(last), last, last.__traceback__)[-6:])
    return cut("the suite's harness raised " + "; ".join(
        f"{type(e).__name__}: {e}" for e in leaves) + "\n" + where, 4000)


def _counts(item: pytest.Item) -> dict[str, int]:
    """Examples generated, checked and rejected, and shrink attempts, of a test: from Hypothesis's
    statistics when it gave them, else from :func:`~conformance.suite._support.holds`'s
    counters (which cannot tell shrinking from generating)."""
    stats = getattr(item, "_conformance_stats", None)
    if isinstance(stats, dict):
        cases = [c for phase in ("reuse-phase", "generate-phase")
                 for c in stats.get(phase, {}).get("test-cases", [])]
        shrinks = sum(len(stats.get(p, {}).get("test-cases", []))
                      for p in ("shrink-phase", "explain-phase"))
        return {"examples": len(cases),
                "checked": sum(c.get("status") in ("valid", "interesting") for c in cases),
                "rejected": sum(c.get("status") in ("invalid", "overrun") for c in cases),
                "shrinks": shrinks}
    return {"examples": int(getattr(item, "conformance_examples", 0)),
            "checked": int(getattr(item, "conformance_checked", 0)),
            "rejected": int(getattr(item, "conformance_rejected", 0)), "shrinks": 0}


def _cap_output(report: pytest.TestReport) -> None:
    """Cut captured output and very long failure texts, so a chatty adapter cannot flood the
    terminal or the reports."""
    from .results import cut

    report.sections = [(title, cut(content, OUTPUT_SECTION_LIMIT))
                       for title, content in report.sections]
    if report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if len(text) > 4 * OUTPUT_SECTION_LIMIT:
            report.longrepr = cut(text, 4 * OUTPUT_SECTION_LIMIT)


def _base_status(report: pytest.TestReport) -> str | None:
    """The status pytest's own outcome gives (None: nothing to record for this phase)."""
    xfail = hasattr(report, "wasxfail")
    if report.when != "call":
        if report.failed:
            return "errored"
        if report.skipped and not xfail:
            return "not-applicable"
        return None
    if xfail:
        return "expected-fail" if report.skipped else "unexpected-pass"
    if report.failed and str(report.longrepr).startswith("[XPASS(strict)]"):
        return "unexpected-pass"
    if report.skipped:
        return "not-applicable"
    return "pass" if report.passed else "fail"


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _known_counts(value: object) -> dict[str, int]:
    """The known-deviation counts a worker sent (JSON text)."""
    try:
        data = json.loads(value) if isinstance(value, str) else {}
    except ValueError:
        return {}
    return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}


def known_deviations(config: pytest.Config) -> KnownDeviations:
    """The implementation's known deviations for this run (none without ``--expectations``)."""
    from .deviations import KnownDeviations

    return config.stash.get(_KNOWN, None) or KnownDeviations()


class _Session:
    """Per-run state: expectations in, per-rule summary out."""

    def __init__(self, config: pytest.Config, summary: Summary, expectations: KnownDeviations,
                 scratch: Path, baseline_threads: frozenset[int]) -> None:
        self.config = config
        self.summary = summary
        self.expectations = expectations
        self.scratch = scratch
        self.baseline_threads = baseline_threads
        self.exitstatus: int | None = None
        self.crashes = 0

    # -- collection -------------------------------------------------------------------------

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        selected = set(config.getoption("rule"))
        keep, drop = [], []
        for item in items:
            rule_id = _rule_of(item)
            if selected and rule_id not in selected:
                drop.append(item)
                continue
            keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        from .schedule import longest_first

        items[:] = longest_first(keep)  # the long tests first: the workers end together

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            rule_id = _rule_of(item)
            if rule_id is not None:
                self.summary.selected[item.nodeid] = rule_id

    # -- running (in the process that runs the tests) ---------------------------------------

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        if _rule_of(item) is None:
            return (yield)
        from hypothesis.statistics import collector

        outer = collector.value

        def note(stats: Any) -> None:
            item._conformance_stats = stats  # type: ignore[attr-defined]
            if outer is not None:
                outer(stats)

        with collector.with_value(note):  # type: ignore[arg-type]
            return (yield)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        rule_id = _rule_of(item)
        if rule_id is None:
            return report
        _cap_output(report)
        exc = call.excinfo.value if call.excinfo is not None else None
        status = _base_status(report)
        message: str | None = None
        if isinstance(exc, _NotRun):
            status, message = "errored", str(exc)
            # Skipped as far as pytest is concerned: one line, not a failure section per test.
            report.outcome = "skipped"
            report.longrepr = (str(item.path), 0, message)
            if hasattr(report, "wasxfail"):
                del report.wasxfail
        elif exc is not None and not isinstance(exc, pytest.skip.Exception):
            verdict = _verdict(exc)
            if verdict != "fail" or status == "errored":
                status = verdict if verdict != "fail" else "errored"
                message = _message_of(exc)
                report.outcome = "failed"
                if hasattr(report, "wasxfail"):
                    del report.wasxfail
            elif status in ("fail", "expected-fail"):
                message = _message_of(exc)
                # A rule's report: short on the terminal, in full (every violation, Hypothesis's
                # notes) in the JSON report.
                from .explain import failure_texts

                short, full = failure_texts(exc)
                if short is not None:
                    message = full
                    if not item.config.getoption("full_report"):
                        report.longrepr = short
        counts = _counts(item) if call.when == "call" else {}
        if call.when == "call" and status in ("pass", "unexpected-pass") \
                and counts.get("checked", 1) == 0:
            status = "inconclusive"
            message = (f"no example could be checked: {counts.get('rejected', 0)} of "
                       f"{counts.get('examples', 0)} were rejected")
            report.outcome = "failed"
        seen = getattr(item, "conformance_known", None)
        if call.when == "call" and status == "pass" and seen:
            # Every violation it found is a known deviation: "known", with how often each.
            status = "known"
            message = "only known deviations: " + ", ".join(
                f"{dev} x{n}" for dev, n in sorted(seen.items()))
        from .results import worst

        so_far = worst(filter(None, (getattr(item, "_conformance_status", None), status)))
        item._conformance_status = so_far  # type: ignore[attr-defined]
        if status is None:
            if call.when == "teardown" and so_far is not None:
                # The final status, for JUnit (which keeps the teardown report's properties).
                report.user_properties += [("rule", rule_id), ("status", so_far),
                                           ("final", True)]
            return report
        if message is None and status in ("not-applicable", "unexpected-pass",
                                          "expected-fail"):
            if status == "not-applicable" and isinstance(report.longrepr, tuple):
                message = str(report.longrepr[2]).removeprefix("Skipped: ")
                message = message.removeprefix(NOT_APPLICABLE)
            else:
                message = str(getattr(report, "wasxfail", "") or report.longreprtext[-4000:])
        scenario = getattr(item, "conformance_error_scenario", None) \
            if status == "errored" else None
        if status in ("errored", "inconclusive") and not isinstance(exc, _NotRun):
            from .results import cut

            text = f"{status}: {message}"
            if scenario:
                text += f"\nscenario: {cut(scenario, 4000)}"
            report.longrepr = text
        report.user_properties += [("rule", rule_id), ("status", status),
                                   *counts.items(), ("message", message or ""),
                                   ("scenario", scenario or ""),
                                   ("known", json.dumps(dict(seen or {})) if call.when == "call"
                                    else "{}")]
        if call.when == "call":
            from .incidental import PROPERTY, property_value

            report.user_properties.append((PROPERTY, property_value(item)))
        return report

    # -- collecting results (in the controller) --------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        rule_id = props.get("rule") or _rule_in_nodeid(report.nodeid)
        status = props.get("status")
        if rule_id is None or rule_id not in self.summary.results:
            return
        if props.get("final"):
            return  # the test's status so far, repeated for JUnit
        if status is None:  # a report the worker's hook did not see (pytest-xdist's own)
            if not report.failed:
                return
            status = "errored"
            props["message"] = report.longreprtext[-4000:]
        scenario = props.get("scenario") or None
        if isinstance(scenario, str):
            with contextlib.suppress(ValueError):
                scenario = json.loads(scenario)
        self.summary.record(str(rule_id), report.nodeid, str(status),
                            examples=_int(props.get("examples")),
                            checked=_int(props.get("checked")),
                            rejected=_int(props.get("rejected")),
                            shrinks=_int(props.get("shrinks")),
                            message=str(props.get("message") or "") or None,
                            scenario=scenario, known=_known_counts(props.get("known")),
                            seconds=float(getattr(report, "duration", 0.0) or 0.0))
        from .incidental import PROPERTY, recorded

        for other, entry, message, seen_in in recorded(props.get(PROPERTY), report.nodeid,
                                                       str(rule_id)):
            chosen = self.config.getoption("rule")
            if other in self.summary.results and (not chosen or other in chosen):
                # a rule this run checks (all, or those --rule names): its own failing entry
                self.summary.record(other, entry, "fail", examples=1, checked=1,
                                    message=message, scenario=seen_in or None)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        s = self.summary
        tr = terminalreporter
        tr.section(f"conformance: {s.implementation} {s.version} (profile {s.profile})")
        for line in s.table().splitlines():
            tr.write_line(line)
        details = s.details_text()
        if details:
            tr.write_line("")
            for line in details.splitlines():
                tr.write_line(line, red=line.startswith(("errored", "inconclusive", "adapter l")))
        if self.expectations.source is None:  # say which shipped file fits, if one does
            from .shipped import expectation_note

            note = expectation_note(s.implementation, s.version)
            if note:
                tr.write_line(note)
        code = s.exit_code()
        tr.write_line(f"conformance exit status {code}: " + (s.no_verdict() or {
            0: "every selected rule holds (or fails as expected)",
            1: "a rule failed or passed unexpectedly",
            2: "errored or inconclusive: no verdict for some tests (see above)"}[code]),
            bold=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from .watch import leftover_threads

        left = [t.name for t in leftover_threads(self.baseline_threads)]
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:
            workeroutput["conformance_leftovers"] = left
            return
        self.summary.leftovers.extend(left)
        limit = getattr(self.config.option, "maxworkerrestart", None)
        if self.crashes and limit is not None and self.crashes > int(limit):
            self.summary.finish(f"not run: pytest-xdist stopped replacing crashed workers after "
                                f"{self.crashes} crashes (--max-worker-restart {limit})")
        else:
            self.summary.finish()
        self.summary.pytest_status = int(session.exitstatus)
        path = self.config.getoption("conformance_report")
        if path:
            try:
                self.summary.write(path)
            except OSError as exc:  # checked before the run; gone since
                self.summary.report_error = f"{path}: {exc}"
        if self.summary.selected or any(r.details for r in self.summary.results.values()):
            session.exitstatus = self.summary.exit_code()
        self.exitstatus = int(session.exitstatus)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        from .watch import WATCH, leftover_threads

        WATCH.close()
        if not hasattr(config, "workerinput"):
            _junit_statuses(config, self.summary)
            shutil.rmtree(self.scratch, ignore_errors=True)
        if leftover_threads(self.baseline_threads):
            # Non-daemon threads the adapter left would keep this process alive for ever: the
            # reports are written, so end it here.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.exitstatus if self.exitstatus is not None else 0)


class _XdistHooks:
    """pytest-xdist's hooks (registered only when it is installed)."""

    def __init__(self, session: _Session) -> None:
        self.session = session

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["conformance_scratch"] = str(self.session.scratch)

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        for nodeid in ids:
            rule_id = _rule_in_nodeid(nodeid)
            if rule_id is not None:
                self.session.summary.selected[nodeid] = rule_id

    def pytest_testnodedown(self, node: Any, error: object) -> None:
        left = getattr(node, "workeroutput", {}).get("conformance_leftovers", [])
        self.session.summary.leftovers.extend(str(name) for name in left)
        if error is not None:
            self.session.crashes += 1

    def pytest_handlecrashitem(self, crashitem: str, report: pytest.TestReport,
                               sched: Any) -> None:
        """The worker running ``crashitem`` died: error the test, with its scenario and, after
        a deadline, every thread's stack; after a deadline, stop running further tests."""
        from .results import cut
        from .watch import crash_files

        gateway = getattr(getattr(report, "node", None), "gateway", None)
        worker = str(getattr(gateway, "id", "gw"))
        scenario_path, stacks_path = crash_files(self.session.scratch, worker)
        scenario: Any = None
        try:
            info = json.loads(scenario_path.read_text(encoding="utf-8"))
            if info.get("test") == crashitem:
                scenario = info.get("scenario")
        except (OSError, ValueError):
            pass
        try:
            stacks = stacks_path.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            stacks = ""
        timeout = self.session.summary.timeout
        if stacks:
            message = (f"timed out: a scenario ran longer than the {timeout:g} s deadline "
                       "(--timeout), so its process was stopped; the stacks of its threads:\n"
                       + cut(_useful_stacks(stacks), 6000))
            (self.session.scratch / _STOP_FILE).write_text(
                f"the adapter hung in {crashitem} (stopped after {timeout:g} s); a hung adapter "
                "would hang again, so the remaining tests were not run: fix the hang, or run "
                "the other rules with --rule", encoding="utf-8")
        else:
            message = ("crashed: the worker process died while running this test (os._exit, a "
                       "signal or a fault in native code), so it has no result"
                       + ("" if scenario is not None else
                          "; it died before its first scenario started"))
        text = message
        if scenario is not None:
            text += "\nscenario: " + cut(json.dumps(scenario, sort_keys=True), 4000)
        report.longrepr = "errored: " + text
        report.user_properties = [("rule", _rule_in_nodeid(crashitem)), ("status", "errored"),
                                  ("message", message),
                                  ("scenario", json.dumps(scenario) if scenario else "")]


def _useful_stacks(dump: str) -> str:
    """faulthandler's dump without pytest-xdist's own (execnet) threads, the threads that ran
    the suite's harness first."""
    blocks = [b.strip("\n") for b in re.split(r"\n\s*\n|\n(?=(?:Current thread|Thread) 0x)",
                                               dump) if b.strip()]
    header = [b for b in blocks if not b.lstrip().startswith(("Thread ", "Current thread "))]
    threads = [b for b in blocks if b not in header]
    kept = [b for b in threads if any("File " in line and "execnet" not in line
                                      for line in b.splitlines()[1:])] or threads
    kept.sort(key=lambda b: "conformance" not in b)
    return "\n\n".join(header + kept)


def _junit_statuses(config: pytest.Config, summary: Summary) -> None:
    """Make the JUnit XML say what the summary says: every test case gets ``rule`` and
    ``status`` properties, errored and inconclusive tests are ``<error>`` (pytest writes
    ``<failure>``, or ``<skipped>`` for tests not run), and tests that never reported are added
    as errored."""
    path = getattr(config.option, "xmlpath", None)
    if not path or not Path(path).exists():
        return
    try:
        from _pytest.junitxml import mangle_test_address

        tree = ET.parse(path)
    except (ImportError, ET.ParseError):  # pragma: no cover - pytest internals moved
        return
    root = tree.getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    if not suites:
        return
    tests = {}
    for rule_id, result in summary.results.items():
        for nodeid, test in result.details.items():
            names = mangle_test_address(nodeid)
            tests[(".".join(names[:-1]), names[-1])] = (rule_id, test)
    for suite in suites:
        for case in suite.findall("testcase"):
            found = tests.pop((case.get("classname", ""), case.get("name", "")), None)
            if found is not None:
                _junit_case(case, *found)
    for (classname, name), (rule_id, test) in tests.items():
        case = ET.SubElement(suites[0], "testcase", classname=classname, name=name, time="0")
        _junit_case(case, rule_id, test)
    for suite in suites:
        cases = suite.findall("testcase")
        suite.set("tests", str(len(cases)))
        suite.set("errors", str(sum(1 for c in cases if c.find("error") is not None)))
        suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
    tree.write(path, encoding="utf-8", xml_declaration=True)


def _junit_case(case: ET.Element, rule_id: str, test: Any) -> None:
    props = case.find("properties")
    if props is None:
        props = ET.Element("properties")
        case.insert(0, props)
    for prop in props.findall("property"):
        if prop.get("name") in ("rule", "status", "final"):
            props.remove(prop)
    ET.SubElement(props, "property", name="rule", value=rule_id)
    ET.SubElement(props, "property", name="status", value=test.status)
    if test.status == "fail" and case.find("failure") is None:  # seen while checking another
        failure = ET.SubElement(case, "failure", message=(test.message or "")[:500])
        failure.text = test.message or ""
    if test.status not in ("errored", "inconclusive"):
        return
    outcome = [e for e in case if e.tag in ("failure", "skipped", "error")]
    for element in outcome:
        case.remove(element)
    error = ET.SubElement(case, "error", message=f"{test.status}: {test.message or ''}"[:500])
    error.text = (outcome[0].text if outcome and outcome[0].text else test.message) or ""
