"""The runner's handling of broken adapters and input files: exit status 2, a message that names
the adapter (or file) and what is wrong, no traceback from the suite's internals, and never a
rule reported as failed because of the adapter's own bug.

Most run in this process (``run_in_process``: the runner's own pytest command line with ``-n 0``):
what they check is the verdict and the message, which do not depend on the process. One adapter
bug (``BuildRaisesAdapter``) goes through the real command, with its pytest-xdist worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ._runner import Run, run_in_process, run_suite

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
    run = run_in_process(impl, tmp_path)
    _broken_input(run, impl, "cannot import", "No module named")


def test_bad_input_adapter_module_raises_on_import(tmp_path: Path) -> None:
    impl = "tests.selftest.broken.bad_adapters_import_error:Adapter"
    module = Path(__file__).parent / "broken" / "bad_adapters_import_error.py"
    assert module.exists()
    run = run_in_process(impl, tmp_path)
    _broken_input(run, impl, "ZeroDivisionError")


def test_bad_input_module_without_the_attribute(tmp_path: Path) -> None:
    impl = f"{BAD}:NoSuchAdapter"
    run = run_in_process(impl, tmp_path)
    _broken_input(run, impl, "has no 'NoSuchAdapter'")


def test_bad_input_adapter_spec_without_attribute_part(tmp_path: Path) -> None:
    run = run_in_process("no-such-adapter", tmp_path)
    _broken_input(run, "'no-such-adapter'", "package.module:Adapter")


def test_bad_input_adapter_creation_raises(tmp_path: Path) -> None:
    impl = f"{BAD}:RaisesOnCreation"
    run = run_in_process(impl, tmp_path)
    _broken_input(run, impl, "RuntimeError", "no adapter today")


def test_bad_input_adapter_raises_in_build(tmp_path: Path) -> None:
    run = run_suite(f"{BAD}:BuildRaisesAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "bad-build-adapter", "ValueError in build()",
                  "cannot build anything")
    _no_rule_failed(run)


def test_bad_input_recording_handler_emits_nameless_starts(tmp_path: Path) -> None:
    run = run_in_process(f"{BAD}:NamelessStartsAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "nameless-starts-adapter", "malformed events",
                  "start events must carry the run's name")
    _no_rule_failed(run)


def test_bad_input_recording_handler_emits_run_type_banana(tmp_path: Path) -> None:
    run = run_in_process(f"{BAD}:BananaRunTypeAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "banana-adapter", "malformed events", "run_type 'banana'")
    _no_rule_failed(run)


def test_bad_input_invoke_returns_garbage(tmp_path: Path) -> None:
    run = run_in_process(f"{BAD}:GarbageInvokeAdapter", tmp_path, rules=("R5",))
    _broken_input(run, "garbage-invoke-adapter",
                  "must return a sequence of conformance.Outcome")
    _no_rule_failed(run)


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "is not valid JSON"),
    ('["R5"]', "expected a JSON object"),
    ('{"rules": {"R99": {"reason": "x"}}}', "rule 'R99' is not one of R1"),
    ('{"rules": {"R5": {}}}', "needs a non-empty string 'reason'"),
    ('{"deviations": [{"id": "d", "rule": "R5", "reason": "x"}]}',
     "needs a non-empty string 'kind'"),
    ('{"deviations": [{"id": "d", "rule": "R5", "kind": "k", "reason": "x", "where": 3}]}',
     "'where' must map fact names to values"),
    ('{"deviations": {"R5": 1}}', "'deviations' must be a list"),
    (None, "does not exist"),
], ids=["not-json", "not-an-object", "unknown-rule", "no-reason", "no-kind", "bad-where",
        "deviations-not-a-list", "missing"])
def test_bad_input_malformed_expectations_file(tmp_path: Path, content: str | None,
                                               problem: str) -> None:
    path = tmp_path / "expectations.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    run = run_in_process("reference", tmp_path, extra=("--expectations", str(path)))
    _broken_input(run, str(path), problem)


def test_bad_input_expectations_file_of_another_implementation(tmp_path: Path) -> None:
    path = tmp_path / "expectations.json"
    path.write_text('{"implementation": "langchain_core", "rules": {"R5": {"reason": "known"}}}',
                    encoding="utf-8")
    run = run_in_process("tests.selftest.broken.catalogue:NoDedup", tmp_path, rules=("R5",),
                         extra=("--expectations", str(path)))
    _broken_input(run, str(path), "langchain_core", "broken:NoDedup")


def test_expectation_known_deviation_masks_only_its_signature(tmp_path: Path) -> None:
    """NoDedup delivers duplicates (R5 duplicate-delivery): listed with registrations=several it
    is known; the run passes with R5 'known' and says how often it was seen."""
    path = tmp_path / "expectations.json"
    entry = {"id": "dupes", "rule": "R5", "kind": "duplicate-delivery",
             "where": {"registrations": ["several"]}, "reason": "lists are concatenated."}
    path.write_text(json.dumps({"deviations": [entry]}), encoding="utf-8")
    run = run_in_process("tests.selftest.broken.catalogue:NoDedup", tmp_path, rules=("R5",),
                         extra=("--expectations", str(path)))
    assert run.report is not None, run.tail()
    assert run.status("R5") == "known", run.tail()
    assert run.report["known_deviations"]["dupes"]["seen"] > 0
    assert run.returncode == 0, run.tail()


def test_expectation_of_another_kind_does_not_hide_a_new_deviation(tmp_path: Path) -> None:
    """A known R5 deviation of another kind leaves NoDedup's duplicates failing R5."""
    path = tmp_path / "expectations.json"
    entry = {"id": "other", "rule": "R5", "kind": "duplicate-terminal", "reason": "x."}
    path.write_text(json.dumps({"deviations": [entry]}), encoding="utf-8")
    run = run_in_process("tests.selftest.broken.catalogue:NoDedup", tmp_path, rules=("R5",),
                         extra=("--expectations", str(path), "--strict-expectations"))
    assert run.report is not None, run.tail()
    assert run.status("R5") == "fail", run.tail()
    assert "duplicate-delivery" in run.output  # the entry to paste names the new kind
    assert run.report["unobserved_deviations"] == ["other"]
    assert run.returncode == 1, run.tail()


