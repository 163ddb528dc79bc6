"""Per-rule results and the JSON report.

An implementation's known deviations (its expectation file, :mod:`conformance.deviations`) are
masked inside the properties; what reaches this module is, per test, its status and how often
each known deviation was seen, so a rule that shows only known deviations is ``known`` and a
listed deviation that never showed is reported (and fails the run with
``--strict-expectations``: a fixed bug should be struck off the list).
"""

from __future__ import annotations

import json
import platform
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .deviations import KnownDeviations
from .incidental import SEEN_WHILE
from .rules import RULES

__all__ = ["MEANINGS", "SEVERITY", "SUITE_VERSION", "RuleResult", "Summary", "TestResult", "cut",
           "select_rules", "worst"]

SUITE_VERSION: Final = "0.2"
STATUSES: Final = ("pass", "fail", "known", "not-applicable", "errored", "inconclusive")


#: Statuses worst first: a test's phases and a rule's tests combine to the worst of theirs.
SEVERITY: Final = ("errored", "fail", "inconclusive", "known", "pass", "not-applicable")
#: What each status means (README's table says the same).
MEANINGS: Final[Mapping[str, str]] = {
    "pass": "every selected test ran to a result and the rule held on every example checked",
    "fail": "a test found an example that breaks the rule in a way no known deviation lists",
    "known": "every violation found matches a known deviation of the expectation file (each "
             "listed with how often it was seen)",
    "not-applicable": "the adapter lacks a capability the tests need (reason shown)",
    "errored": "the adapter or harness crashed, hung, wrote too much or broke the protocol; "
               "no verdict",
    "inconclusive": "no example could be checked (every one was rejected)",
    "not-run": "no test of the rule ran (not selected with --rule, or deselected with -k/-m)",
}
#: Longest message kept per test (the rest is cut, with a note).
MESSAGE_LIMIT: Final = 8000


