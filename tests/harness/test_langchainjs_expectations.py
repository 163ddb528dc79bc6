"""The LangChain.js expectation files (expectations/langchainjs-*.json): one per release line the
harness installs (harnesses/langchainjs and its lines/), well formed, wired to their tox env, and
each entry's JavaScript reproduction, run with node, prints its ``shows`` line (the latest line
wherever node and npm are; an older line where it is installed already, e.g. by its tox env)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance.deviations import KnownDeviations
from conformance.violations import kind_is_known

from .conftest import prepare

ROOT = Path(__file__).resolve().parents[2]
HARNESS = ROOT / "harnesses" / "langchainjs"
LINES = ["latest", *sorted(p.name for p in (HARNESS / "lines").iterdir() if p.is_dir())]


def _path(line: str) -> Path:
    return ROOT / "expectations" / f"langchainjs-{line}.json"


def _data(line: str) -> dict[str, Any]:
    data = json.loads(_path(line).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_is_one_file_per_release_line() -> None:
    files = sorted(p.name for p in (ROOT / "expectations").glob("langchainjs-*.json"))
    assert files == sorted(f"langchainjs-{line}.json" for line in LINES)


@pytest.mark.parametrize("line", LINES)
def test_file_is_well_formed_and_names_the_locked_version(line: str) -> None:
    loaded = KnownDeviations.load(_path(line))
    assert loaded.implementation == "langchainjs"
    data = _data(line)
    assert data["line"] == line
    locked = json.loads((prepare.source(line) / "package-lock.json").read_text())
    assert data["version"] == locked["packages"]["node_modules/@langchain/core"]["version"]
    assert "rules" not in data
    assert loaded.entries
    for entry in loaded.entries:
        assert not entry.coarse and kind_is_known(entry.rule, entry.kind), entry
        reason = entry.reason
        assert reason.endswith(".") and "\n" not in reason, entry.id
        assert reason.count(". ") == 0, f"{entry.id}: the reason should be one sentence"
        assert '"@langchain/core/' in entry.reproduction, entry.id
        assert entry.shows.strip(), entry.id


@pytest.mark.parametrize("line", LINES)
def test_a_tox_env_gates_the_file(line: str) -> None:
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    section = tox.split(f"[testenv:suite-langchainjs-{line}]", 1)[1].split("\n[", 1)[0]
    assert f"prepare.py {line} " in section
    assert f"--expectations expectations/langchainjs-{line}.json" in section
    assert f"--report {{toxinidir}}/reports/langchainjs-{line}.json" in section


def _installed(line: str, harness_script: Path) -> Path:
    if line == "latest":
        return harness_script
    lock = (prepare.source(line) / "package-lock.json").read_bytes()
    import hashlib

    where = prepare.cache_root() / f"langchainjs-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (where / "node_modules" / "@langchain" / "core").is_dir():
        pytest.skip(f"@langchain/core {line} is not installed: python "
                    f"harnesses/langchainjs/prepare.py {line} installs it")
    return Path(prepare.prepare(line))


@pytest.mark.slow  # one node process per entry; the harness tests run LangChain.js by default
@pytest.mark.parametrize("line", LINES)
def test_reproductions_show_the_deviation(line: str, harness_script: Path) -> None:
    script = _installed(line, harness_script)
    where = script.parent / "_expectations"
    where.mkdir(exist_ok=True)
    for entry in _data(line)["deviations"]:
        path = where / (re.sub(r"\W", "_", entry["id"]) + ".mjs")
        path.write_text(entry["reproduction"], encoding="utf-8")
        done = subprocess.run(["node", str(path)], capture_output=True, text=True, timeout=60,
                              check=False)
        assert done.returncode == 0, f"{entry['id']}: {done.stderr[-2000:]}"
        assert entry["shows"] in done.stdout, f"{entry['id']} printed:\n{done.stdout}"
