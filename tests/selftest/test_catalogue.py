"""The suite must catch every broken engine of the catalogue, under the rule the engine breaks.

Each ``test_selftest_<engine>_caught_as_R<n>`` runs the runner's command (quick profile, only rule
``R<n>``, only the test ``caught_by.py`` names) against one broken engine and asserts the rule
fails in the JSON report and that the failure report names the rule. It runs in this process
(``run_in_process``: the same pytest command line as ``python -m conformance run -n 0``), since
what is checked is the verdict, not the runner's supervision; a subprocess per engine cost five
times the CPU of the check itself.
``test_selftest_report_message_names_the_rule`` runs one engine through the real command in a
subprocess. The reference behind the same adapter machinery with no patch (``Unbroken``, through
the real command) must pass every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.adapters.reference import ReferenceAdapter
from conformance.rules import RULES
from conformance.rules import rule as rule_info

from . import caught_by
from ._runner import CATALOGUE, Run, run_in_process, run_suite
from .broken.catalogue import CATALOGUE as ENGINES
from .broken.catalogue import BrokenAdapter, Unbroken
from .caught_by import CAUGHT_BY
from .find_caught_by import COMMAND, only, suite_test_names


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _assert_caught(engine: type[BrokenAdapter], rule: str, run: Run) -> None:
    info = rule_info(rule)
    assert run.returncode == 1, (
        f"{engine.__name__} ({engine.BUG}): expected exit status 1 (rule failed), got "
        f"{run.returncode}\n{run.tail()}")
    assert run.status(rule) == "fail", (
        f"the suite did not catch {engine.__name__} ({engine.BUG}) as {rule}: status "
        f"{run.status(rule)!r}\n{run.tail()}")
    assert run.report is not None and not run.report["adapter_errors"], run.report
    # The failure report names the rule: its explanation header and a violation tagged with it.
    assert f"{info.id} {info.slug}:" in run.output, run.tail()
    assert f"[{rule}]" in run.output, run.tail()


def _tests_run(run: Run, rule: str) -> dict[str, str]:
    """Name of each of ``rule``'s tests that ran, with its status (parametrised ones once)."""
    assert run.report is not None, run.tail()
    tests: dict[str, str] = run.report["rules"][rule]["tests"]
    return {nodeid.rsplit("::", 1)[-1].split("[")[0]: status for nodeid, status in tests.items()}


def _check_caught(engine: type[BrokenAdapter], rule: str, tmp_path: Path) -> None:
    """The test ``caught_by.py`` names alone must catch the engine: the rule's other tests
    cannot, and running them (25 examples each) cost most of this check's time. Where it does
    not, the whole rule must still catch it, and the check fails as a stale hint. A
    timing-dependent engine has no hint: which test catches it depends on the load."""
    impl = f"{CATALOGUE}:{engine.__name__}"
    (tmp_path / "hinted").mkdir()
    (tmp_path / "all").mkdir()
    hinted = CAUGHT_BY.get(engine.__name__, {}).get(rule)
    if engine.TIMING_DEPENDENT:
        _assert_caught(engine, rule, run_in_process(impl, tmp_path / "all", rules=(rule,)))
        return
    if hinted is not None:
        run = run_in_process(impl, tmp_path / "hinted", rules=(rule,), extra=only(hinted))
        assert set(_tests_run(run, rule)) == {hinted}, run.report
        if run.returncode == 1 and run.status(rule) == "fail":
            _assert_caught(engine, rule, run)
            return
    run = run_in_process(impl, tmp_path / "all", rules=(rule,))
    _assert_caught(engine, rule, run)
    caught_by = sorted(name for name, status in _tests_run(run, rule).items()
                       if status == "fail")
    pytest.fail(f"stale hint in tests/selftest/caught_by.py: {engine.__name__} {rule} is caught "
                f"by {', '.join(caught_by)}, not {hinted}; run {COMMAND} --engine "
                f"{engine.__name__}")


