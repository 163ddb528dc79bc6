"""The LangChain.js harness installed for the tests, when node and npm are on the machine: its
dependencies are installed with ``npm ci`` from the lockfile into a cache directory outside the
repository (keyed by the lockfile's hash; harnesses/langchainjs/prepare.py), next to a copy of
the harness."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _prepare_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "langchainjs_prepare", REPO / "harnesses" / "langchainjs" / "prepare.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


prepare = _prepare_module()


@pytest.fixture(scope="session")
def harness_script() -> Path:
    """The latest line's harness, installed (skips where node or npm is missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not on this machine: the LangChain.js harness is not run")
    try:
        return Path(prepare.prepare("latest"))
    except prepare.PrepareError as exc:
        pytest.skip(f"the LangChain.js harness could not be installed (no registry?): {exc}")
