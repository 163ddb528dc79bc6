"""Where an engine's time goes on one width workload: cProfile, sorted by own time.

cProfile adds a fixed cost to every Python call, so its totals are inflated and call-heavy code
looks heavier than it is; read the shares, and confirm any change with the report's timings.
"""

from __future__ import annotations

import cProfile
import io
import pstats

from benchmarks._engines import load_engine

__all__ = ["profile_width"]


def profile_width(impl: str, nodes: int, handlers: int, runs: int, top: int = 20) -> str:
    """The top ``top`` functions by own time over ``runs`` runs (after a warm-up), as text."""
    workload = load_engine(impl).width(nodes, handlers)
    for _ in range(max(1, runs // 10)):
        workload.run()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(runs):
        workload.run()
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    total = stats.total_tt  # type: ignore[attr-defined]
    head = (f"{impl}: {runs} runs of {nodes} lambdas with {handlers} runtime handler(s); "
            f"{total / (runs * nodes) * 1e6:.2f} us per node under cProfile\n")
    return head + buf.getvalue()
