"""Violations of one rule seen while another rule's test ran, reported under their own rule.

Every rule test runs whole scenarios through the checker, which judges every rule at once; a
test keeps its own rule's violations for Hypothesis to shrink. The others are not dropped: the
first of each rule (per test) is kept on the test item with the scenario that showed it, travels
to the controller in the test report, and is recorded there as a failing entry of its own rule
(named ``<test> (seen while checking R<n>)``), with the violation and the replay command. It is
not shrunk; replaying it (or the rule's own tests, which search the same space) gives the rest.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Sequence
from typing import Any, Final

from .model import Scenario
from .violations import Violation

__all__ = ["PROPERTY", "SEEN_WHILE", "note", "property_value", "recorded"]

#: The test report's user property that carries them.
PROPERTY: Final = "incidental"
#: What marks such an entry's test id in the summary.
SEEN_WHILE: Final = " (seen while checking "


def note(node: Any, rule: str, incidental: Sequence[tuple[Scenario, Violation]],
         impl: str) -> None:
    """Keep, on the test item, the first violation of each other rule and its scenario."""
    kept: dict[str, dict[str, str]] = getattr(node, "conformance_incidental", None) or {}
    for scenario, violation in incidental:
        other = violation.rule
        if other is None or other == rule or other in kept:
            continue
        dumped = scenario.dumps()
        replay = (f"python -m conformance replay --impl {shlex.quote(impl)} --rule {other} "
                  f"{shlex.quote(dumped)}")
        kept[other] = {
            "message": (f"{violation} [{violation.signature}]\n"
                        f"seen while checking {rule} (not shrunk; the rule's own tests search "
                        f"for a smaller case)\nReplay: {replay}"),
            "scenario": dumped,
        }
    node.conformance_incidental = kept


def property_value(node: Any) -> str:
    """The report property's value for a test item (JSON; empty object when none)."""
    return json.dumps(getattr(node, "conformance_incidental", None) or {})


def recorded(value: object, nodeid: str, rule: str
             ) -> Iterator[tuple[str, str, str, str]]:
    """From a report property's value: (other rule, entry id, message, scenario JSON)."""
    if not isinstance(value, str) or not value:
        return
    try:
        kept = json.loads(value)
    except ValueError:
        return
    if not isinstance(kept, dict):
        return
    for other, info in sorted(kept.items()):
        if isinstance(info, dict):
            yield (str(other), f"{nodeid}{SEEN_WHILE}{rule})", str(info.get("message", "")),
                   str(info.get("scenario", "")))
