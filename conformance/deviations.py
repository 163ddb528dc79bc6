"""Known deviations: an implementation's list of the violations it knowingly shows.

A gate must fail on a *new* deviation even under a rule the implementation already breaks, so
the unit of "known" is a violation signature, not a rule: an entry matches a rule, a violation
kind and, optionally, conditions on the violation's facts (see :mod:`conformance.violations`).
The properties mask the violations that match an entry and keep checking the rest; Hypothesis
goes on searching for anything unmatched.

File format (JSON)::

    {"implementation": "mylib",
     "deviations": [
       {"id": "chain-starts-without-serialized",
        "rule": "R15", "kind": "serialized-none", "where": {"run_type": ["chain"]},
        "reason": "one sentence: what the implementation does, and what the spec says",
        "reproduction": "code that shows it", "shows": "what the code prints"}]}

``kind`` may be ``"*"`` (any violation of the rule: coarse, hides every other deviation under
that rule). The earlier rule-level form (``{"rules": {"R5": {"reason": ...}}}``) is read as one
``"*"`` entry per rule.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .rules import RULES
from .violations import FACTS, Violation

__all__ = ["DeviationsError", "KnownDeviation", "KnownDeviations", "entry_for"]

_RULE_IDS = frozenset(r.id for r in RULES)


class DeviationsError(ValueError):
    """An expectation file that cannot be used, with what to fix."""


@dataclass(frozen=True)
class KnownDeviation:
    """One deviation an implementation knowingly shows."""

    id: str
    rule: str
    kind: str
    reason: str
    where: Mapping[str, frozenset[str]] = field(default_factory=dict)
    reproduction: str = ""
    shows: str = ""
    #: Shows only in some runs (timing): never reported as "not observed".
    intermittent: bool = False

    def matches(self, v: Violation) -> bool:
        if v.rule != self.rule or (self.kind != "*" and v.kind != self.kind):
            return False
        return any(all(facts.get(name) in allowed for name, allowed in self.where.items())
                   for facts in v.readings())

    @property
    def coarse(self) -> bool:
        return self.kind == "*"

    def describe(self) -> str:
        where = "; ".join(f"{k} in {sorted(v)}" for k, v in sorted(self.where.items()))
        return f"{self.rule} {self.kind}" + (f" where {where}" if where else "")


@dataclass(frozen=True)
class KnownDeviations:
    """The deviations of one implementation (empty: every violation fails)."""

    implementation: str | None = None
    entries: tuple[KnownDeviation, ...] = ()
    source: str | None = None

    def match(self, v: Violation) -> KnownDeviation | None:
        return next((e for e in self.entries if e.matches(v)), None)

    def split(self, violations: Iterable[Violation]) -> tuple[list[Violation], Counter[str]]:
        """The violations no entry matches, and how often each entry matched."""
        unknown: list[Violation] = []
        seen: Counter[str] = Counter()
        for v in violations:
            entry = self.match(v) if v.rule is not None else None
            if entry is None:
                unknown.append(v)
            else:
                seen[entry.id] += 1
        return unknown, seen

    def of_rule(self, rule: str, seen: Counter[str]) -> Counter[str]:
        """The counts in ``seen`` of entries under ``rule``."""
        rules = {e.id: e.rule for e in self.entries}
        return Counter({k: n for k, n in seen.items() if rules.get(k) == rule})

    def rules(self) -> frozenset[str]:
        return frozenset(e.rule for e in self.entries)

    def not_for(self, adapter_name: str) -> str | None:
        """Why this file must not mask ``adapter_name``'s deviations (it names another
        implementation), or None: another's entries would mask the wrong deviations."""
        if self.implementation in (None, adapter_name):
            return None
        return (f"expectation file {self.source} is for implementation "
                f"{self.implementation!r}, but the adapter is {adapter_name!r}; pass that "
                "implementation's own file")

    @classmethod
    def load(cls, path: str | Path) -> KnownDeviations:
        """Read and validate a JSON expectation file (either form)."""
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DeviationsError(f"expectation file {p} does not exist") from None
        except json.JSONDecodeError as exc:
            raise DeviationsError(f"expectation file {p} is not valid JSON: {exc}") from None
        except (OSError, UnicodeDecodeError) as exc:  # a directory, no permission, binary
            raise DeviationsError(f"expectation file {p} cannot be read: {exc}") from None
        if not isinstance(data, dict):
            raise DeviationsError(f"expectation file {p}: expected a JSON object")
        return cls.from_json(data, str(p))

    @classmethod
    def from_json(cls, data: Mapping[str, Any], source: str = "<expectations>"
                  ) -> KnownDeviations:
        entries: list[KnownDeviation] = []
        deviations = data.get("deviations", [])
        if not isinstance(deviations, list):
            raise DeviationsError(f"{source}: 'deviations' must be a list of entries")
        for i, item in enumerate(deviations):
            entries.append(_entry(item, f"{source}: deviations[{i}]"))
        rules = data.get("rules", {})
        if not isinstance(rules, dict):
            raise DeviationsError(f"{source}: 'rules' must be an object")
        for rule_id, item in rules.items():  # the coarse, rule-level form
            if not isinstance(item, dict):
                raise DeviationsError(f"{source}: rules[{rule_id!r}] must be an object")
            entries.append(_entry({**item, "rule": rule_id, "kind": "*",
                                   "id": item.get("id", f"{rule_id}-any")},
                                  f"{source}: rules[{rule_id!r}]"))
        ids = [e.id for e in entries]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise DeviationsError(f"{source}: deviation ids must be unique: {dupes}")
        impl = data.get("implementation")
        return cls(None if impl is None else str(impl), tuple(entries), source)