def cut(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """``text``, or its head and tail with how much was cut in between."""
    if len(text) <= limit:
        return text
    head, tail = text[: limit * 3 // 4], text[-(limit // 4):]
    return f"{head}\n[... {len(text) - len(head) - len(tail):,} characters cut ...]\n{tail}"


def worst(statuses: Any) -> str | None:
    """The worst of ``statuses`` by :data:`SEVERITY`, or None when there is none."""
    present = set(statuses)
    return next((s for s in SEVERITY if s in present), None)


def select_rules(values: Any) -> list[str]:
    """``--rule`` values as rule ids: ``r5``, ``R05`` and ``once-per-handler`` all mean ``R5``.

    Raises ValueError with a one-line message listing the valid ids.
    """
    by_key = {r.id.lower(): r.id for r in RULES} | {r.slug: r.id for r in RULES}
    chosen: list[str] = []
    unknown: list[str] = []
    for value in values or ():
        key = str(value).strip().lower()
        if key[:1] == "r" and key[1:].isdigit():
            key = f"r{int(key[1:])}"
        rid = by_key.get(key)
        if rid is None:
            unknown.append(str(value))
        elif rid not in chosen:
            chosen.append(rid)
    if unknown:
        raise ValueError(f"unknown rule id{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(map(repr, unknown))}; valid ids: "
                         f"{', '.join(r.id for r in RULES)} (case-insensitive)")
    return chosen


#: pytest exit statuses that are no verdict on the implementation (pytest.ExitCode).
_PYTEST_NO_VERDICT: Final[dict[int | None, str]] = {
    2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


@dataclass
class TestResult:
    """One test's outcome and counts (a test's setup, call and teardown combine)."""

    status: str
    examples: int = 0
    checked: int = 0
    rejected: int = 0
    shrinks: int = 0
    message: str | None = None
    scenario: Any = None
    #: How often each known deviation (by entry id) was seen and masked.
    known: Counter[str] = field(default_factory=Counter)
    #: Wall time pytest measured for the test's reported phases (its call; setup or teardown
    #: too when they error or skip): throughput figures (``python -m benchmarks report``).
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "examples": self.examples, "checked": self.checked,
                "rejected": self.rejected, "shrink_attempts": self.shrinks,
                "seconds": round(self.seconds, 4), "message": self.message,
                "scenario": self.scenario, "known_deviations": dict(self.known)}


@dataclass
class RuleResult:
    """What the tests of one rule found."""

    rule: str
    details: dict[str, TestResult] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def tests(self) -> dict[str, str]:
        return {nodeid: t.status for nodeid, t in self.details.items()}

    @property
    def status(self) -> str:
        return worst(t.status for t in self.details.values()) or "not-run"

    def total(self, name: str) -> int:
        return sum(int(getattr(t, name)) for t in self.details.values())

    @property
    def examples(self) -> int:
        return self.total("examples")

    @property
    def known(self) -> Counter[str]:
        return sum((t.known for t in self.details.values()), Counter())


@dataclass
class Summary:
    """All rules' results for one run against one implementation."""

    implementation: str
    version: str
    profile: str
    results: dict[str, RuleResult] = field(
        default_factory=lambda: {r.id: RuleResult(r.id) for r in RULES}
    )
    adapter_errors: list[str] = field(default_factory=list)
    #: The adapter's ``Capabilities.notes``.
    notes: Mapping[str, str] = field(default_factory=dict)
    #: Per-scenario deadline in seconds (None: none).
    timeout: float | None = None
    #: Threads the adapter left running at the end of the session (names).
    leftovers: list[str] = field(default_factory=list)
    #: Selected tests (node id -> rule id): one that never reports a result is errored.
    selected: dict[str, str] = field(default_factory=dict)
    #: The implementation's known deviations (its expectation file), if one was given.
    deviations: KnownDeviations = field(default_factory=KnownDeviations)
    #: A listed deviation that never showed fails the run (``--strict-expectations``).
    strict: bool = False
    #: pytest's own exit status, once the session ends (a usage error, an interrupted run or
    #: an internal error is no verdict, whatever the tests that ran before it said).
    pytest_status: int | None = None
    #: Why the JSON report could not be written, if it could not: the run then has no verdict.
    report_error: str | None = None

    def record(self, rule_id: str, nodeid: str, status: str, *, examples: int = 0,
               checked: int = 0, rejected: int = 0, shrinks: int = 0,
               message: str | None = None, scenario: Any = None,
               known: Mapping[str, int] | None = None, seconds: float = 0.0) -> None:
        """One report of a test (setup, call or teardown): the worst status wins."""
        result = self.results[rule_id]
        test = result.details.get(nodeid)
        if test is None:
            test = result.details[nodeid] = TestResult(status)
        elif worst((test.status, status)) != test.status:
            test.status = status
            test.message = None
        test.known.update(known or {})
        test.examples += examples
        test.checked += checked
        test.rejected += rejected
        test.shrinks += shrinks
        test.seconds += seconds
        if message and test.status == status:
            test.message = cut(message)
            (result.reasons if status == "not-applicable" else result.messages).append(
                cut(message))
        if scenario is not None and test.scenario is None:
            test.scenario = scenario
        if status == "errored" and message and message not in self.adapter_errors:
            self.adapter_errors.append(cut(message, 2000))

    def finish(self, why: str | None = None) -> None:
        """Selected tests that never reported are errored (``why``: the reason, if known)."""
        for nodeid, rule_id in self.selected.items():
            if nodeid not in self.results[rule_id].details:
                self.record(rule_id, nodeid, "errored",
                            message=why or "no result: the test never reported one (its worker "
                                           "process died or the run stopped before it ran)")

    def errored(self) -> list[tuple[str, str, TestResult]]:
        return [(rid, nodeid, t) for rid, res in self.results.items()
                for nodeid, t in res.details.items() if t.status == "errored"]

    def seen(self) -> Counter[str]:
        """How often each known deviation was seen, over every rule."""
        return sum((res.known for res in self.results.values()), Counter())

    def unobserved(self) -> list[str]:
        """Listed deviations of the selected rules that never showed (intermittent ones aside):
        fixed bugs to strike off, or deviations the draws did not reach."""
        ran = {rid for rid, res in self.results.items()
               if res.status not in ("not-run", "errored", "not-applicable")}
        seen = self.seen()
        return [e.id for e in self.deviations.entries
                if e.rule in ran and not e.intermittent and not seen[e.id]]

    def no_verdict(self) -> str | None:
        """Why the run as a whole has no verdict (no test ran, or pytest itself stopped it), or
        None."""
        if self.report_error:
            return f"the JSON report could not be written ({self.report_error})"
        if self.pytest_status in _PYTEST_NO_VERDICT:
            return (f"pytest stopped the run ({_PYTEST_NO_VERDICT[self.pytest_status]}, "
                    f"its exit status {self.pytest_status}; see its message above)")
        if not any(res.details for res in self.results.values()):
            return "no test ran (see pytest's message above: a mistyped option or path?)"
        return None

    def exit_code(self) -> int:
        """0 ok; 1 a rule failed (or, strict, a listed deviation never showed); 2 errored, or
        only inconclusive, or no verdict at all (:meth:`no_verdict`)."""
        if self.no_verdict() is not None:
            return 2
        statuses = {res.status for res in self.results.values()}
        if "errored" in statuses:
            return 2
        if "fail" in statuses or (self.strict and self.unobserved()):
            return 1
        return 2 if "inconclusive" in statuses else 0

    def table(self) -> str:
        lines = [f"{'rule':<26} {'status':<16} {'checked':>7} {'rejected':>8}  tests"]
        for r in RULES:
            res = self.results[r.id]
            note = ""
            if res.status == "not-applicable" and res.reasons:
                note = "  (" + res.reasons[0] + ")"
            elif res.known:
                note = "  (" + ", ".join(f"{k} x{n}" for k, n in sorted(res.known.items())) + ")"
            lines.append(f"{r!s:<26} {res.status:<16} {res.total('checked'):>7} "
                         f"{res.total('rejected'):>8}  {len(res.details)}{note}")
        return "\n".join(lines)

    def details_text(self, scenario_limit: int = 3000) -> str:
        """What the table leaves out: errored and inconclusive tests (with their scenario),
        not-applicable reasons, the adapter's notes, leftover threads."""
        lines: list[str] = []
        groups: dict[str, list[tuple[str, str, TestResult]]] = {}
        for rid, nodeid, t in self.errored():
            groups.setdefault(t.message or "errored", []).append((rid, nodeid, t))
        # The tests that errored on their own first, then those not run because of them.
        for message, group in sorted(groups.items(),
                                     key=lambda g: g[0].startswith(("not run", "no result"))):
            rid, nodeid, t = group[0]
            first = message.strip().splitlines() or ["errored"]
            lines.append(f"errored: {rid} {nodeid}: {first[0]}")
            lines.extend(f"    {line}" for line in first[1:16])
            if t.scenario is not None:
                text = t.scenario if isinstance(t.scenario, str) else json.dumps(
                    t.scenario, sort_keys=True)
                lines.append(f"    scenario: {cut(text, scenario_limit)}")
            if len(group) > 1:
                names = ", ".join(n.rsplit("::", 1)[-1] for _, n, _ in group[1:4])
                more = f" and {len(group) - 4} more" if len(group) > 4 else ""
                lines.append(f"    the same for {len(group) - 1} other test"
                             f"{'s' if len(group) > 2 else ''}: {names}{more}")
        for rid, res in self.results.items():
            # A rule whose own tests passed but another rule's test saw it broken: the first
            # such violation (its own failing tests already show in pytest's failures).
            seen_elsewhere = [t for n, t in res.details.items()
                              if t.status == "fail" and SEEN_WHILE in n]
            own_failures = any(t.status == "fail" and SEEN_WHILE not in n
                               for n, t in res.details.items())
            if seen_elsewhere and not own_failures:
                first = (seen_elsewhere[0].message or "").splitlines() or [""]
                lines.append(f"fail: {rid} {first[0]}")
                lines.extend(f"    {line}" for line in first[1:8])
                if len(seen_elsewhere) > 1:
                    lines.append(f"    ({len(seen_elsewhere) - 1} more seen by other tests: "
                                 "in the JSON report)")
            for nodeid, t in res.details.items():
                if t.status == "inconclusive":
                    lines.append(f"inconclusive: {rid} {nodeid}: {t.rejected} examples "
                                 "rejected, none checked")
                elif t.status == "not-applicable":
                    lines.append(f"not applicable: {rid} {nodeid.rsplit('::', 1)[-1]}: "
                                 f"{t.message or ''}")
        unobserved = self.unobserved()
        if unobserved:
            how = "fails the run (--strict-expectations)" if self.strict else \
                "strike it off if it is fixed"
            for dev_id in unobserved:
                entry = next(e for e in self.deviations.entries if e.id == dev_id)
                lines.append(f"known deviation not observed: {dev_id} ({entry.describe()}): "
                             f"{how}")
        for name, note in self.notes.items():
            lines.append(f"adapter note ({name}): {note}")
        if self.leftovers:
            lines.append(f"adapter left {len(self.leftovers)} thread"
                         f"{'s' if len(self.leftovers) != 1 else ''} running: "
                         + ", ".join(self.leftovers[:10]))
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite_version": SUITE_VERSION,
            "implementation": {"name": self.implementation, "version": self.version},
            "profile": self.profile,
            "python": platform.python_version(),
            "timeout": self.timeout,
            "exit_status": self.exit_code(),
            "statuses": dict(MEANINGS),
            "adapter_errors": self.adapter_errors,
            "errored": [{"rule": rid, "test": nodeid, "message": t.message,
                         "scenario": t.scenario} for rid, nodeid, t in self.errored()],
            "capability_notes": dict(self.notes),
            "expectations": self.deviations.source,
            "known_deviations": {
                e.id: {"rule": e.rule, "kind": e.kind,
                       "where": {k: sorted(v) for k, v in e.where.items()},
                       "seen": self.seen()[e.id], "reason": e.reason,
                       "intermittent": e.intermittent}
                for e in self.deviations.entries},
            "unobserved_deviations": self.unobserved(),
            "leftover_threads": self.leftovers,
            "rules": {
                rid: {
                    "status": res.status,
                    "examples": res.examples,
                    "checked": res.total("checked"),
                    "rejected": res.total("rejected"),
                    "shrink_attempts": res.total("shrinks"),
                    "seconds": round(sum(t.seconds for t in res.details.values()), 4),
                    "tests": res.tests,
                    "details": {n: t.to_json() for n, t in res.details.items()},
                    "messages": res.messages,
                    "not_applicable_reasons": res.reasons,
                    "known_deviations": dict(res.known),
                }
                for rid, res in self.results.items()
            },
        }

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
