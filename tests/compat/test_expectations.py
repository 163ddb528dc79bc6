"""The expectation files in expectations/: well formed (signature entries, SPEC.md §7), wired to
the tox envs, and (when the matching langchain-core line is installed) each reproduction still
shows the deviation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.deviations import KnownDeviations
from conformance.violations import kind_is_known

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "expectations").glob("langchain_core-*.json"))  # langchainjs: tests/harness
LINES = {"latest": "1.x", "0.3": "0.3", "0.2": "0.2"}


def _data(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_is_one_file_per_langchain_line() -> None:
    assert sorted(p.name for p in FILES) == sorted(
        f"langchain_core-{line}.json" for line in LINES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_loads_and_names_the_implementation(path: Path) -> None:
    loaded = KnownDeviations.load(path)
    assert loaded.implementation == "langchain_core"
    data = _data(path)
    assert f"langchain_core-{data['line']}.json" == path.name
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(data["version"]))
    assert "rules" not in data, "signature entries only: the rule-level form hides new deviations"
    for entry in loaded.entries:
        assert not entry.coarse and kind_is_known(entry.rule, entry.kind), entry


def _entries(path: Path) -> dict[str, dict[str, str]]:
    """Every deviation entry, by id."""
    deviations = _data(path)["deviations"]
    assert isinstance(deviations, list)
    return {str(e["id"]): e for e in deviations}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_entry_has_a_sentence_and_a_runnable_reproduction(path: Path) -> None:
    rules = _entries(path)
    assert rules
    for rule_id, entry in rules.items():
        reason = entry["reason"]
        assert reason.endswith(".") and "\n" not in reason, rule_id
        assert reason.count(". ") == 0, f"{rule_id}: the reason should be one sentence"
        compile(entry["reproduction"], f"{path.name}:{rule_id}", "exec")
        assert "langchain_core" in entry["reproduction"], rule_id
        assert entry["shows"].strip(), rule_id


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_tox_env_gates_the_file(path: Path) -> None:
    line = _data(path)["line"]
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    section = tox.split(f"[testenv:suite-langchain-{line}]", 1)[1].split("\n[", 1)[0]
    assert f"--expectations expectations/{path.name}" in section
    assert f"--report {{toxinidir}}/reports/{path.name}" in section


def _installed_line() -> str | None:
    try:
        import langchain_core
    except ImportError:
        return None
    from conformance.adapters.langchain_core import release_line

    return release_line(str(langchain_core.__version__))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reproductions_show_the_deviation(path: Path) -> None:
    """Runs only where the file's langchain-core line is installed (e.g. in the
    suite-langchain-* tox envs: ``tox -e suite-langchain-0.2 -- ...`` does not run it; run
    ``python -m pytest tests/compat`` in such an environment)."""
    data = _data(path)
    installed = _installed_line()
    if installed != LINES[str(data["line"])]:
        pytest.skip(f"needs langchain-core {LINES[str(data['line'])]}, found {installed}")
    for rule_id, entry in _entries(path).items():
        done = subprocess.run([sys.executable, "-c", entry["reproduction"]], capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, f"{rule_id}: {done.stderr[-2000:]}"
        assert entry["shows"] in done.stdout, f"{rule_id} printed:\n{done.stdout}"
