"""The benchmark code works: every benchmark runs once (quick mode) and the report computes.

No timing is asserted here: ratios come from ``python -m benchmarks report``, never from tests.
The report is checked on a synthetic pytest-benchmark JSON whose costs follow known power laws,
so its ratios, exponents and verdicts have exact expected values.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks.__main__ import main
from benchmarks._plot import MISSING_MATPLOTLIB, Figure, Series, write_figure
from benchmarks._report import (
    analyse,
    fit_exponent,
    load_records,
    merge_passes,
    render,
    write_plots,
)

ROOT = Path(__file__).resolve().parents[2]


def test_quick_mode_runs_every_benchmark_once() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout


def _bench(suite: str, impl: str, size: int, variant: str, seconds: float, *,
           handlers: int = 1, nodes: int | None = None, **extra: Any) -> dict[str, Any]:
    info = {"suite": suite, "impl": impl, "size": size, "variant": variant,
            "handlers": handlers, "nodes": size if nodes is None else nodes, "tokens": 0,
            "version": "0", **extra}
    return {"name": f"{suite}-{impl}-{size}-{variant}", "extra_info": info,
            "stats": {"min": seconds, "median": seconds * 1.1, "mean": seconds * 1.2}}


def synthetic() -> dict[str, Any]:
    """Costs per node: floor 0.5 us per handler call pair, reference 2x, langchain 300x the
    reference's; each handler adds linearly. So ratios are 2 and 300, every exponent is 1."""
    per_impl = {"floor": (0.05e-6, 0.45e-6), "reference": (0.5e-6, 0.5e-6),
                "langchain_core": (150e-6, 150e-6)}
    benches = []
    for impl, (base, per_handler) in per_impl.items():
        for n in (10, 100, 1000):
            for h in (0, 1, 10):
                benches.append(_bench("width", impl, n, f"h={h}", n * (base + h * per_handler),
                                      handlers=h))
            benches.append(_bench("memory", impl, n, "h=1", 1e-3, peak_bytes=100 * n,
                                  leak_bytes_per_run=0.0))
        for d in (1, 10, 100):
            benches.append(_bench("depth", impl, d, "runtime", d * per_handler, nodes=2 * d + 1))
        for h in (0, 1, 10):
            bench = _bench("streaming", impl, h, "tokens=256", 256 * (base + h * per_handler),
                           handlers=h)
            bench["extra_info"]["tokens"] = 256
            benches.append(bench)
    benches.append({"name": "unlabelled", "extra_info": {}, "stats": {"min": 1.0}})
    return {"benchmarks": benches, "machine_info": {"python_version": "3.x"}}


def test_report_on_synthetic_results(tmp_path: Path) -> None:
    analysis = analyse(load_records(synthetic()))
    verdicts = {v.what: v for v in analysis.verdicts}
    ratio = verdicts["reference / API floor per node, 1 handler, 100 nodes"]
    assert ratio.value == pytest.approx(1.0e-6 / 0.5e-6)
    assert ratio.target == "<= 2.5x" and ratio.ok
    assert verdicts["reference / API floor per node, 1 handler, 10 nodes"].target == "<= 4x"
    assert verdicts["reference / bare loop per node, 1 handler, 100 nodes (shown, not judged)"
                    ].ok is None
    lc = verdicts["langchain_core / reference per node, 1 handler, 100 nodes"]
    assert lc.value == pytest.approx(300.0) and lc.ok
    exps = {(i, s): e for i, s, e in analysis.exponents["width"]}
    assert exps[("reference", "time vs nodes, h=1")] == pytest.approx(1.0)
    assert exps[("reference", "handler cost vs handlers, n=100")] == pytest.approx(1.0)
    assert exps[("reference", "handler cost vs nodes x handlers")] == pytest.approx(1.0)
    assert all(v.ok for v in analysis.verdicts if v.ok is not None)
    text = render(analysis, command="python -m benchmarks report --json x", stat="min")
    for heading in ("Verdicts", "Per-node overhead", "Depth", "Streaming", "Memory"):
        assert heading in text
    files, _ = write_plots(analysis, tmp_path, "builtin")
    assert {f.name for f in files} == {"width.svg", "depth.svg", "streaming.svg", "memory.svg"}
    assert all(f.read_text().startswith("<svg") for f in files)


def test_report_command_reads_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(synthetic()))
    out = tmp_path / "out"
    assert main(["report", "--json", str(path), "--out", str(out), "--plots", "builtin",
                 "--check"]) == 0
    assert "langchain_core / reference" in capsys.readouterr().out
    assert (out / "report.md").exists() and (out / "width.svg").exists()


def test_a_missed_target_fails_check(tmp_path: Path) -> None:
    data = synthetic()
    for bench in data["benchmarks"]:
        if bench["extra_info"].get("impl") == "reference":
            bench["stats"]["min"] *= 100  # now 500x the floor
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data))
    assert main(["report", "--json", str(path), "--out", str(tmp_path), "--plots", "none",
                 "--check"]) == 1


def test_missing_matplotlib_degrades_to_svg(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import now raises ImportError
    fig = Figure("f", "t", "x", "y", [Series("a", [1.0, 10.0], [1.0, 5.0], "reference", "")])
    path, note = write_figure(fig, tmp_path)
    assert path.suffix == ".svg" and note == MISSING_MATPLOTLIB


def test_fit_exponent() -> None:
    assert fit_exponent([(1, 3), (10, 300), (100, 30000)]) == pytest.approx(2.0)
    assert fit_exponent([(10, 1.0)]) is None
    assert fit_exponent([(10, 1.0), (100, -1.0)]) is None


def test_profile_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["profile", "--nodes", "10", "--runs", "20", "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "us per node under cProfile" in out and "tottime" in out


def test_passes_merge_to_each_benchmarks_best() -> None:
    """A cell caught in a slow phase in one pass takes its time from a pass that was not."""
    clean = synthetic()
    slow = synthetic()
    for bench in slow["benchmarks"]:
        if bench["name"] == "width-reference-100-h=1":
            bench["stats"] = {k: v * 3 for k, v in bench["stats"].items()}
    faster_elsewhere = synthetic()
    for bench in faster_elsewhere["benchmarks"]:
        if bench["name"] == "width-floor-10-h=0":
            bench["stats"] = {k: v / 2 for k, v in bench["stats"].items()}
    merged = merge_passes([slow, clean, faster_elsewhere])
    by_name = {b["name"]: b for b in merged["benchmarks"]}
    assert merged["passes"] == 3
    assert [b["name"] for b in merged["benchmarks"]] == [b["name"] for b in clean["benchmarks"]]
    assert by_name["width-reference-100-h=1"]["extra_info"]["pass"] == 2
    assert by_name["width-floor-10-h=0"]["extra_info"]["pass"] == 3
    expected = synthetic()["benchmarks"][0]["stats"]["min"] / 2
    assert by_name["width-floor-10-h=0"]["stats"]["min"] == expected
    judged = "reference / API floor per node, 1 handler, 100 nodes"
    merged_verdicts = {v.what: v.value for v in analyse(load_records(merged)).verdicts}
    clean_verdicts = {v.what: v.value for v in analyse(load_records(clean)).verdicts}
    assert merged_verdicts[judged] == pytest.approx(clean_verdicts[judged])
