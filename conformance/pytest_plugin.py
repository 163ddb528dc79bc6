"""The suite as a pytest plugin: ``pytest --impl NAME`` runs the rule tests against an adapter.

Registered through the ``pytest11`` entry point, so it is active wherever the package is
installed, and inert unless ``--impl`` is given or the suite's tests are collected. It loads the
adapter once, turns an expectation file into strict expected failures, skips tests whose
capabilities the adapter lacks (as "not applicable", with the reason), counts the examples each
rule tried, prints a rule table and writes the JSON report. Works with pytest-xdist: per-test data
travels to the controller in ``user_properties``.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .adapter import Adapter
    from .results import Summary

__all__ = ["NOT_APPLICABLE", "SUITE_DIR"]

SUITE_DIR = Path(__file__).parent / "suite"
NOT_APPLICABLE = "not applicable: "
_ADAPTER = pytest.StashKey["Adapter"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "callback conformance suite")
    group.addoption("--impl", default=None,
                    help="implementation to check: reference, langchain_core or "
                         "package.module:Adapter (runs the conformance suite)")
    group.addoption("--conformance-profile",
                    default=os.environ.get("CONFORMANCE_PROFILE", "default"),
                    choices=("quick", "default", "thorough"), help="Hypothesis profile")
    group.addoption("--expectations", default=None,
                    help="JSON file of rules the implementation is known to fail")
    group.addoption("--conformance-report", default=None, help="write the JSON report here")
    group.addoption("--conformance-db", default=os.environ.get("CONFORMANCE_DB"),
                    help="directory of Hypothesis's example database (replays old failures)")
    group.addoption("--rule", action="append", default=[],
                    help="run only this rule's tests (repeatable), e.g. --rule R4")
    group.addoption("--full-report", action="store_true", default=False,
                    help="failure reports with every violation, Hypothesis's draw and explain "
                         "phase and the traceback (by default they go to the JSON report only)")


def _active(config: pytest.Config) -> bool:
    if config.getoption("impl"):
        return True
    return any(str(Path(a).resolve()).startswith(str(SUITE_DIR)) or a.startswith(
        "conformance.suite") for a in config.args)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "rule(id): the SPEC.md rule a test checks")
    config.addinivalue_line("markers", "needs(**capabilities): capabilities a test requires")
    if not _active(config):
        return
    from .adapter import AdapterError, load_adapter
    from .profiles import load_profile
    from .results import Expectations, ExpectationsError, Summary

    spec = config.getoption("impl") or "reference"
    profile = config.getoption("conformance_profile")
    try:
        adapter = load_adapter(spec)
    except AdapterError as exc:
        pytest.exit(f"conformance: {exc}", returncode=2)
    expectations = Expectations()
    if config.getoption("expectations"):
        try:
            expectations = Expectations.load(config.getoption("expectations"))
        except ExpectationsError as exc:
            pytest.exit(f"conformance: {exc}", returncode=2)
    if expectations.implementation not in (None, adapter.name):
        pytest.exit(
            f"conformance: expectation file {expectations.source} is for implementation "
            f"{expectations.implementation!r}, but the adapter is {adapter.name!r}; "
            "pass that implementation's own file", returncode=2)
    load_profile(profile, config.getoption("conformance_db"),
                 implementation=f"{adapter.name}-{adapter.version}",
                 full_report=config.getoption("full_report"))
    config.stash[_ADAPTER] = adapter
    summary = Summary(adapter.name, adapter.version, profile)
    config.pluginmanager.register(_Session(config, summary, expectations), "conformance-session")
    if config.args_source != pytest.Config.ArgsSource.ARGS:  # no paths given: run the suite
        config.args[:] = [str(SUITE_DIR)]


def _rule_of(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("rule")
    return str(marker.args[0]) if marker else None


@pytest.fixture(scope="session")
def adapter(pytestconfig: pytest.Config) -> Adapter:
    """The implementation under test, loaded once per session."""
    if _ADAPTER not in pytestconfig.stash:
        pytest.skip("the conformance plugin is inactive (pass --impl)")
    return pytestconfig.stash[_ADAPTER]


@pytest.fixture(autouse=True)
def _capabilities_needed(request: pytest.FixtureRequest) -> None:
    """Skip, as not applicable, a test whose ``needs`` marker the adapter does not meet."""
    marker = request.node.get_closest_marker("needs")
    if marker is None or _ADAPTER not in request.config.stash:
        return
    missing = request.config.stash[_ADAPTER].capabilities.missing(marker.kwargs)
    if missing:
        pytest.skip(NOT_APPLICABLE + "; ".join(missing))


class _Session:
    """Per-run state: expectations in, per-rule summary out."""

    def __init__(self, config: pytest.Config, summary: Summary, expectations: Any) -> None:
        self.config = config
        self.summary = summary
        self.expectations = expectations

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
            expected = self.expectations.failing.get(rule_id)
            name = getattr(item, "originalname", item.name)
            if expected is not None and expected.covers(name):
                item.add_marker(pytest.mark.xfail(strict=True,
                                                  reason=f"{rule_id}: {expected.reason}"))
            elif expected is not None and name in expected.may_fail:
                item.add_marker(pytest.mark.xfail(strict=False,
                                                  reason=f"{rule_id} (may fail): "
                                                         f"{expected.reason}"))
                item.user_properties.append(("may_fail", True))
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        rule_id = _rule_of(item)
        if rule_id is None:
            return report
        from .adapter import AdapterError

        report.user_properties.append(("rule", rule_id))
        if call.when == "call":
            report.user_properties.append(("examples", getattr(item, "conformance_examples", 0)))
            if call.excinfo is not None and call.excinfo.errisinstance(AssertionError):
                # The rule's report (rule, chain, violations), not the tail of a traceback:
                # short on the terminal, in full (with Hypothesis's notes) in the JSON report.
                from .explain import failure_texts

                short, full = failure_texts(call.excinfo.value)
                report.user_properties.append(("explanation", full[:20000]))
                if short is not None and not self.config.getoption("full_report"):
                    report.longrepr = short
            if call.excinfo is not None and call.excinfo.errisinstance(AdapterError):
                message = str(call.excinfo.value)
                report.user_properties.append(("adapter_error", message))
                report.longrepr = f"adapter error (fix the adapter): {message}"
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        rule_id = props.get("rule")
        if rule_id is None:
            return
        status = _status(report)
        if status is None:
            return
        if status == "unexpected-pass" and props.get("may_fail"):
            status = "pass"  # a test listed under may_fail passed: fine either way
        message = None
        if status == "not-applicable" and isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2]).removeprefix("Skipped: ")
            message = message.removeprefix(NOT_APPLICABLE)
        elif status in ("fail", "error", "unexpected-pass", "expected-fail"):
            message = str(props.get("explanation") or report.longreprtext[-4000:]
                          or getattr(report, "wasxfail", ""))
        if "adapter_error" in props:
            self.summary.adapter_errors.append(str(props["adapter_error"]))
            status = "error"
        self.summary.record(str(rule_id), report.nodeid, status,
                            int(str(props.get("examples", 0))), message)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        s = self.summary
        tr = terminalreporter
        tr.section(f"conformance: {s.implementation} {s.version} (profile {s.profile})")
        for line in s.table().splitlines():
            tr.write_line(line)
        for err in s.adapter_errors[:3]:
            tr.write_line(f"adapter error: {err}", red=True)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput"):
            return
        path = self.config.getoption("conformance_report")
        if path:
            self.summary.write(path)
        if self.summary.adapter_errors:
            session.exitstatus = 2


def _status(report: pytest.TestReport) -> str | None:
    xfail = hasattr(report, "wasxfail")
    if report.when != "call":
        if report.failed:
            return "error"
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
