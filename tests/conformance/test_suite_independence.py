"""The oracle never imports the reference engine: the reference is checked like any other."""

from __future__ import annotations

import ast
from pathlib import Path

import conformance

ROOT = Path(conformance.__file__).parent
ALLOWED = {ROOT / "adapters" / "reference.py"}


def test_no_suite_module_but_the_reference_adapter_imports_reference() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path in ALLOWED:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "reference"]
    assert offenders == []
