"""The compliance matrix: rules x implementations, generated from JSON reports.

``python -m conformance matrix reports/*.json > COMPATIBILITY.md`` reads the reports that
``python -m conformance run --report ...`` wrote (one per implementation and release line), finds
each report's expectation file (``expectations/<report file name>``, or one naming the same
implementation and version), and prints a Markdown page: one row per rule, one column per report,
each cell ``pass``, ``fail``, ``known`` (only known deviations), ``n/a`` (not applicable),
``error``, ``inconclusive`` or ``not run``; then, per rule, every implementation's known
deviations by signature (from its expectation file, with how often the run saw each), what failed
beyond them, and the reasons for every "not applicable".

The output depends on the reports' statuses, versions and profiles only (no dates, no example
counts), so regenerating from the same reports gives the same page.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .deviations import DeviationsError, KnownDeviation, KnownDeviations
from .rules import RULES
from .versions import version_numbers

__all__ = [
    "Column",
    "MatrixError",
    "build_columns",
    "load_report",
    "main",
    "render",
]

REGENERATE: Final = "python -m conformance matrix reports/*.json > COMPATIBILITY.md"
_CELL: Final[Mapping[str, str]] = {
    "pass": "pass",
    "fail": "**fail**",
    "known": "known",
    "not-applicable": "n/a",
    "error": "**error**",
    "inconclusive": "**inconclusive**",
    "not-run": "not run",
}
_FAILING: Final = frozenset({"fail", "error", "inconclusive"})


class MatrixError(ValueError):
    """A report or expectation file that cannot be used, with what to fix."""


@dataclass(frozen=True)
class Column:
    """One report: an implementation at one version, and what each rule did there."""

    source: str
    implementation: str
    version: str
    profile: str
    statuses: Mapping[str, str]
    not_applicable: Mapping[str, str] = field(default_factory=dict)
    #: The known deviations of the expectation file, if one was found.
    deviations: tuple[KnownDeviation, ...] = ()
    expectations_file: str | None = None
    #: Known deviation id -> how often the run saw it (from the report).
    seen: Mapping[str, int] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{self.implementation} {self.version}"

    def sort_key(self) -> tuple[int, str, tuple[int, ...], str]:
        first = 0 if self.implementation == "reference" else 1
        return (first, self.implementation, tuple(-n for n in version_numbers(self.version)),
                self.version)


def load_report(path: str | Path) -> Column:
    """Read one JSON report written by ``python -m conformance run --report``."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MatrixError(f"report {p} does not exist") from None
    except json.JSONDecodeError as exc:
        raise MatrixError(f"report {p} is not valid JSON: {exc}") from None
    impl = data.get("implementation") if isinstance(data, dict) else None
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(impl, dict) or not isinstance(rules, dict):
        raise MatrixError(f"report {p}: expected 'implementation' and 'rules' objects, as "
                          "written by python -m conformance run --report")
    statuses: dict[str, str] = {}
    reasons: dict[str, str] = {}
    known = data.get("known_deviations", {})
    seen = {str(k): int(v.get("seen", 0)) for k, v in known.items()
            if isinstance(v, dict)} if isinstance(known, dict) else {}
    for r in RULES:
        entry = rules.get(r.id, {})
        status = str(entry.get("status", "not-run")) if isinstance(entry, dict) else "not-run"
        status = "error" if status == "errored" else status  # reports since suite 0.1 say errored
        statuses[r.id] = status if status in _CELL else "error"
        na = entry.get("not_applicable_reasons", []) if isinstance(entry, dict) else []
        if status == "not-applicable" and na:
            reasons[r.id] = "; ".join(sorted({str(x) for x in na}))
    return Column(
        source=p.name,
        implementation=str(impl.get("name", "?")),
        version=str(impl.get("version", "?")),
        profile=str(data.get("profile", "?")),
        statuses=statuses,
        not_applicable=reasons,
        seen=seen,
    )


def _expectation_candidates(report: Path, dirs: Sequence[Path]) -> list[Path]:
    out = [d / report.name for d in dirs]
    for d in dirs:
        if d.is_dir():
            out += sorted(q for q in d.glob("*.json") if q.name != report.name)
    return out