@pytest.mark.parametrize("option, value, needle", [
    ("--report", "{tmp}", "cannot write the report: {tmp} is a directory"),
    ("--report", "/proc/no-such-dir/report.json", "cannot create /proc/no-such-dir"),
    ("--timeout", "-3", "--timeout -3: give a deadline in seconds, or 0 for none"),
])
def test_bad_input_unusable_option_stops_before_any_test_runs(
        tmp_path: Path, option: str, value: str, needle: str) -> None:
    """Found before the run, not after minutes of it (a report path that cannot be written
    crashed the end of the run with a traceback; a negative deadline errored every test)."""
    value, needle = value.format(tmp=tmp_path), needle.format(tmp=tmp_path)
    run = run_in_process("reference", tmp_path, rules=("R5",), extra=(option, value))
    assert run.returncode == 2, run.tail()
    assert needle in run.output and "Traceback" not in run.output, run.tail()
    assert "passed" not in run.output and "failed" not in run.output, run.tail()


_ONE_LAMBDA = ('{"chain": {"nodes": [{"kind": "lambda", "label": "fn1"}], "root": "fn1"}, '
               '"handlers": [{"id": "h1"}], "invocation": {"callbacks": ["h1"], '
               '"inputs": ["a"], "mode": "invoke"}}')


@pytest.mark.parametrize("argv, needle", [
    (["--rule", "R99", _ONE_LAMBDA], "unknown rule id 'R99'"),
    (["[1, 2]"], "expected a JSON object with chain, handlers and invocation"),
    (['{"chain": 3, "handlers": [], "invocation": {}}'], "cannot read the scenario"),
    (["@/no/such/file.json"], "cannot read the scenario"),
])
def test_bad_input_replay_says_what_to_fix(argv: list[str], needle: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import cli

    assert cli._main(["replay", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err


def test_replay_takes_rule_ids_as_run_does(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import cli

    assert cli._main(["replay", "--rule", "r5", "--rule", "once-per-handler", _ONE_LAMBDA]) == 0
    assert capsys.readouterr().out.split() == ["R5:", "holds"]


@pytest.mark.parametrize("argv, needle", [
    (["rules", "--update", "/no/such/dir/SPEC.md"], "No such file or directory"),
    (["stats", "--impl", "harness:" + "/no/such/harness", "-n", "5"], "did not start"),
])
def test_bad_input_other_commands_say_what_to_fix(argv: list[str], needle: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import cli

    assert cli._main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err, err


@pytest.mark.parametrize("argv", [["stats", "-n", "-5"], ["stats", "--mode", "banana"]])
def test_bad_input_stats_arguments_are_usage_errors(argv: list[str]) -> None:
    from conformance import cli

    with pytest.raises(SystemExit) as exited:
        cli._main(argv)
    assert exited.value.code == 2


def test_bad_input_expectations_path_is_a_directory(tmp_path: Path) -> None:
    run = run_in_process("reference", tmp_path, rules=("R5",),
                         extra=("--expectations", str(tmp_path)))
    _broken_input(run, "cannot be read", str(tmp_path))
    assert "INTERNALERROR" not in run.output, run.tail()


def test_replay_with_expectations_masks_known_deviations_as_run_does(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from conformance import cli

    twice = ('{"chain": {"nodes": [{"kind": "lambda", "label": "fn1"}], "root": "fn1"}, '
             '"handlers": [{"id": "h1"}], "invocation": {"callbacks": ["h1", "h1"], '
             '"inputs": ["a"], "mode": "invoke"}}')
    known = tmp_path / "known.json"
    known.write_text(json.dumps({"deviations": [
        {"id": "no-dedup", "rule": "R5", "kind": "duplicate-delivery", "reason": "test"}]}))
    engine = "tests.selftest.broken.catalogue:NoDedup"
    assert cli._main(["replay", "--impl", engine, "--rule", "R5", twice]) == 1
    capsys.readouterr()
    assert cli._main(["replay", "--impl", engine, "--rule", "R5", "--expectations", str(known),
                      twice]) == 0
    assert capsys.readouterr().out.splitlines() == ["R5: known deviations seen: no-dedup x1",
                                                    "R5: holds"]
    assert cli._main(["replay", "--expectations", str(tmp_path / "none.json"), twice]) == 2


def test_replay_refuses_another_implementations_expectation_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As run does: a file written for another implementation would mask its deviations."""
    from conformance import cli

    case = ('{"chain": {"nodes": [{"kind": "lambda", "label": "fn1"}], "root": "fn1"}, '
            '"handlers": [{"id": "h1"}], "invocation": {"callbacks": ["h1"], '
            '"inputs": ["a"], "mode": "invoke"}}')
    known = tmp_path / "other.json"
    known.write_text(json.dumps({"implementation": "someone-else", "deviations": []}))
    assert cli._main(["replay", "--rule", "R5", "--expectations", str(known), case]) == 2
    err = capsys.readouterr().err
    assert "is for implementation 'someone-else'" in err and "'reference'" in err, err
    known.write_text(json.dumps({"implementation": "reference", "deviations": []}))
    assert cli._main(["replay", "--rule", "R5", "--expectations", str(known), case]) == 0
