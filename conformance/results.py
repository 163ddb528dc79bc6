"""Per-rule results, expectation files and the JSON report.

An expectation file is kept by an implementation (like test262's and WPT's): the rules it is known
to break, each with why and a reproduction. The runner turns those into expected failures, so a
CI gate fails on new failures and on unexpected passes (a fixed bug should be struck off the list).
"""

from __future__ import annotations

import json
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .rules import RULES, rule

__all__ = ["MEANINGS", "SEVERITY", "SUITE_VERSION", "Expectations", "ExpectationsError",
           "RuleResult", "Summary", "TestResult", "cut", "select_rules", "worst"]

SUITE_VERSION: Final = "0.1"
STATUSES: Final = ("pass", "fail", "expected-fail", "unexpected-pass", "not-applicable", "errored",
                   "inconclusive")


class ExpectationsError(ValueError):
    """An expectation file that cannot be used, with what to fix."""


@dataclass(frozen=True)
class Expectation:
    """A rule an implementation is known to break: why, how to see it, and in which tests.

    ``tests`` names the rule's tests that fail (function names, e.g.
    ``test_R10_raise_error_handler_reaches_caller_and_closes_runs``); empty means all of them.
    ``may_fail`` names tests that find the deviation only in some draws (a general test, where a
    targeted one in ``tests`` always does): they may pass or fail, so a change of draws does
    not break the gate; any other test of the rule must pass.
    """

    rule: str
    reason: str
    reproduction: str = ""
    tests: tuple[str, ...] = ()
    may_fail: tuple[str, ...] = ()

    def covers(self, test_name: str) -> bool:
        """Is the test function ``test_name`` (of this rule) expected to fail?"""
        if test_name in self.may_fail:
            return False
        return not self.tests or test_name in self.tests


