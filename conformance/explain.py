"""Turns a finding into the text a maintainer reads: rule, smallest chain, expected vs observed."""

from __future__ import annotations

from collections import defaultdict

from .checker import match_runs
from .properties import Finding
from .render import render_code, render_tree
from .rules import rule

__all__ = ["explain"]


def _expected_lines(finding: Finding) -> dict[str, list[str]]:
    exp = finding.expectation
    out: dict[str, list[str]] = defaultdict(list)
    if exp is None:
        return out
    for key in sorted(exp.runs):
        run = exp.runs[key]
        parent = exp.runs[run.parent].label if run.parent is not None else "-"
        for handler in sorted(run.handlers):
            how = ", ".join(sorted(str(r) for r in run.handlers[handler]))
            mark = "?" if run.optional else ""
            out[handler].append(f"{run.label}{mark} ({run.run_type}, parent {parent}, "
                                f"{run.outcome}; via {how})")
    return out


def _observed_lines(finding: Finding) -> dict[str, list[str]]:
    obs, exp = finding.observation, finding.expectation
    out: dict[str, list[str]] = defaultdict(list)
    if obs is None:
        return out
    key_of = match_runs(exp, obs.events) if exp is not None else {}
    names = {e.run_id: e.name for e in obs.events if e.kind == "start"}
    order = dict.fromkeys(e.run_id for e in obs.events)
    short = {run_id: f"#{i}" for i, run_id in enumerate(order)}
    for ev in obs.events:
        name = names.get(ev.run_id) or "?"
        pid = ev.parent_run_id
        parent = "none" if pid is None else (
            f"{names[pid]}{short[pid]}" if pid in names else f"unseen run {pid[:8]}")
        matched = "" if ev.run_id in key_of else " (unmatched)"
        out[ev.handler].append(f"{ev.kind} {name}{short[ev.run_id]} (parent {parent}){matched}")
    return out


def explain(finding: Finding, adapter_prefix: str | None = None, max_violations: int = 12) -> str:
    """A multi-line report of ``finding``."""
    r = rule(finding.rule)
    lines = [f"{r.id} {r.slug}: {r.title} ({r.anchor})", "", "Smallest case found:"]
    lines += ["  " + line for line in render_tree(finding.scenario).splitlines()]
    lines += ["", "Violations:"]
    lines += [f"  {v}" for v in finding.violations[:max_violations]]
    if len(finding.violations) > max_violations:
        lines.append(f"  ... and {len(finding.violations) - max_violations} more")
    expected, observed = _expected_lines(finding), _observed_lines(finding)
    handlers = sorted(set(expected) | set(observed))
    if handlers:
        lines += ["", "Per handler: expected runs, then observed events in delivery order:"]
    for h in handlers:
        lines.append(f"  {h} expected: " + ("; ".join(expected.get(h, [])) or "nothing"))
        lines.append(f"  {h} observed: " + ("; ".join(observed.get(h, [])) or "nothing"))
    for note in finding.notes:
        lines.append(f"note: {note}")
    if adapter_prefix:
        lines += ["", f"Reproduce by hand ({adapter_prefix}):", ""]
        lines += ["    " + line for line in render_code(finding.scenario,
                                                         adapter_prefix).splitlines()]
    lines += ["", "Replay this case: " + finding.scenario.dumps()]
    return "\n".join(lines)
