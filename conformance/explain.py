"""Turns a finding into the text a maintainer reads: rule, smallest chain, expected vs observed."""

from __future__ import annotations

import shlex
from collections import defaultdict

from .checker import Violation, match_runs
from .model import STREAM_MODES
from .properties import Finding
from .render import render_tree
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
                                f"{run.ending}; via {how})")
    return out


def _observed_lines(finding: Finding) -> dict[str, list[str]]:
    obs, exp = finding.observation, finding.expectation
    out: dict[str, list[str]] = defaultdict(list)
    if obs is None:
        return out
    streaming = finding.scenario.invocation.mode in STREAM_MODES
    key_of = match_runs(exp, obs.events, streaming) if exp is not None else {}
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


def _grouped(violations: list[Violation]) -> list[str]:
    """One line per distinct (rule, message), naming every handler and run it was seen at, in
    order of first appearance: the same sentence repeated per handler or run is said once."""
    groups: dict[tuple[str | None, str], list[str]] = {}
    for v in violations:
        where = " ".join(p for p in (f"handler {v.handler}" if v.handler else "",
                                     f"run {v.run!r}" if v.run else "") if p)
        groups.setdefault((v.rule, v.message), []).append(where)
    lines = []
    for (rule_id, message), places in groups.items():
        tag = f"[{rule_id}]" if rule_id else "[crash]"
        named = [p for p in dict.fromkeys(places) if p]
        times = f" ({len(places)} times)" if len(places) > 1 and len(named) <= 1 else ""
        if len(named) <= 1:
            lines.append(f"{tag} {named[0] + ': ' if named else ''}{message}{times}")
        else:
            shown = "; ".join(named[:4]) + (f"; and {len(named) - 4} more" if len(named) > 4
                                            else "")
            lines.append(f"{tag} {message} (at {shown})")
    return lines


def _replay_line(finding: Finding, impl: str | None, expectations: str | None = None) -> str:
    known = f" --expectations {shlex.quote(expectations)}" if expectations else ""
    return ("Replay: python -m conformance replay --impl " + shlex.quote(impl or "IMPL")
            + f" --rule {finding.rule}{known} " + shlex.quote(finding.scenario.dumps()))


def explain(finding: Finding, reproduction: str | None = None, max_violations: int = 4, *,
            impl: str | None = None, full: bool = False,
            expectations: str | None = None) -> str:
    """A report of ``finding``: the rule, its violation, the smallest chain as a tree, expected
    vs observed per handler, ``reproduction`` (the case in the implementation's own code, as its
    adapter writes it: :func:`conformance.harness.reproduction`) and the command that replays
    the case.

    By default the report is short (about 40 lines for a shrunk case): repeated violations are
    said once, at most ``max_violations`` are listed, and only the handlers they name are shown.
    ``full`` lists every violation and every handler. ``impl`` is the ``--impl`` value the replay
    command needs, ``expectations`` the file whose known deviations the run masked (the replay
    masks them too).
    """
    r = rule(finding.rule)
    grouped = _grouped(finding.violations)
    listed = grouped if full else grouped[:max_violations]
    lines = [f"{r.id} {r.slug}: {r.title} ({r.anchor})"]
    lines += [f"Violation: {listed[0]}" if len(listed) == 1 else "Violations:"]
    if len(listed) > 1:
        lines += [f"  {v}" for v in listed]
    if len(grouped) > len(listed):
        lines.append(f"  ... and {len(grouped) - len(listed)} more (in the JSON report, or "
                     "run with --full-report)")
    lines += ["", "Smallest case found:"]
    lines += ["  " + line for line in render_tree(finding.scenario).splitlines()]
    expected, observed = _expected_lines(finding), _observed_lines(finding)
    handlers = sorted(set(expected) | set(observed))
    named = {v.handler for v in finding.violations if v.handler}
    if not full and named & set(handlers):
        handlers = [h for h in handlers if h in named]
    if handlers:
        lines += ["", "Per handler: expected runs, then observed events in delivery order:"]
    for h in handlers:
        lines.append(f"  {h} expected: " + ("; ".join(expected.get(h, [])) or "nothing"))
        lines.append(f"  {h} observed: " + ("; ".join(observed.get(h, [])) or "nothing"))
    for note in finding.notes:
        lines.append(f"note: {note}")
    if reproduction:
        lines += ["", "Reproduce by hand (prints each event a handler gets):"]
        lines += [("    " + line).rstrip() for line in reproduction.splitlines()]
    lines += ["", _replay_line(finding, impl, expectations)]
    return "\n".join(lines)


def failure_texts(exc: BaseException) -> tuple[str | None, str]:
    """The short and the full text of a failed rule test's exception.

    The short text is the rule report a ``RuleViolation`` carries (None for any other
    exception: its traceback stays as pytest shows it); the full text adds what is kept for the
    JSON report and ``--full-report``: every violation and handler (``full_report``) and the notes
    Hypothesis attached (the draw, its explain phase).
    """
    full = getattr(exc, "full_report", None)
    short = str(exc).strip("\n") if full is not None else None
    notes = [str(n) for n in getattr(exc, "__notes__", ())]
    text = str(full if full is not None else exc).strip("\n")
    return short, "\n".join([text, *notes])
