"""Which tests check which rule: read from the test names, for SPEC.md and ``rules``.

Test names carry their rule id (``test_R4_...``), so this mapping is derived, never kept by hand.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

__all__ = ["BEGIN", "END", "KINDS_BEGIN", "KINDS_END", "kinds_table", "markdown_table",
           "tests_by_rule", "update_spec"]

# test_R4_something, or test_something_R4 (self-tests name the rule they expect to fail).
_NAME = re.compile(r"^test_(R\d+)_|_(R\d+)$")
ROOT = Path(__file__).resolve().parent


def tests_by_rule(*folders: Path) -> dict[str, list[str]]:
    """Rule id -> ``path::test`` names found in the suite and in ``folders``."""
    found: dict[str, list[str]] = {}
    for folder in (ROOT / "suite", *folders):
        for path in sorted(folder.rglob("test_*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    m = _NAME.search(node.name)
                    if m:
                        rel = path.relative_to(ROOT.parent) if path.is_relative_to(
                            ROOT.parent) else path
                        rule_id = m.group(1) or m.group(2)
                        found.setdefault(rule_id, []).append(f"{rel}::{node.name}")
    return found


BEGIN = ("<!-- tests:begin (generated: "
         "python -m conformance rules --also tests --update SPEC.md) -->")
END = "<!-- tests:end -->"


def markdown_table(tests: dict[str, list[str]]) -> str:
    """SPEC.md's section: per rule, the suite's tests, then the project's own tests."""
    from .rules import RULES

    lines = []
    for r in RULES:
        names = tests.get(r.id, [])
        suite = [t for t in names if t.startswith("conformance/")]
        own = [t for t in names if not t.startswith("conformance/")]
        lines.append(f"**{r.id} {r.slug}**: suite: " + (", ".join(
            f"`{t.split('::')[1]}`" for t in suite) or "**none**"))
        by_file: dict[str, list[str]] = {}
        for t in own:
            path, name = t.split("::")
            by_file.setdefault(path, []).append(name)
        for path, names_in_file in by_file.items():
            lines.append(f"  - `{path}`: " + ", ".join(f"`{n}`" for n in names_in_file))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


KINDS_BEGIN = ("<!-- kinds:begin (generated from conformance/violations.py: "
               "python -m conformance rules --also tests --update SPEC.md) -->")
KINDS_END = "<!-- kinds:end -->"


def kinds_table() -> str:
    """SPEC.md's vocabulary of violation kinds, per rule."""
    from .rules import RULES
    from .violations import KINDS

    lines = ["| rule | kind | meaning |", "| --- | --- | --- |"]
    for rule_id in [None, *(r.id for r in RULES)]:
        for kind, meaning in KINDS.get(rule_id, {}).items():
            shown = f"`{kind}`<kind>" if kind.endswith(":") else f"`{kind}`"
            lines.append(f"| {rule_id or 'crash'} | {shown} | {meaning} |")
    return "\n".join(lines) + "\n"


def _replace(text: str, begin: str, end: str, body: str) -> str:
    if begin not in text or end not in text:
        raise ValueError(f"SPEC.md lacks the markers {begin!r} and {end!r}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}{end}{tail}"


def update_spec(spec_text: str, tests: dict[str, list[str]]) -> str:
    """``spec_text`` with the generated sections replaced."""
    text = _replace(spec_text, BEGIN, END, markdown_table(tests))
    if KINDS_BEGIN in text:
        text = _replace(text, KINDS_BEGIN, KINDS_END, kinds_table())
    return text
