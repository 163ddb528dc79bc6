"""Which tests check which rule: read from the test names, for SPEC.md and ``rules``.

Test names carry their rule id (``test_R4_...``), so this mapping is derived, never kept by hand.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

__all__ = ["tests_by_rule"]

_NAME = re.compile(r"^test_(R\d+)_")
ROOT = Path(__file__).resolve().parent


def tests_by_rule(*folders: Path) -> dict[str, list[str]]:
    """Rule id -> ``path::test`` names found in the suite and in ``folders``."""
    found: dict[str, list[str]] = {}
    for folder in (ROOT / "suite", *folders):
        for path in sorted(folder.rglob("test_*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    m = _NAME.match(node.name)
                    if m:
                        rel = path.relative_to(ROOT.parent) if path.is_relative_to(
                            ROOT.parent) else path
                        found.setdefault(m.group(1), []).append(f"{rel}::{node.name}")
    return found