def _entry(item: Any, where: str) -> KnownDeviation:
    if not isinstance(item, dict):
        raise DeviationsError(f"{where}: must be an object with rule, kind, reason")
    rule_id = item.get("rule")
    if rule_id not in _RULE_IDS:
        raise DeviationsError(f"{where}: rule {rule_id!r} is not one of "
                              f"{', '.join(sorted(_RULE_IDS, key=lambda r: int(r[1:])))}")
    for name in ("id", "kind", "reason"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            raise DeviationsError(f"{where}: needs a non-empty string {name!r}")
    conditions = item.get("where", {})
    if not isinstance(conditions, dict):
        raise DeviationsError(f"{where}: 'where' must map fact names to values")
    unknown = sorted(set(map(str, conditions)) - FACTS)
    if unknown:
        raise DeviationsError(f"{where}: 'where' names no fact a violation carries: "
                              f"{', '.join(unknown)} (the facts: {', '.join(sorted(FACTS))})")
    parsed: dict[str, frozenset[str]] = {}
    for name, value in conditions.items():
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(x, str) for x in values):
            raise DeviationsError(f"{where}: where[{name!r}] must be a string or a list of "
                                  "strings")
        parsed[str(name)] = frozenset(values)
    return KnownDeviation(
        id=item["id"], rule=rule_id, kind=item["kind"], reason=item["reason"], where=parsed,
        reproduction=str(item.get("reproduction", "")), shows=str(item.get("shows", "")),
        intermittent=bool(item.get("intermittent", False)))


def entry_for(v: Violation, facts: Sequence[str] = ("node", "run_type", "mode")) -> dict[str, Any]:
    """An expectation entry that would mark ``v`` as known (what a failure report prints for a
    maintainer to paste, narrowed by the given facts; widen or narrow before pasting)."""
    where = {name: [value] for name, value in v.facts if name in facts}
    return {"id": f"{(v.rule or 'crash').lower()}-{v.kind}", "rule": v.rule, "kind": v.kind,
            "where": where, "reason": "TODO: one sentence: what the implementation does, and "
                                      "what the spec says", "reproduction": ""}
