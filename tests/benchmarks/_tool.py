"""Runs one of the benchmarks' command-line tools as a user would: ``python -m MODULE ARGS`` from
the repository root, in a process of its own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_tool(module: str, *argv: str, timeout: float = 300) -> str:
    """The tool's standard output; it must exit 0 (else its stderr's end is the failure)."""
    done = subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