@dataclass(frozen=True)
class Expectations:
    """The rules an implementation is known to fail."""

    implementation: str | None = None
    failing: Mapping[str, Expectation] = field(default_factory=dict)
    source: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> Expectations:
        """Read and validate a JSON expectation file."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ExpectationsError(f"expectation file {p} does not exist") from None
        except json.JSONDecodeError as exc:
            raise ExpectationsError(f"expectation file {p} is not valid JSON: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("rules", {}), dict):
            raise ExpectationsError(
                f"expectation file {p}: expected an object with a 'rules' object, e.g. "
                '{"implementation": "mylib", "rules": {"R5": {"reason": "..."}}}'
            )
        failing: dict[str, Expectation] = {}
        for rule_id, entry in data.get("rules", {}).items():
            try:
                rule(rule_id)
            except KeyError as exc:
                raise ExpectationsError(f"expectation file {p}: {exc.args[0]}") from None
            if not isinstance(entry, dict) or not str(entry.get("reason", "")).strip():
                raise ExpectationsError(
                    f"expectation file {p}: rule {rule_id} needs a non-empty 'reason'"
                )
            status = entry.get("status", "fail")
            if status != "fail":
                raise ExpectationsError(
                    f"expectation file {p}: rule {rule_id}: status must be 'fail', not {status!r}"
                )
            tests = _expected_tests(p, rule_id, entry.get("tests", []), "tests")
            may_fail = _expected_tests(p, rule_id, entry.get("may_fail", []), "may_fail")
            if set(tests) & set(may_fail):
                raise ExpectationsError(
                    f"expectation file {p}: rule {rule_id}: a test is either in 'tests' (always "
                    f"fails) or in 'may_fail', not both: {sorted(set(tests) & set(may_fail))}")
            failing[rule_id] = Expectation(rule_id, str(entry["reason"]),
                                           str(entry.get("reproduction", "")), tests, may_fail)
        impl = data.get("implementation")
        return cls(None if impl is None else str(impl), failing, str(p))


def _expected_tests(path: Path, rule_id: str, names: Any, field: str) -> tuple[str, ...]:
    """Validate a rule's optional ``tests``/``may_fail`` list against the rule's tests."""
    from .traceability import tests_by_rule

    known = [t.rsplit("::", 1)[1] for t in tests_by_rule().get(rule_id, [])]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ExpectationsError(
            f"expectation file {path}: rule {rule_id}: '{field}' must be a list of test names, "
            f"e.g. {known[:1]!r}"
        )
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ExpectationsError(
            f"expectation file {path}: rule {rule_id} lists {unknown!r}, which are not tests of "
            f"{rule_id}; its tests are: {', '.join(known)}"
        )
    return tuple(names)


#: Statuses worst first: a test's phases and a rule's tests combine to the worst of theirs.
SEVERITY: Final = ("errored", "fail", "unexpected-pass", "inconclusive", "expected-fail", "pass",
                   "not-applicable")
#: What each status means (README's table says the same).
MEANINGS: Final[Mapping[str, str]] = {
    "pass": "every selected test ran to a result and the rule held on every example checked",
    "fail": "a test found an example that breaks the rule",
    "expected-fail": "failed as the expectation file says",
    "unexpected-pass": "listed in the expectation file but passed: strike it off",
    "not-applicable": "the adapter lacks a capability the tests need (reason shown)",
    "errored": "the adapter or harness crashed, hung, wrote too much or broke the protocol; "
               "no verdict",
    "inconclusive": "no example could be checked (every one was rejected)",
    "not-run": "not selected (--rule)",
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

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "examples": self.examples, "checked": self.checked,
                "rejected": self.rejected, "shrink_attempts": self.shrinks,
                "message": self.message, "scenario": self.scenario}


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

    def record(self, rule_id: str, nodeid: str, status: str, *, examples: int = 0,
               checked: int = 0, rejected: int = 0, shrinks: int = 0,
               message: str | None = None, scenario: Any = None) -> None:
        """One report of a test (setup, call or teardown): the worst status wins."""
        result = self.results[rule_id]
        test = result.details.get(nodeid)
        if test is None:
            test = result.details[nodeid] = TestResult(status)
        elif worst((test.status, status)) != test.status:
            test.status = status
            test.message = None
        test.examples += examples
        test.checked += checked
        test.rejected += rejected
        test.shrinks += shrinks
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

    def exit_code(self) -> int:
        """0 ok; 1 a rule failed or passed unexpectedly; 2 errored, or only inconclusive."""
        statuses = {res.status for res in self.results.values()}
        if "errored" in statuses:
            return 2
        if statuses & {"fail", "unexpected-pass"}:
            return 1
        return 2 if "inconclusive" in statuses else 0

    def table(self) -> str:
        lines = [f"{'rule':<26} {'status':<16} {'checked':>7} {'rejected':>8}  tests"]
        for r in RULES:
            res = self.results[r.id]
            note = ""
            if res.status == "not-applicable" and res.reasons:
                note = "  (" + res.reasons[0] + ")"
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
            for nodeid, t in res.details.items():
                if t.status == "inconclusive":
                    lines.append(f"inconclusive: {rid} {nodeid}: {t.rejected} examples "
                                 "rejected, none checked")
                elif t.status == "not-applicable":
                    lines.append(f"not applicable: {rid} {nodeid.rsplit('::', 1)[-1]}: "
                                 f"{t.message or ''}")
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
            "leftover_threads": self.leftovers,
            "rules": {
                rid: {
                    "status": res.status,
                    "examples": res.examples,
                    "checked": res.total("checked"),
                    "rejected": res.total("rejected"),
                    "shrink_attempts": res.total("shrinks"),
                    "tests": res.tests,
                    "details": {n: t.to_json() for n, t in res.details.items()},
                    "messages": res.messages,
                    "not_applicable_reasons": res.reasons,
                }
                for rid, res in self.results.items()
            },
        }

    def write(self, path: str | Path) -> None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")
