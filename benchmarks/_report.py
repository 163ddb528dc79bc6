"""Turn one pytest-benchmark JSON file into ratios, growth exponents, verdicts and plots.

Everything here is computed from a single run's JSON, never re-timed, so every ratio compares
implementations measured side by side on the same machine at the same time. The benchmarks label
their results with ``extra_info`` (suite, impl, size, variant, handlers, nodes, tokens, and for the
memory suite peak and leaked bytes); names are never parsed.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from benchmarks._engines import ENGINES
from benchmarks._plot import Figure, Series, write_figure

__all__ = [
    "EXPONENT_MAX",
    "FLOOR_TARGET",
    "LANGCHAIN_TARGET",
    "LEAK_BYTES_PER_RUN",
    "Analysis",
    "Record",
    "analyse",
    "fit_exponent",
    "load_records",
    "render",
    "strip_rounds",
    "write_plots",
]

#: The reference's per-node cost with one handler, at most this many times the API floor's
#: (at 100 and 1000 nodes; at 10 nodes the root run's setup is shared by few nodes).
FLOOR_TARGET: Final = 2.5
FLOOR_TARGET_SMALL: Final = 4.0
#: Below this many nodes, FLOOR_TARGET_SMALL applies.
SMALL_WIDTH: Final = 100
#: langchain_core's per-node cost with one handler, at least this many times the reference's.
LANGCHAIN_TARGET: Final = 100.0
#: The reference's growth exponents (width, handler count), at most this.
EXPONENT_MAX: Final = 1.1
#: Memory still held per run after many runs, below which a run "returns to baseline". Not zero:
#: tracemalloc sees a few bytes of interpreter bookkeeping (e.g. a counter crossing an int size).
LEAK_BYTES_PER_RUN: Final = 16.0

REFERENCE: Final = "reference"
LANGCHAIN: Final = "langchain_core"
FLOOR: Final = "floor"
STATS: Final = ("min", "median", "mean")


@dataclass(frozen=True)
class Record:
    """One benchmark's result: what was measured (from ``extra_info``) and its time per run."""

    suite: str
    impl: str
    size: int
    variant: str
    handlers: int
    nodes: int
    tokens: int
    seconds: float
    version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


def load_records(data: Mapping[str, Any], stat: str = "min") -> list[Record]:
    """The labelled results of a pytest-benchmark JSON document (unlabelled ones are skipped)."""
    if stat not in STATS:
        raise ValueError(f"stat must be one of {', '.join(STATS)}, got {stat!r}")
    out = []
    for bench in data.get("benchmarks", ()):
        info = bench.get("extra_info") or {}
        stats = bench.get("stats") or {}
        if "suite" not in info or stat not in stats:
            continue
        out.append(Record(
            suite=str(info["suite"]), impl=str(info["impl"]), size=int(info["size"]),
            variant=str(info["variant"]), handlers=int(info.get("handlers", 0)),
            nodes=int(info.get("nodes", 1)), tokens=int(info.get("tokens", 0)),
            seconds=float(stats[stat]), version=str(info.get("version", "")), extra=info,
        ))
    return out


