"""How fast the conformance suite itself runs: examples per second per rule test, and end-to-end
wall time per profile and implementation (issue 17).

Each measurement is ``python -m conformance run --impl IMPL --profile PROFILE --report F`` in a
fresh process, as a user runs it: the wall time and the CPU time of that process and its
pytest-xdist worker, and from the JSON report each test's examples and ``seconds`` (the wall
time pytest measured for it). Runs are seeded (``--hypothesis-seed``, default 3) and use no
example database, so two archived runs draw the same examples wherever the generator is
unchanged. Nothing here is a
timed assertion: the figures go into ``python -m benchmarks report``, with ratios against the
previous archived run. Wall times depend on the machine's load, so the load average is kept
with each run; compare ratios, not single timings.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

__all__ = ["DEFAULT_PROFILES", "DEFAULT_SEED", "available_impls", "measure", "measure_all",
           "previous_run", "render"]

DEFAULT_PROFILES: Final = ("quick", "default")
DEFAULT_SEED: Final = 3
#: Archived runs (``report --archive``) live here; the newest one with suite figures is "previous".
ARCHIVE_DIR: Final = Path(__file__).resolve().parent / "results"


def available_impls() -> list[str]:
    """The reference always; langchain-core when it is importable in this interpreter."""
    impls = ["reference"]
    if importlib.util.find_spec("langchain_core") is not None:
        impls.append("langchain_core")
    return impls


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children, where the OS says."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _load() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _expectations(impl: str) -> list[str]:
    """``--expectations FILE`` for langchain-core's installed line (as its tox env gates it):
    without it every known deviation fails its test, and shrinking the failures, not checking
    examples, takes the time."""
    if impl != "langchain_core":
        return []
    from importlib.metadata import PackageNotFoundError, version

    from conformance.shipped import matching_file

    try:
        found = matching_file(impl, version("langchain-core"))
    except PackageNotFoundError:
        return []
    return ["--expectations", str(found)] if found is not None else []


def measure(impl: str, profile: str, workdir: Path, *, seed: int | None = DEFAULT_SEED,
            rules: Sequence[str] = (), extra: Sequence[str] = ()) -> dict[str, Any]:
    """One run of the suite against ``impl`` with ``profile``: its times and per-test figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    report = workdir / f"suite-{impl}-{profile}.json"
    report.unlink(missing_ok=True)
    argv = [sys.executable, "-m", "conformance", "run", "--impl", impl, "--profile", profile,
            "--report", str(report), "--database", "none", *_expectations(impl), *extra]
    for rule in rules:
        argv += ["--rule", rule]
    if seed is not None:
        argv.append(f"--hypothesis-seed={seed}")
    load_before, cpu_before, start = _load(), _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, cwd=workdir, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    if not report.exists():
        raise RuntimeError(f"{' '.join(argv)} wrote no report (exit {proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    data = json.loads(report.read_text(encoding="utf-8"))
    tests = {}
    for rule_id, rule in data["rules"].items():
        for nodeid, test in rule["details"].items():
            if "seen while checking" in nodeid:  # another test's finding, not a test of its own
                continue
            tests[nodeid.rsplit("::", 1)[-1]] = {
                "rule": rule_id, "status": test["status"], "examples": test["examples"],
                "checked": test["checked"], "seconds": test.get("seconds", 0.0)}
    return {
        "impl": impl, "version": data["implementation"]["version"], "profile": profile,
        "seed": seed, "rules": list(rules), "exit_status": proc.returncode,
        "wall_seconds": round(wall, 3), "cpu_seconds": round(cpu, 3),
        "load_before": load_before, "load_after": _load(),
        "examples": sum(t["examples"] for t in tests.values()),
        "checked": sum(t["checked"] for t in tests.values()),
        "test_seconds": round(sum(t["seconds"] for t in tests.values()), 3),
        "tests": tests,
    }


def measure_all(impls: Iterable[str], profiles: Iterable[str], workdir: Path, *,
                seed: int | None = DEFAULT_SEED, rules: Sequence[str] = (),
                progress: bool = True) -> dict[str, Any]:
    """Every implementation with every profile, one after the other: the ``suite_speed`` block
    of ``results.json``."""
    runs = []
    for impl in impls:
        for profile in profiles:
            if progress:
                print(f"suite speed: {impl}, profile {profile}", flush=True)
            runs.append(measure(impl, profile, workdir, seed=seed, rules=rules))
    return {"measured_at": datetime.datetime.now(datetime.timezone.utc).isoformat(
        timespec="seconds"), "commit": _commit(), "cpus": os.cpu_count(), "runs": runs}


def _commit() -> str | None:
    """The checkout's commit (with ``+`` when its files differ from it), if this is one."""
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, text=True, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+" if dirty.strip() else "")


def previous_run(directory: Path = ARCHIVE_DIR, exclude: Iterable[Path] = ()) -> \
        tuple[Path, dict[str, Any]] | None:
    """The archived results that hold the newest suite figures (by their ``measured_at``),
    other than ``exclude``."""
    skip = {p.resolve() for p in exclude}
    found: list[tuple[str, Path, dict[str, Any]]] = []
    for path in directory.glob("*.json"):
        if path.resolve() in skip:
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        suite = data.get("suite_speed") if isinstance(data, dict) else None
        if isinstance(suite, dict) and suite.get("runs"):
            found.append((str(suite.get("measured_at", "")), path, suite))
    if not found:
        return None
    _, path, suite = max(found, key=lambda f: (f[0], f[1].name))
    return path, suite


def _rate(examples: float, seconds: float) -> float | None:
    return examples / seconds if seconds > 0 else None


def _fmt(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _ratio(now: float | None, before: float | None) -> str:
    if now is None or before is None or before <= 0:
        return "-"
    return f"{now / before:.2f}x"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(current: Mapping[str, Any], previous: Mapping[str, Any] | None = None,
           previous_name: str = "") -> str:
    """The suite-speed section of the report, Markdown."""
    runs = current.get("runs", [])
    before = {(r["impl"], r["profile"]): r for r in (previous or {}).get("runs", [])}
    lines = ["## Suite speed: `python -m conformance run`", ""]
    if current.get("measured_at"):
        lines += [f"Measured: {current['measured_at']}, commit {current.get('commit')}"
                  + (f"; previous: {previous.get('measured_at')}, commit "
                     f"{previous.get('commit')}" if previous else ""), ""]
    lines.append("One fresh `python -m conformance run --impl IMPL --profile PROFILE` per row "
                 "(seeded, no example database). Wall: end to end, start-up included; CPU: the "
                 "runner and its worker; checked/s: examples checked over that wall time; "
                 "examples/s: examples generated over the tests' own time. Ratios are this run "
                 "over the previous archived one (" +
                 (f"`{previous_name}`" if previous_name else "none found") +
                 "): below 1x is faster for wall time, above 1x for rates. Load: the 1-minute "
                 "load average before and after (2 cores: above 2, the timings are stretched).")
    lines.append("")
    rows = []
    for r in runs:
        old = before.get((r["impl"], r["profile"]))
        rate = _rate(r["examples"], r["test_seconds"])
        old_rate = _rate(old["examples"], old["test_seconds"]) if old else None
        rows.append([r["impl"], r["version"], r["profile"], str(r["exit_status"]),
                     _fmt(r["wall_seconds"]), _ratio(r["wall_seconds"],
                                                     old["wall_seconds"] if old else None),
                     _fmt(r["cpu_seconds"]), str(r["examples"]), str(r["checked"]),
                     _fmt(_rate(r["checked"], r["wall_seconds"])), _fmt(rate),
                     _ratio(rate, old_rate), f"{r['load_before']} / {r['load_after']}"])
    lines += _table(["impl", "version", "profile", "exit", "wall s", "wall vs prev", "CPU s",
                     "examples", "checked", "checked/s", "examples/s", "examples/s vs prev",
                     "load"], rows)
    for r in runs:
        old = before.get((r["impl"], r["profile"]))
        old_tests = old["tests"] if old else {}
        lines += ["", f"### Examples per second per rule test: {r['impl']}, profile "
                  f"{r['profile']}", ""]
        trows = []
        for name, t in sorted(r["tests"].items(), key=lambda kv: (_rule_key(kv[1]["rule"]),
                                                                   kv[0])):
            rate = _rate(t["examples"], t["seconds"])
            prev = old_tests.get(name)
            old_rate = _rate(prev["examples"], prev["seconds"]) if prev else None
            trows.append([name, t["status"], str(t["examples"]), _fmt(t["seconds"], 2),
                          _fmt(rate), _ratio(rate, old_rate)])
        lines += _table(["test", "status", "examples", "seconds", "examples/s", "vs prev"],
                        trows)
    return "\n".join(lines) + "\n"


def _rule_key(rule: str) -> int:
    return int(rule[1:]) if rule[1:].isdigit() else 0