def _raw(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def attach_expectations(column: Column, report: Path, dirs: Sequence[Path]) -> Column:
    """``column`` with the reasons of its expectation file: the file named like the report, else
    the first one that names the same implementation and the report's exact version."""
    for candidate in _expectation_candidates(report, dirs):
        if not candidate.is_file():
            continue
        raw = _raw(candidate)
        same_name = candidate.name == report.name
        if not same_name and not (raw.get("implementation") == column.implementation
                                  and str(raw.get("version")) == column.version):
            continue
        try:
            loaded = KnownDeviations.load(candidate)
        except DeviationsError as exc:
            raise MatrixError(str(exc)) from None
        if loaded.implementation not in (None, column.implementation):
            continue
        return Column(column.source, column.implementation, column.version, column.profile,
                      column.statuses, column.not_applicable, loaded.entries, candidate.name,
                      column.seen)
    return column


def _report_paths(paths: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """(path, named explicitly): files as given, folders as their ``*.json`` files."""
    out: list[tuple[Path, bool]] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out += [(q, False) for q in sorted(p.glob("*.json"))]
        else:
            out.append((p, True))
    return out


def build_columns(paths: Iterable[str | Path],
                  expectations_dirs: Sequence[str | Path] | None = None) -> list[Column]:
    """Load the reports (files, or the reports among a folder's ``*.json``) and their
    expectation files, in matrix order: the reference first, then by implementation and newest
    version first."""
    columns = []
    for report, explicit in _report_paths(paths):
        if not explicit and "suite_version" not in _raw(report):
            continue  # some other JSON file in a folder of reports
        if expectations_dirs is None:
            dirs = [report.parent.parent / "expectations", Path("expectations")]
        else:
            dirs = [Path(d) for d in expectations_dirs]
        unique = list(dict.fromkeys(d.resolve() for d in dirs))
        columns.append(attach_expectations(load_report(report), report, unique))
    if not columns:
        raise MatrixError("no reports given: pass JSON reports or a folder of them")
    return sorted(columns, key=Column.sort_key)


def _escape(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(columns: Sequence[Column]) -> list[str]:
    head = "| rule | " + " | ".join(c.title for c in columns) + " |"
    rule_line = "| --- | " + " | ".join("---" for _ in columns) + " |"
    lines = [head, rule_line]
    for r in RULES:
        cells = [_CELL[c.statuses.get(r.id, "not-run")] for c in columns]
        lines.append(f"| [{r.id} {r.slug}](SPEC.md#{r.id.lower()}-{r.slug}) | "
                     + " | ".join(cells) + " |")
    return lines


def _failures(columns: Sequence[Column]) -> list[str]:
    """Per rule: what failed beyond the known deviations, and the known deviations by
    signature, each once with the columns that list it (and how often each run saw it)."""
    lines: list[str] = []
    for r in RULES:
        for c in columns:
            status = c.statuses.get(r.id, "not-run")
            if status == "fail":
                lines.append(f"- **{r.id} {r.slug}** ({c.title}): **a deviation no expectation "
                             "entry lists** (see the report)")
            elif status == "error":
                lines.append(f"- **{r.id} {r.slug}** ({c.title}): the adapter or the suite "
                             "crashed; see the report")
            elif status == "inconclusive":
                lines.append(f"- **{r.id} {r.slug}** ({c.title}): no example could be checked "
                             "(all rejected); see the report")
        grouped: dict[tuple[str, str], list[str]] = {}
        for c in columns:
            for entry in c.deviations:
                if entry.rule != r.id:
                    continue
                n = c.seen.get(entry.id, 0)
                seen = (f"seen {n}x" if n else "intermittent, not seen" if entry.intermittent
                        else "**not seen in this run**")
                key = (entry.describe(), _escape(entry.reason))
                grouped.setdefault(key, []).append(f"{c.title}: {seen}")
        for (signature, reason), where in grouped.items():
            lines.append(f"- **{r.id} {r.slug}** `{signature}` ({'; '.join(where)}): {reason}")
    return lines or ["None: every implementation passes every applicable rule."]


def _not_applicable(columns: Sequence[Column]) -> list[str]:
    lines = []
    for r in RULES:
        grouped: dict[str, list[str]] = {}
        for c in columns:
            if c.statuses.get(r.id) == "not-applicable":
                reason = _escape(c.not_applicable.get(r.id, "capability not declared"))
                grouped.setdefault(reason, []).append(c.title)
        for reason, titles in grouped.items():
            lines.append(f"- **{r.id} {r.slug}** ({', '.join(titles)}): {reason}")
    return lines or ["None."]


def render(columns: Sequence[Column]) -> str:
    """The Markdown page for ``columns``."""
    out = [
        "# Compatibility",
        "",
        "<!-- Generated; do not edit by hand. Regenerate with:",
        f"     {REGENERATE} -->",
        "",
        f"Regenerate with `{REGENERATE}` after running the suites that write the reports "
        "(`tox -e suite-langchain-latest,suite-langchain-0.3,suite-langchain-0.2,compat-matrix` "
        "does all of it). The rules are [SPEC.md](SPEC.md)'s; each cell is what the suite found "
        "for that rule: `pass`, `fail` (a violation no known deviation of the implementation's "
        "expectation file matches), `known` (only known deviations, listed by signature below), "
        "`n/a` (needs a capability the implementation lacks), `error` (the adapter broke), "
        "`inconclusive` (nothing could be checked).",
        "",
        *_table(columns),
        "",
        "## Runs",
        "",
        "| column | report | profile | expectation file |",
        "| --- | --- | --- | --- |",
        *(f"| {c.title} | `{c.source}` | {c.profile} | "
          + (f"`expectations/{c.expectations_file}`" if c.expectations_file else "none") + " |"
          for c in columns),
        "",
        "## Deviations",
        "",
        "Per rule: failures beyond the known deviations, then each known deviation by its "
        "violation signature (SPEC.md §7) with the implementations that list it, how often the "
        "run saw it, and the reason from the expectation file (each entry there also has a "
        "reproduction in plain library code). An intermittent one shows only in some runs, "
        "because it depends on thread timing.",
        "",
        *_failures(columns),
        "",
        "## Not applicable",
        "",
        *_not_applicable(columns),
        "",
    ]
    return "\n".join(out)


def main(paths: Sequence[str], expectations_dirs: Sequence[str] | None = None,
         output: str | None = None) -> int:
    """Entry point of ``python -m conformance matrix``; returns the exit status."""
    import sys

    try:
        page = render(build_columns(paths, expectations_dirs))
    except MatrixError as exc:
        print(f"conformance matrix: {exc}", file=sys.stderr)
        return 2
    if output:
        Path(output).write_text(page, encoding="utf-8")
    else:
        sys.stdout.write(page)
    return 0
