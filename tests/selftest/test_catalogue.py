"""The suite must catch every broken engine of the catalogue, under the rule the engine breaks.

Each ``test_selftest_<engine>_caught_as_R<n>`` runs the runner's command (quick profile, only rule
``R<n>``) against one broken engine and asserts the rule fails in the JSON report and that the
failure report names the rule. It runs in this process (``run_in_process``: the same pytest
command line as ``python -m conformance run -n 0``), since what is checked is the verdict, not
the runner's supervision; a subprocess per engine cost five times the CPU of the check itself.
``test_selftest_report_message_names_the_rule`` runs one engine through the real command in a
subprocess. The reference behind the same adapter machinery with no patch (``Unbroken``, through
the real command) must pass every rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from conformance.adapters.reference import ReferenceAdapter
from conformance.rules import RULES
from conformance.rules import rule as rule_info

from ._runner import CATALOGUE, run_in_process, run_suite
from .broken.catalogue import CATALOGUE as ENGINES
from .broken.catalogue import BrokenAdapter, Unbroken


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _check_caught(engine: type[BrokenAdapter], rule: str, tmp_path: Path) -> None:
    run = run_in_process(f"{CATALOGUE}:{engine.__name__}", tmp_path, rules=(rule,))
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
