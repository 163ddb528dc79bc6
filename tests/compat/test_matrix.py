"""The compliance matrix generator (conformance.compat) on synthetic reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main as cli_main
from conformance.compat import MatrixError, build_columns, load_report, render
from conformance.rules import RULES


def _report(path: Path, name: str, version: str, statuses: dict[str, str],
            reasons: dict[str, list[str]] | None = None, profile: str = "default",
            seen: dict[str, int] | None = None) -> Path:
    rules = {}
    for r in RULES:
        status = statuses.get(r.id, "pass")
        rules[r.id] = {
            "status": status,
            "examples": 17,
            "tests": {f"suite::test_{r.id}": status},
            "messages": [],
            "not_applicable_reasons": (reasons or {}).get(r.id, []),
        }
    data = {
        "suite_version": "0.1",
        "implementation": {"name": name, "version": version},
        "profile": profile,
        "python": "3.11.7",
        "adapter_errors": [],
        "rules": rules,
        "known_deviations": {k: {"seen": n} for k, n in (seen or {}).items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _expectations(path: Path, impl: str, version: str, rules: dict[str, str],
                  intermittent: dict[str, str] | None = None) -> Path:
    """One signature entry per rule (``kind`` named after the rule), and intermittent ones."""
    entries = [{"id": f"{rid.lower()}-dev", "rule": rid, "kind": f"kind-of-{rid.lower()}",
                "reason": reason, "reproduction": "print(1)"} for rid, reason in rules.items()]
    entries += [{"id": f"{rid.lower()}-sometimes", "rule": rid, "kind": "output-changed",
                 "reason": reason, "reproduction": "print(1)", "intermittent": True}
                for rid, reason in (intermittent or {}).items()]
    data = {"implementation": impl, "version": version, "deviations": entries}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    _report(reports / "reference.json", "reference", "0.1.0", {})
    _report(reports / "libx-0.2.json", "libx", "0.2.9",
            {"R5": "known", "R3": "not-applicable"},
            {"R3": ["constructor_callbacks is empty"]}, seen={"r5-dev": 7})
    _report(reports / "libx-latest.json", "libx", "1.10.0",
            {"R5": "known", "R9": "fail"}, seen={"r5-dev": 3})
    _expectations(tmp_path / "expectations" / "libx-0.2.json", "libx", "0.2.9",
                  {"R5": "Duplicate handlers get every event twice."},
                  {"R9": "Slow handlers change which branch's exception is raised."})
    _expectations(tmp_path / "expectations" / "libx-latest.json", "libx", "1.10.0",
                  {"R5": "Duplicate handlers get every event twice.",
                   "R14": "Retrievers ignore run_id."})
    (reports / "bench").mkdir()
    (reports / "other.json").write_text('{"not": "a report"}', encoding="utf-8")
    return tmp_path


def test_columns_are_ordered_reference_first_then_newest_version(tree: Path) -> None:
    columns = build_columns([tree / "reports"])
    assert [c.title for c in columns] == ["reference 0.1.0", "libx 1.10.0", "libx 0.2.9"]


def test_a_folder_skips_json_that_is_not_a_report(tree: Path) -> None:
    assert len(build_columns([tree / "reports"])) == 3
    with pytest.raises(MatrixError, match=r"other\.json"):
        build_columns([tree / "reports" / "other.json"])


def test_expectation_files_are_found_beside_the_reports_folder(tree: Path) -> None:
    columns = {c.title: c for c in build_columns([tree / "reports"])}
    assert columns["libx 0.2.9"].expectations_file == "libx-0.2.json"
    assert {e.rule: e.reason for e in columns["libx 1.10.0"].deviations}["R14"] == \
        "Retrievers ignore run_id."
    assert columns["reference 0.1.0"].expectations_file is None


def test_expectation_file_found_by_implementation_and_version(tree: Path) -> None:
    moved = _report(tree / "elsewhere" / "run1.json", "libx", "0.2.9", {"R5": "known"})
    [column] = build_columns([moved], [tree / "expectations"])
    assert column.expectations_file == "libx-0.2.json"


def test_table_has_one_row_per_rule_and_one_column_per_report(tree: Path) -> None:
    page = render(build_columns([tree / "reports"]))
    rows = [line for line in page.splitlines() if line.startswith("| [R")]
    assert len(rows) == len(RULES)
    r5 = next(line for line in rows if line.startswith("| [R5 "))
    assert r5.endswith("| pass | known | known |")
    r3 = next(line for line in rows if line.startswith("| [R3 "))
    assert r3.endswith("| pass | pass | n/a |")
    r9 = next(line for line in rows if line.startswith("| [R9 "))
    assert "**fail**" in r9


def test_deviations_are_listed_by_signature_with_how_often_each_run_saw_them(
        tree: Path) -> None:
    page = render(build_columns([tree / "reports"]))
    assert ("- **R5 once-per-handler** `R5 kind-of-r5` (libx 1.10.0: seen 3x; libx 0.2.9: seen "
            "7x): Duplicate handlers get every event twice.") in page
    assert ("- **R9 transparency** (libx 1.10.0): **a deviation no expectation entry lists**"
            ) in page
    assert ("- **R14 root-config** `R14 kind-of-r14` (libx 1.10.0: **not seen in this run**): "
            "Retrievers ignore run_id.") in page
    assert ("- **R9 transparency** `R9 output-changed` (libx 0.2.9: intermittent, not seen): "
            "Slow handlers change which branch's exception is raised.") in page
    assert "- **R3 constructor-locality** (libx 0.2.9): constructor_callbacks is empty" in page


def test_page_starts_with_the_command_that_regenerates_it(tree: Path) -> None:
    page = render(build_columns([tree / "reports"]))
    head = "\n".join(page.splitlines()[:6])
    assert "python -m conformance matrix reports/*.json > COMPATIBILITY.md" in head


def test_rendering_is_deterministic(tree: Path) -> None:
    first = render(build_columns([tree / "reports"]))
    # a new run with other example counts and test ids changes nothing on the page
    _report(tree / "reports" / "reference.json", "reference", "0.1.0", {})
    assert render(build_columns([tree / "reports"])) == first


def test_load_report_rejects_what_is_not_a_report(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(MatrixError, match="expected 'implementation' and 'rules'"):
        load_report(bad)
    with pytest.raises(MatrixError, match="does not exist"):
        load_report(tmp_path / "missing.json")
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(MatrixError, match="not valid JSON"):
        load_report(bad)


def test_cli_writes_the_page_and_exits_2_on_bad_input(
        tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tree / "COMPATIBILITY.md"
    assert cli_main(["matrix", str(tree / "reports"), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == render(build_columns([tree / "reports"]))
    assert cli_main(["matrix", str(tree / "reports" / "reference.json")]) == 0
    assert "| rule | reference 0.1.0 |" in capsys.readouterr().out
    assert cli_main(["matrix", str(tree / "nothing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_broken_expectation_file_is_reported(tree: Path) -> None:
    (tree / "expectations" / "libx-0.2.json").write_text(
        '{"deviations": [{"id": "d", "rule": "R99", "kind": "k", "reason": "x"}]}',
        encoding="utf-8")
    with pytest.raises(MatrixError, match="R99"):
        build_columns([tree / "reports"])
