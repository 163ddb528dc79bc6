"""A violation: one way an observation breaks one SPEC.md rule, with a stable signature.

The signature (rule, kind, facts) is what an expectation file matches to mark a violation as a
known deviation (see :mod:`conformance.deviations`): the *kind* comes from a small vocabulary per
rule (SPEC.md §5 lists it), the *facts* say what makes it happen — the node kind and run type of
the run, the invocation mode, the routes that put the handler there, the list or manager form —
so that a second, different deviation under the same rule never hides behind a first one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["Violation"]


@dataclass(frozen=True)
class Violation:
    """One way the observation breaks the spec. ``rule`` is None for a crash of the engine that
    makes every rule impossible to judge."""

    rule: str | None
    message: str
    handler: str | None = None
    run: str | None = None
    #: What kind of violation (see the module docstring); stable across runs and versions.
    kind: str = "unspecified"
    #: Structural facts, as sorted (name, value) pairs: ``mode``, ``node``, ``run_type``,
    #: ``routes``, ``form``, ``parent`` (the node kind of the run's parent), ``method``.
    facts: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        where = " ".join(
            p for p in (f"[{self.rule}]" if self.rule else "[crash]",
                        f"handler {self.handler}" if self.handler else "",
                        f"run {self.run!r}" if self.run else "") if p
        )
        return f"{where}: {self.message}"

    @property
    def signature(self) -> str:
        """``R15 serialized-none (mode=invoke, node=sequence, run_type=chain, ...)``."""
        facts = ", ".join(f"{k}={v}" for k, v in self.facts)
        return f"{self.rule or 'crash'} {self.kind}" + (f" ({facts})" if facts else "")

    def fact(self, name: str) -> str | None:
        return dict(self.facts).get(name)

    def with_facts(self, **facts: str) -> Violation:
        merged = dict(self.facts)
        merged.update({k: v for k, v in facts.items() if k not in merged})
        return replace(self, facts=tuple(sorted(merged.items())))
