"""The catalogue of SPEC.md rules: ids, slugs and one-line titles, in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["RULES", "Rule", "rule", "rule_of_test"]


@dataclass(frozen=True)
class Rule:
    """One numbered rule of SPEC.md; ``id`` is the stable anchor tests carry in their names."""

    id: str
    slug: str
    title: str

    @property
    def anchor(self) -> str:
        return f"SPEC.md#{self.id.lower()}-{self.slug}"

    def __str__(self) -> str:
        return f"{self.id} {self.slug}"


RULES: Final[tuple[Rule, ...]] = (
    Rule("R1", "runtime-reach", "runtime handlers reach every run of the invocation's tree"),
    Rule("R2", "bound-reach", "bound handlers reach exactly the bound object's subtree"),
    Rule("R3", "constructor-locality", "constructor handlers see only their object's own runs"),
    Rule("R4", "additivity", "routes add up; no registration drops another's handlers"),
    Rule("R5", "once-per-handler", "a handler receives each event of a run exactly once"),
    Rule("R6", "run-identity", "unique ids, shared ids across handlers, correct parent links"),
    Rule("R7", "order", "start before children, terminal after them; sequence order"),
    Rule("R8", "errors", "failure is reported by the run and every ancestor it passes through"),
    Rule("R9", "transparency", "handlers never change outputs or raised exceptions"),
    Rule("R10", "handler-faults", "a raising handler neither stops the run nor starves others"),
    Rule("R11", "mode-parity", "every invocation mode builds the same trees"),
    Rule("R12", "isolation", "concurrent invocations never see each other's runs"),
    Rule("R13", "tags-metadata", "tags and metadata follow the routes and scopes of handlers"),
    Rule("R14", "root-config", "run_name and run_id given at run time apply to the root only; "
         "a bound run_name to the bound object's run only"),
    Rule("R15", "handler-interface", "each call goes through its run type's method and carries "
                                     "the run's name, inputs, outputs, error and tokens"),
)

_BY_ID: Final[dict[str, Rule]] = {r.id: r for r in RULES}


def rule(rule_id: str) -> Rule:
    """Look a rule up by id (``"R4"``); a typo is a KeyError naming the valid ids."""
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; valid: {', '.join(_BY_ID)}") from None


_IN_TEST_NAME: Final = re.compile(r"(?:^|::)test_(R\d+)_")


def rule_of_test(name: str) -> str | None:
    """The rule a suite test checks, from its name, where the id is written once: ``test_R4_...``
    (or a pytest node id ending in such a name); None for any other name."""
    m = _IN_TEST_NAME.search(name)
    return m.group(1) if m else None