def fit_exponent(points: Iterable[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(y) against log(x): cost grows as size to this power.

    None when fewer than two usable points (positive x and y, two distinct x) remain.
    """
    pts = [(math.log(x), math.log(y)) for x, y in points if x > 0 and y > 0]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx


@dataclass
class Verdict:
    """One judged figure: what, its value, the target, and whether it is met."""

    what: str
    value: float | None
    target: str
    ok: bool | None


@dataclass
class Analysis:
    """Everything the report shows, computed once from the records."""

    records: list[Record]
    impls: list[str]
    #: suite -> [(impl, series name, exponent)]
    exponents: dict[str, list[tuple[str, str, float | None]]]
    verdicts: list[Verdict]
    versions: dict[str, str]

    def cell(self, suite: str, impl: str, variant: str, size: int) -> Record | None:
        for r in self.records:
            if (r.suite, r.impl, r.variant, r.size) == (suite, impl, variant, size):
                return r
        return None


def _by(records: Iterable[Record], suite: str) -> dict[tuple[str, str], dict[int, Record]]:
    """(impl, variant) -> size -> record, for one suite."""
    out: dict[tuple[str, str], dict[int, Record]] = defaultdict(dict)
    for r in records:
        if r.suite == suite:
            out[(r.impl, r.variant)][r.size] = r
    return out


def _width_exponents(records: list[Record]) -> list[tuple[str, str, float | None]]:
    """Width: time vs nodes per handler count; marginal handler cost vs handlers and vs n x h.

    Zero handlers has no logarithm, so the handler exponents fit what the handlers add,
    t(n, h) - t(n, 0), which is the cost that should grow linearly in handler events.
    """
    grid = _by(records, "width")
    out: list[tuple[str, str, float | None]] = []
    for impl in ENGINES:
        cells = {(v, n): r.seconds for (i, v), sizes in grid.items() if i == impl
                 for n, r in sizes.items()}
        if not cells:
            continue
        variants = sorted({v for v, _ in cells}, key=_variant_key)
        for v in variants:
            pts = [(float(n), t) for (vv, n), t in sorted(cells.items()) if vv == v]
            out.append((impl, f"time vs nodes, {v}", fit_exponent(pts)))
        widths = sorted({n for _, n in cells})
        joint = []
        for n in widths:
            base = cells.get(("h=0", n))
            if base is None:
                continue
            pts = []
            for v in variants:
                h = _variant_key(v)
                t = cells.get((v, n))
                if h > 0 and t is not None:
                    pts.append((float(h), t - base))
                    joint.append((float(h * n), t - base))
            out.append((impl, f"handler cost vs handlers, n={n}", fit_exponent(pts)))
        if joint:
            out.append((impl, "handler cost vs nodes x handlers", fit_exponent(joint)))
    return out


def _variant_key(v: str) -> int:
    """Sort ``h=10`` after ``h=1``; other variants keep their text order."""
    return int(v[2:]) if v.startswith("h=") and v[2:].isdigit() else 0


def _size_exponents(records: list[Record], suite: str) -> list[tuple[str, str, float | None]]:
    grid = _by(records, suite)
    return [
        (impl, f"time vs size, {variant}", fit_exponent((float(n), r.seconds)
                                                        for n, r in sorted(sizes.items())))
        for (impl, variant), sizes in sorted(grid.items(), key=lambda kv: _impl_order(kv[0][0]))
    ]


def _impl_order(impl: str) -> int:
    return ENGINES.index(impl) if impl in ENGINES else len(ENGINES)


def analyse(records: list[Record]) -> Analysis:
    """Ratios are computed when rendering; here: exponents and the judged verdicts."""
    impls = sorted({r.impl for r in records}, key=_impl_order)
    exponents = {"width": _width_exponents(records)}
    for suite in ("depth", "fanout"):
        exponents[suite] = _size_exponents(records, suite)
    versions = {r.impl: r.version for r in records if r.version}
    return Analysis(records, impls, exponents, _verdicts(records, exponents), versions)


def _verdicts(records: list[Record],
              exponents: Mapping[str, list[tuple[str, str, float | None]]]) -> list[Verdict]:
    out: list[Verdict] = []
    width = _by(records, "width")
    floor, ref, lc = (width.get((i, "h=1"), {}) for i in (FLOOR, REFERENCE, LANGCHAIN))
    bare = width.get((FLOOR, "h=0"), {})
    for n in sorted(ref):
        if n in floor:
            target = FLOOR_TARGET if n >= SMALL_WIDTH else FLOOR_TARGET_SMALL
            ratio = ref[n].seconds / floor[n].seconds
            out.append(Verdict(f"reference / API floor per node, 1 handler, {n} nodes", ratio,
                               f"<= {target:g}x", ratio <= target))
        if n in bare:
            ratio = ref[n].seconds / bare[n].seconds
            out.append(Verdict(f"reference / bare loop per node, 1 handler, {n} nodes "
                               "(shown, not judged)", ratio, "-", None))
        if n in lc:
            ratio = lc[n].seconds / ref[n].seconds
            out.append(Verdict(f"langchain_core / reference per node, 1 handler, {n} nodes",
                               ratio, f">= {LANGCHAIN_TARGET:g}x", ratio >= LANGCHAIN_TARGET))
    for impl, series, exp in exponents.get("width", ()):
        if impl != REFERENCE or not (series.startswith("time vs nodes")
                                     or series.startswith("handler cost vs handlers")):
            continue
        out.append(Verdict(f"reference growth exponent, {series}", exp, f"<= {EXPONENT_MAX:g}",
                           None if exp is None else exp <= EXPONENT_MAX))
    for r in records:
        if r.suite == "memory" and r.impl == REFERENCE and "leak_bytes_per_run" in r.extra:
            leak = float(r.extra["leak_bytes_per_run"])
            out.append(Verdict(f"reference bytes kept per run, {r.size} nodes", leak,
                               f"< {LEAK_BYTES_PER_RUN:g} B", leak < LEAK_BYTES_PER_RUN))
    return out


# --- rendering ---------------------------------------------------------------------------------


def _fmt(x: float | None, digits: int = 3) -> str:
    if x is None or math.isnan(x):
        return "-"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def _align(cell: str, width: int) -> str:
    """Numbers right, words left, so columns of either read straight down."""
    numeric = cell[:1].isdigit() or cell in ("-", "0") or cell[:2] in ("-0", "-1")
    return cell.rjust(width) if numeric else cell.ljust(width)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = [list(r) for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    sep = "| " + " | ".join("-" * w for w in widths) + " |"
    body = ["| " + " | ".join(_align(c, w) for c, w in zip(r, widths, strict=True)) + " |"
            for r in rows]
    return [line, sep, *body]


def _ratio_pairs(impls: Sequence[str]) -> list[tuple[str, str]]:
    """(numerator, denominator) of each ratio column: every engine to the floor, then every
    other engine to the reference."""
    pairs = [(i, FLOOR) for i in impls if i != FLOOR and FLOOR in impls]
    pairs += [(i, REFERENCE) for i in impls
              if i not in (FLOOR, REFERENCE) and REFERENCE in impls]
    return pairs


def _ratio(num: float | None, den: float | None) -> str:
    return f"{_fmt(num / den)}x" if num and den else "-"


def _cost_table(a: Analysis, suite: str, unit: str, per_node: bool,
                size_name: str) -> list[str]:
    """One row per (size, variant): each impl's cost, then cost ratios to floor and reference."""
    grid = _by(a.records, suite)
    impls = [i for i in a.impls if any(k[0] == i for k in grid)]
    if not impls:
        return []
    cells = sorted({(n, v) for (_, v), sizes in grid.items() for n in sizes},
                   key=lambda c: (_variant_key(c[1]), c[1], c[0]))
    pairs = _ratio_pairs(impls)
    header = [size_name, "variant", *(f"{i} {unit}" for i in impls),
              *(f"{i} / {j}" for i, j in pairs)]
    rows = []
    for n, v in cells:
        cost: dict[str, float | None] = {}
        for i in impls:
            r = grid.get((i, v), {}).get(n)
            cost[i] = None if r is None else r.seconds * 1e6 / (r.nodes if per_node else 1)
        rows.append([str(n), v, *(_fmt(cost[i]) for i in impls),
                     *(_ratio(cost[i], cost[j]) for i, j in pairs)])
    return _table(header, rows)


def _streaming_table(a: Analysis) -> list[str]:
    grid = _by(a.records, "streaming")
    impls = [i for i in a.impls if any(k[0] == i for k in grid)]
    if not impls:
        return []
    sizes = sorted({n for sz in grid.values() for n in sz})
    pairs = _ratio_pairs(impls)
    header = ["handlers", *(f"{i} tokens/s" for i in impls),
              *(f"{i} / {j} (time)" for i, j in pairs)]
    rows = []
    for n in sizes:
        rec = {i: next((sz[n] for (ii, _), sz in grid.items() if ii == i and n in sz), None)
               for i in impls}
        secs = {i: (r.seconds if r else None) for i, r in rec.items()}
        rows.append([str(n),
                     *(_fmt(r.tokens / r.seconds) if r and r.tokens else "-" for r in rec.values()),
                     *(_ratio(secs[i], secs[j]) for i, j in pairs)])
    return _table(header, rows)


def _memory_table(a: Analysis) -> list[str]:
    recs = sorted((r for r in a.records if r.suite == "memory" and "peak_bytes" in r.extra),
                  key=lambda r: (r.size, _impl_order(r.impl)))
    if not recs:
        return []
    rows = []
    for r in recs:
        peak = float(r.extra["peak_bytes"])
        leak = float(r.extra.get("leak_bytes_per_run", math.nan))
        rows.append([str(r.size), r.impl, _fmt(peak / 1024), _fmt(peak / r.nodes),
                     _fmt(leak), "yes" if leak < LEAK_BYTES_PER_RUN else "NO"])
    return _table(["nodes", "impl", "peak KiB / run", "peak B / node", "kept B / run",
                   "returns to baseline"], rows)


def _exponent_table(a: Analysis, suite: str) -> list[str]:
    rows = [[impl, series, _fmt(exp)] for impl, series, exp in a.exponents.get(suite, ())]
    return _table(["impl", "series", "exponent"], rows) if rows else []


def render(a: Analysis, *, command: str, stat: str, machine: str = "",
           measured_with: str = "", passes: int = 1) -> str:
    """The whole report as Markdown (readable as plain text in a terminal)."""
    lines = ["# Callback overhead: benchmark report", ""]
    if measured_with and measured_with != command:
        lines.append(f"Measured with: `{measured_with}`  ")
    lines.append(f"This report: `{command}`  ")
    lines.append(f"Statistic: {stat} time per run over pytest-benchmark's rounds"
                 + (f", best of {passes} passes per benchmark" if passes > 1 else "")
                 + "; ratios are cost ratios (how many times slower), all from this one run.  ")
    if machine:
        lines.append(f"Machine: {machine}  ")
    if a.versions:
        lines.append("Versions: " + ", ".join(f"{k} {v}" for k, v in a.versions.items()))
    lines.append("")
    lines += ["## Verdicts", ""]
    if a.verdicts:
        vrows = [[v.what, _fmt(v.value), v.target,
                  {True: "ok", False: "MISSED", None: "n/a"}[v.ok]] for v in a.verdicts]
        lines += _table(["figure", "value", "target", "result"], vrows)
    else:
        lines.append("(nothing to judge: the reference's width results are missing)")
    sections = [
        ("Per-node overhead: a sequence of N lambdas (width)",
         _cost_table(a, "width", "us/node", True, "nodes")),
        ("Growth exponents, width suite (log-log slope; 1 = linear)",
         _exponent_table(a, "width")),
        ("Async width: ainvoke of N async lambdas (floor: handlers called inline)",
         _cost_table(a, "width_async", "us/node", True, "nodes")),
        ("Depth: chains nested N levels (us per run)",
         _cost_table(a, "depth", "us/run", False, "levels")),
        ("Growth exponents, depth (bound handlers per level are quadratic by design)",
         _exponent_table(a, "depth")),
        ("Fan-out: a parallel map of N branches, 1 handler (us per run)",
         _cost_table(a, "fanout", "us/run", False, "branches")),
        ("Growth exponents, fan-out", _exponent_table(a, "fanout")),
        ("Streaming: a fake chat model, one token per character", _streaming_table(a)),
        ("Memory per run (tracemalloc), N lambdas and 1 handler", _memory_table(a)),
    ]
    for title, body in sections:
        if body:
            lines += ["", f"## {title}", "", *body]
    return "\n".join(lines) + "\n"


# --- plots -------------------------------------------------------------------------------------


def write_plots(a: Analysis, out: Path, backend: str = "auto") -> tuple[list[Path], str | None]:
    """One figure per suite, a series per implementation and variant: cost against size.

    Returns the files written and, when the preferred backend was missing, a note saying so.
    """
    figures: list[Figure] = []
    specs = [
        ("width", "Width: time per run vs nodes", "nodes", "us per run"),
        ("depth", "Depth: time per run vs nesting levels", "levels", "us per run"),
        ("fanout", "Fan-out: time per run vs branches", "branches", "us per run"),
    ]
    for suite, title, xlabel, ylabel in specs:
        series = [
            Series(f"{impl} {variant}", [float(n) for n in sorted(sz)],
                   [sz[n].seconds * 1e6 for n in sorted(sz)], impl, variant)
            for (impl, variant), sz in sorted(_by(a.records, suite).items(),
                                              key=lambda kv: (_impl_order(kv[0][0]), kv[0][1]))
        ]
        if series:
            figures.append(Figure(suite, title, xlabel, ylabel, series))
    stream = _by(a.records, "streaming")
    if stream:
        series = [
            Series(impl, [float(n) for n in sorted(sz)],
                   [sz[n].seconds * 1e6 / max(sz[n].tokens, 1) for n in sorted(sz)], impl, "")
            for (impl, _), sz in sorted(stream.items(), key=lambda kv: _impl_order(kv[0][0]))
        ]
        figures.append(Figure("streaming", "Streaming: time per token vs handlers", "handlers",
                              "us per token", series, categorical=True))
    mem = [r for r in a.records if r.suite == "memory" and "peak_bytes" in r.extra]
    if mem:
        by_impl: dict[str, list[Record]] = defaultdict(list)
        for r in mem:
            by_impl[r.impl].append(r)
        series = [
            Series(impl, [float(r.size) for r in sorted(rs, key=lambda r: r.size)],
                   [float(r.extra["peak_bytes"]) / 1024 for r in sorted(rs, key=lambda r: r.size)],
                   impl, "")
            for impl, rs in sorted(by_impl.items(), key=lambda kv: _impl_order(kv[0]))
        ]
        figures.append(Figure("memory", "Memory: peak per run vs nodes (1 handler)", "nodes",
                              "KiB", series))
    written: list[Path] = []
    note: str | None = None
    for fig in figures:
        path, note = write_figure(fig, out, backend)
        written.append(path)
    return written, note


def load_json(path: Path) -> dict[str, Any]:
    """Read a pytest-benchmark JSON file, with a message that says what to do if it is absent."""
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        raise SystemExit(
            f"no benchmark results at {path}: run `python -m benchmarks report` (which runs "
            "the benchmarks), or pytest benchmarks --benchmark-json PATH first"
        ) from None


def merge_passes(passes: Sequence[Mapping[str, Any]], stat: str = "min") -> dict[str, Any]:
    """One results document from several passes of the same suites: each benchmark's best pass.

    This machine's speed drifts for seconds at a time, longer than one benchmark's rounds, so a
    single pass can catch one cell in a slow phase. Every pass runs every implementation in
    turn, and the pass with the lowest ``stat`` is kept per benchmark (for ``min`` that is simply
    the minimum over all rounds of all passes). ``extra_info.pass`` records which one.
    """
    if not passes:
        raise ValueError("no passes to merge")
    best: dict[str, dict[str, Any]] = {}
    order: list[str] = []
    for number, data in enumerate(passes, 1):
        for bench in data.get("benchmarks", ()):
            key = str(bench.get("fullname") or bench.get("name"))
            value = (bench.get("stats") or {}).get(stat)
            kept = best.get(key)
            if kept is None:
                order.append(key)
            if kept is None or (value is not None and value < kept["stats"][stat]):
                best[key] = {**bench, "extra_info": {**bench.get("extra_info", {}),
                                                     "pass": number}}
    out = dict(passes[0])
    out["benchmarks"] = [best[k] for k in order]
    out["passes"] = len(passes)
    return out


def strip_rounds(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a results document without each benchmark's per-round timings (``stats.data``),
    which are most of its size and which the report never reads."""
    out = dict(data)
    out["benchmarks"] = [
        {**b, "stats": {k: v for k, v in (b.get("stats") or {}).items() if k != "data"}}
        for b in data.get("benchmarks", ())
    ]
    return out


def machine_summary(data: Mapping[str, Any]) -> str:
    """CPU, Python and date of the run, from pytest-benchmark's ``machine_info``."""
    info = data.get("machine_info") or {}
    cpu = (info.get("cpu") or {}).get("brand_raw") or info.get("processor") or "?"
    count = (info.get("cpu") or {}).get("count")
    py = f"{info.get('python_implementation', '')} {info.get('python_version', '')}".strip()
    parts = [f"{cpu}" + (f" ({count} CPUs)" if count else ""), py, str(data.get("datetime", ""))]
    return ", ".join(p for p in parts if p)