def _make_test(engine: type[BrokenAdapter], rule: str) -> Callable[[Path], None]:
    def test(tmp_path: Path) -> None:
        _check_caught(engine, rule, tmp_path)

    test.__doc__ = f"{engine.__name__} breaks {rule}: {engine.BUG}."
    return test


for _engine in ENGINES:
    for _rule in _engine.BREAKS:
        _name = f"test_selftest_{_snake(_engine.__name__)}_caught_as_{_rule}"
        _test = _make_test(_engine, _rule)
        _test.__name__ = _test.__qualname__ = _name
        globals()[_name] = _test
del _engine, _rule, _name, _test


def test_selftest_catalogue_covers_every_rule() -> None:
    covered = {r for e in ENGINES for r in e.BREAKS}
    assert covered == {r.id for r in RULES}
    assert len(ENGINES) >= 14
    for engine in ENGINES:
        assert engine.BREAKS and engine.BUG, engine


@pytest.mark.parametrize("table", ["CAUGHT_BY", "FOUND_BY"])
def test_selftest_every_case_has_a_hint_naming_a_test_of_its_rule(table: str) -> None:
    """Each (engine, rule) of the catalogue has a hint in ``caught_by.py``'s two tables, naming
    a suite test of that rule, but for timing-dependent engines, which have none; no hint names
    an engine or rule that is not in the catalogue."""
    names = suite_test_names()
    cases = {(e.__name__, r) for e in ENGINES for r in e.BREAKS if not e.TIMING_DEPENDENT}
    hints = {(e, r): t for e, rules in getattr(caught_by, table).items() for r, t in rules.items()}
    assert not cases - set(hints), f"no hint for {sorted(cases - set(hints))}: run {COMMAND}"
    assert not set(hints) - cases, f"hints for no case: {sorted(set(hints) - cases)}"
    wrong = {case: test for case, test in hints.items() if names.get(test) != case[1]}
    assert not wrong, f"hints naming no test of the case's rule: {wrong}"


def test_selftest_a_stale_hint_fails_naming_the_test_that_catches(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hint naming a test that cannot catch the engine (an R10 test without streams, for a
    break of streamed tokens) fails the check, naming the test that does."""
    engine = next(e for e in ENGINES if e.__name__ == "FaultyHandlerLosesTheRestOfTheStream")
    monkeypatch.setitem(CAUGHT_BY, engine.__name__,
                        {"R10": "test_R10_raise_error_handler_reaches_caller_and_closes_runs"})
    with pytest.raises(pytest.fail.Exception, match=r"stale hint .* caught by .*"
                       r"test_R10_raising_handler_is_contained_in_streams.*, not "
                       r"test_R10_raise_error_handler_reaches_caller_and_closes_runs; run "):
        _check_caught(engine, "R10", tmp_path)


def test_selftest_reference_passes_every_rule_and_so_does_the_unpatched_machinery(
        tmp_path: Path) -> None:
    """The reference engine behind the catalogue's adapter machinery with no patch
    (``Unbroken``), through the real command (a subprocess, pytest-xdist workers): it passes every
    rule, so the reference does as a user runs it, and the machinery alone breaks nothing (each
    ``caught_as`` verdict is its patch's doing). One full run for both: they were two runs of the
    same derandomised examples (about 30 CPU-seconds each)."""
    assert not Unbroken().patches() and Unbroken.__mro__[2] is ReferenceAdapter
    run = run_suite(f"{CATALOGUE}:Unbroken", tmp_path, shrink=True)
    assert run.returncode == 0, run.tail()
    assert run.report is not None
    statuses = {r: v["status"] for r, v in run.report["rules"].items()}
    assert statuses == {r.id: "pass" for r in RULES}, statuses


def test_selftest_report_message_names_the_rule(tmp_path: Path) -> None:
    run = run_suite(f"{CATALOGUE}:NoDedup", tmp_path, rules=("R5",))
    assert run.report is not None
    messages = run.report["rules"]["R5"]["messages"]
    assert messages and all("[R5]" in m for m in messages), messages
