"""Plots of cost against size: matplotlib (PNG) when installed, else a tiny built-in SVG writer.

matplotlib is optional (``pip install matplotlib``; the ``bench`` tox env installs it). Without
it the report still draws every figure, as SVG, and says so once. The built-in writer knows only
what these figures need: log-log axes (or categories on x), polylines, markers and a legend.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

__all__ = ["BACKENDS", "Figure", "Series", "write_figure", "write_svg"]

BACKENDS: Final = ("auto", "matplotlib", "builtin", "none")

#: One colour per implementation (the floor grey), one dash pattern per variant.
_COLOURS: Final = {"floor": "#7f7f7f", "reference": "#1f77b4", "langchain_core": "#ff7f0e"}
_EXTRA_COLOURS: Final = ("#2ca02c", "#d62728", "#9467bd", "#8c564b")
_DASHES: Final = ("", "6,3", "2,3", "8,3,2,3")
_MPL_DASHES: Final = ("-", "--", ":", "-.")

MISSING_MATPLOTLIB: Final = (
    "matplotlib is not installed, so plots are SVG from the built-in writer "
    "(pip install matplotlib for PNG plots)"
)


@dataclass(frozen=True)
class Series:
    """One line: ``group`` picks the colour (an implementation), ``variant`` the dash pattern."""

    label: str
    xs: list[float]
    ys: list[float]
    group: str
    variant: str


@dataclass(frozen=True)
class Figure:
    """A log-log chart (or categorical x when ``categorical``), saved as ``<name>.png|svg``."""

    name: str
    title: str
    xlabel: str
    ylabel: str
    series: list[Series]
    categorical: bool = False


def _styles(fig: Figure) -> dict[str, tuple[str, int]]:
    """(colour, dash index) per series label, stable across backends."""
    groups = list(dict.fromkeys(s.group for s in fig.series))
    variants = list(dict.fromkeys(s.variant for s in fig.series))
    extra = iter(_EXTRA_COLOURS * 4)
    colours = {g: _COLOURS.get(g) or next(extra) for g in groups}
    return {s.label: (colours[s.group], variants.index(s.variant) % len(_DASHES))
            for s in fig.series}


def write_figure(fig: Figure, out: Path, backend: str = "auto") -> tuple[Path, str | None]:
    """Write ``fig`` into ``out``; returns the file, and a note if matplotlib was missing."""
    if backend not in BACKENDS or backend == "none":
        raise ValueError(f"backend must be one of {', '.join(BACKENDS[:-1])}, got {backend!r}")
    out.mkdir(parents=True, exist_ok=True)
    if backend != "builtin":
        try:
            import matplotlib  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            return write_svg(fig, out / f"{fig.name}.svg"), MISSING_MATPLOTLIB
        matplotlib.use("Agg")
        return _write_matplotlib(fig, out / f"{fig.name}.png"), None
    return write_svg(fig, out / f"{fig.name}.svg"), None


def _write_matplotlib(fig: Figure, path: Path) -> Path:
    import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

    styles = _styles(fig)
    f, ax = plt.subplots(figsize=(8, 5), dpi=110)
    cats = _categories(fig)
    for s in fig.series:
        colour, dash = styles[s.label]
        xs = [cats.index(x) for x in s.xs] if fig.categorical else s.xs
        ax.plot(xs, s.ys, _MPL_DASHES[dash], color=colour, marker="o", markersize=4,
                label=s.label)
    if fig.categorical:
        ax.set_xticks(range(len(cats)), [_num(c) for c in cats])
    else:
        ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_title(fig.title)
    ax.set_xlabel(fig.xlabel)
    ax.set_ylabel(fig.ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    f.tight_layout()
    f.savefig(path)
    plt.close(f)
    return path


def _categories(fig: Figure) -> list[float]:
    return sorted({x for s in fig.series for x in s.xs})


def _num(x: float) -> str:
    return f"{x:g}"


def _decades(lo: float, hi: float) -> tuple[float, float, list[float]]:
    """A log10 range padded to whole decades, and its tick positions (log10 values)."""
    a, b = math.floor(lo), math.ceil(hi)
    if b == a:
        b = a + 1
    ticks = [float(t) for t in range(a, b + 1)]
    if b - a <= 2:  # few decades: also mark 2x and 5x
        ticks += [t + math.log10(m) for t in range(a, b) for m in (2, 5)]
    return float(a), float(b), sorted(ticks)


def write_svg(fig: Figure, path: Path) -> Path:
    """Draw ``fig`` as a standalone SVG file (no dependencies)."""
    width, height = 760, 440
    left, right, top, bottom = 70, 230, 40, 55
    pw, ph = width - left - right, height - top - bottom
    styles = _styles(fig)
    ys = [y for s in fig.series for y in s.ys if y > 0]
    if not ys:
        ys = [1.0]
    y0, y1, yticks = _decades(math.log10(min(ys)), math.log10(max(ys)))
    cats = _categories(fig)
    if fig.categorical:
        x0, x1 = -0.5, len(cats) - 0.5
        xticks = [(float(i), _num(c)) for i, c in enumerate(cats)]
    else:
        xs = [x for s in fig.series for x in s.xs if x > 0] or [1.0]
        lo, hi, ticks = _decades(math.log10(min(xs)), math.log10(max(xs)))
        x0, x1 = lo, hi
        xticks = [(t, _num(round(10 ** t, 6))) for t in ticks]

    def px(x: float) -> float:
        v = float(cats.index(x)) if fig.categorical else math.log10(x)
        return left + (v - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - (math.log10(y) - y0) / (y1 - y0) * ph

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="14">'
        f"{escape(fig.title)}</text>",
    ]
    for t, text in xticks:
        x = left + (t - x0) / (x1 - x0) * pw
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{top + ph + 16}" text-anchor="middle">'
                     f"{escape(text)}</text>")
    for t in yticks:
        y = top + ph - (t - y0) / (y1 - y0) * ph
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                     'stroke="#ddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{_num(round(10 ** t, 6))}</text>")
    parts.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
                 'stroke="black"/>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 15}" text-anchor="middle">'
                 f"{escape(fig.xlabel)}</text>")
    parts.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {top + ph / 2})">{escape(fig.ylabel)}</text>')
    for i, s in enumerate(fig.series):
        colour, dash = styles[s.label]
        pts = [(px(x), py(y)) for x, y in zip(s.xs, s.ys, strict=True) if y > 0 and x >= 0]
        dash_attr = f' stroke-dasharray="{_DASHES[dash]}"' if _DASHES[dash] else ""
        if len(pts) > 1:
            coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
            parts.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" '
                         f'stroke-width="1.8"{dash_attr}/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>' for x, y in pts]
        ly = top + 8 + i * 16
        lx = left + pw + 12
        parts.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 24}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="1.8"{dash_attr}/>')
        parts.append(f'<text x="{lx + 30}" y="{ly + 4}">{escape(s.label)}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")
    return path
