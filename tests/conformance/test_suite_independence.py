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


# --- one direction of flow -------------------------------------------------------------------
# The adapter side (the protocol, the adapters, the harness that calls them) writes observed data
# (conformance.observed); the reading side (oracle, matching, checker and what they use) reads it.
# Nothing on the reading side may import the adapter side, nor the harness the reading side.

#: Modules that read observations and predictions.
READERS = ("checker", "matching", "oracle", "interface", "signatures", "violations", "observed",
           "events", "model", "rules", "deviations")
#: Modules that run adapters (or are adapters).
ADAPTER_SIDE = ("adapter", "adapters", "harness", "watch", "faultlog")
#: What the adapter side must not import: the judging.
JUDGES = ("checker", "matching", "oracle", "interface", "signatures", "properties", "explain")


def _module_name(path: Path) -> str:
    parts = ["conformance", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    """The conformance modules ``path`` (module ``name``) imports, anywhere in it."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in out if m.split(".")[0] == "conformance"}


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: {m for m in _imports(path, name) if m in files and m != name}
            for name, path in files.items()}


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _in(module: str, names: tuple[str, ...]) -> bool:
    return any(module == f"conformance.{n}" or module.startswith(f"conformance.{n}.")
               for n in names)


def test_the_graph_sees_the_known_edges() -> None:
    graph = _graph()
    assert "conformance.observed" in graph["conformance.checker"]
    assert "conformance.adapter" in graph["conformance.harness"]
    assert "conformance.adapters.langchain_like" in graph["conformance.adapters.reference"]
    assert "conformance.render" in graph["conformance.adapters.langchain_like"]


def test_readers_never_import_the_adapter_side() -> None:
    graph = _graph()
    offenders = {reader: sorted(m for m in _reach(graph, reader) if _in(m, ADAPTER_SIDE))
                 for reader in (f"conformance.{r}" for r in READERS)}
    assert {r: m for r, m in offenders.items() if m} == {}


def test_the_adapter_side_never_imports_the_judges() -> None:
    graph = _graph()
    writers = [m for m in graph if _in(m, ADAPTER_SIDE)]
    offenders = {w: sorted(m for m in _reach(graph, w) if _in(m, JUDGES)) for w in writers}
    assert {w: m for w, m in offenders.items() if m} == {}
