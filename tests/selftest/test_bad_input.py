"""The runner's handling of broken adapters and input files: exit status 2, a message that names
the adapter (or file) and what is wrong, no traceback from the suite's internals, and never a
rule reported as failed because of the adapter's own bug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._runner import Run, run_suite

BAD = "tests.selftest.broken.bad_adapters"


def _broken_input(run: Run, *needles: str) -> None:
    assert run.returncode == 2, f"exit status {run.returncode}, expected 2\n{run.tail()}"
    for needle in needles:
        assert needle in run.output, f"{needle!r} not in the output:\n{run.tail()}"
    assert "Traceback" not in run.output, run.tail()


def _no_rule_failed(run: Run) -> None:
    """An adapter bug is reported as an adapter error, never as a broken rule."""
    assert run.report is not None, run.tail()
    assert run.report["adapter_errors"], run.report
    statuses = {r: v["status"] for r, v in run.report["rules"].items()}
    assert "fail" not in statuses.values(), statuses
    assert statuses["R5"] == "errored", statuses


def test_bad_input_adapter_module_does_not_import(tmp_path: Path) -> None:
    impl = "tests.selftest.broken.no_such_module:Adapter"
    run = run_suite(impl, tmp_path)
    _broken_input(run, impl, "cannot import", "No module named")


def test_bad_input_adapter_module_raises_on_import(tmp_path: Path) -> None:
    impl = "tests.selftest.broken.bad_adapters_import_error:Adapter"
    module = Path(__file__).parent / "broken" / "bad_adapters_import_error.py"
    assert module.exists()
    run = run_suite(impl, tmp_path)
    _broken_input(run, impl, "ZeroDivisionError")


def test_bad_input_module_without_the_attribute(tmp_path: Path) -> None:
    impl = f"{BAD}:NoSuchAdapter"
    run = run_suite(impl, tmp_path)
    _broken_input(run, impl, "has no 'NoSuchAdapter'")


def test_bad_input_adapter_spec_without_attribute_part(tmp_path: Path) -> None:
    run = run_suite("no-such-adapter", tmp_path)
    _broken_input(run, "'no-such-adapter'", "package.module:Adapter")


def test_bad_input_adapter_creation_raises(tmp_path: Path) -> None:
    impl = f"{BAD}:RaisesOnCreation"
    run = run_suite(impl, tmp_path)
    _broken_input(run, impl, "RuntimeError", "no adapter today")


def test_bad_input_adapter_raises_in_build(tmp_path: Path) -> None:
    run = run_suite(f"{BAD}:BuildRaisesAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "bad-build-adapter", "ValueError in build()",
                  "cannot build anything")
    _no_rule_failed(run)


def test_bad_input_recording_handler_emits_nameless_starts(tmp_path: Path) -> None:
    run = run_suite(f"{BAD}:NamelessStartsAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "nameless-starts-adapter", "malformed events",
                  "start events must carry the run's name")
    _no_rule_failed(run)


def test_bad_input_recording_handler_emits_run_type_banana(tmp_path: Path) -> None:
    run = run_suite(f"{BAD}:BananaRunTypeAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "banana-adapter", "malformed events", "run_type 'banana'")
    _no_rule_failed(run)


def test_bad_input_invoke_returns_garbage(tmp_path: Path) -> None:
    run = run_suite(f"{BAD}:GarbageInvokeAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "garbage-invoke-adapter",
                  "must return a sequence of conformance.Outcome")
    _no_rule_failed(run)


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "is not valid JSON"),
    ('["R5"]', "expected an object with a 'rules' object"),
    ('{"rules": {"R99": {"reason": "x"}}}', "unknown rule 'R99'"),
    ('{"rules": {"R5": {}}}', "rule R5 needs a non-empty 'reason'"),
    ('{"rules": {"R5": {"reason": "x", "status": "pass"}}}', "status must be 'fail'"),
    ('{"rules": {"R10": {"reason": "x", "tests": ["test_R10_nope"]}}}',
     "lists ['test_R10_nope'], which are not tests of R10; its tests are: test_R10_"),
    ('{"rules": {"R10": {"reason": "x", "tests": "test_R10_nope"}}}',
     "'tests' must be a list of test names"),
    ('{"rules": {"R10": {"reason": "x", "may_fail": ["test_R10_nope"]}}}',
     "lists ['test_R10_nope'], which are not tests of R10"),
    ('{"rules": {"R2": {"reason": "x", "tests": ["test_R2_nested_bindings_each_reach_their_'
     'subtree"], "may_fail": ["test_R2_nested_bindings_each_reach_their_subtree"]}}}',
     "either in 'tests' (always fails) or in 'may_fail', not both"),
    (None, "does not exist"),
], ids=["not-json", "not-an-object", "unknown-rule", "no-reason", "bad-status", "unknown-test",
        "tests-not-a-list", "unknown-may-fail", "tests-and-may-fail", "missing"])
def test_bad_input_malformed_expectations_file(tmp_path: Path, content: str | None,
                                               problem: str) -> None:
    path = tmp_path / "expectations.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = run_suite("reference", tmp_path, extra=("--expectations", str(path)))
    _broken_input(run, str(path), problem)


def test_bad_input_expectations_file_of_another_implementation(tmp_path: Path) -> None:
    path = tmp_path / "expectations.json"
    path.write_text('{"implementation": "langchain_core", "rules": {"R5": {"reason": "known"}}}',
                    encoding="utf-8")
    run = run_suite("tests.selftest.broken.catalogue:NoDedup", tmp_path, rules=("R5",),
                    extra=("--expectations", str(path)))
    _broken_input(run, str(path), "langchain_core", "broken:NoDedup")


def test_expectation_naming_one_test_leaves_the_rules_other_tests_gated(tmp_path: Path) -> None:
    """A rule entry with "tests" makes only those tests expected failures (strictly)."""
    listed = "test_R10_raise_error_handler_reaches_caller_and_closes_runs"
    path = tmp_path / "expectations.json"
    entry = {"reason": "known", "tests": [listed]}
    path.write_text(json.dumps({"rules": {"R10": entry}}), encoding="utf-8")
    run = run_suite("reference", tmp_path, rules=("R10",), extra=("--expectations", str(path)))
    assert run.report is not None, run.tail()
    tests = run.report["rules"]["R10"]["tests"]
    statuses = {nodeid.rsplit("::", 1)[1].split("[")[0]: status for nodeid, status in tests.items()}
    # The reference passes both: the listed one is an unexpected pass, the other a plain pass.
    assert statuses == {listed: "unexpected-pass",
                        "test_R10_raising_handler_is_contained": "pass"}, statuses
    assert run.returncode == 1, run.tail()


def test_expectation_may_fail_tests_pass_or_fail_without_breaking_the_gate(
        tmp_path: Path) -> None:
    """A test listed under may_fail that passes is a plain pass; the run succeeds."""
    contained = "test_R10_raising_handler_is_contained"
    path = tmp_path / "expectations.json"
    entry = {"reason": "known", "tests": [], "may_fail": [contained]}
    path.write_text(json.dumps({"rules": {"R10": entry}}), encoding="utf-8")
    run = run_suite("reference", tmp_path, rules=("R10",), extra=("--expectations", str(path),
                                                                  "-k", contained))
    assert run.report is not None, run.tail()
    statuses = set(run.report["rules"]["R10"]["tests"].values())
    assert statuses == {"pass"}, run.report["rules"]["R10"]
    assert run.returncode == 0, run.tail()
