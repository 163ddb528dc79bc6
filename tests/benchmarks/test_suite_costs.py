"""``python -m benchmarks.suite_costs``: the table ``conformance.schedule.COSTS`` is pasted from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_suite_costs_prints_a_table_of_the_tests_it_ran() -> None:
    done = subprocess.run([sys.executable, "-m", "benchmarks.suite_costs", "--rule", "R4",
                           "--profile", "quick"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    table = done.stdout.split("COSTS: Final[dict[str, float]] = {")[1]
    rows = [line.strip() for line in table.splitlines() if line.strip().startswith('"test_R4_')]
    assert rows, table  # R4 has two tests: the longer one is printed
    assert all(line.endswith(",") and float(line.split(": ")[1][:-1]) > 0 for line in rows)
