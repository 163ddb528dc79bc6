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

__all__ = ["SUITE_VERSION", "Expectations", "ExpectationsError", "RuleResult", "Summary"]

SUITE_VERSION: Final = "0.1"
STATUSES: Final = ("pass", "fail", "expected-fail", "unexpected-pass", "not-applicable", "error")


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


@dataclass
class RuleResult:
    """What the tests of one rule found."""

    rule: str
    tests: dict[str, str] = field(default_factory=dict)
    examples: int = 0
    messages: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        outcomes = set(self.tests.values())
        for status in ("error", "fail", "unexpected-pass", "expected-fail", "pass"):
            if status in outcomes:
                return status
        return "not-applicable" if outcomes else "not-run"


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

    def record(self, rule_id: str, nodeid: str, status: str, examples: int,
               message: str | None) -> None:
        result = self.results[rule_id]
        result.tests[nodeid] = status
        result.examples += examples
        if message:
            (result.reasons if status == "not-applicable" else result.messages).append(message)

    def table(self) -> str:
        lines = [f"{'rule':<26} {'status':<16} {'examples':>8}  tests"]
        for r in RULES:
            res = self.results[r.id]
            note = ""
            if res.status == "not-applicable" and res.reasons:
                note = "  (" + res.reasons[0] + ")"
            lines.append(f"{r!s:<26} {res.status:<16} {res.examples:>8}  {len(res.tests)}{note}")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "suite_version": SUITE_VERSION,
            "implementation": {"name": self.implementation, "version": self.version},
            "profile": self.profile,
            "python": platform.python_version(),
            "adapter_errors": self.adapter_errors,
            "rules": {
                rid: {
                    "status": res.status,
                    "examples": res.examples,
                    "tests": res.tests,
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
