"""A violation: one way an observation breaks one SPEC.md rule."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Violation"]


@dataclass(frozen=True)
class Violation:
    """One way the observation breaks the spec. ``rule`` is None for a crash of the engine that
    makes every rule impossible to judge."""

    rule: str | None
    message: str
    handler: str | None = None
    run: str | None = None

    def __str__(self) -> str:
        where = " ".join(
            p for p in (f"[{self.rule}]" if self.rule else "[crash]",
                        f"handler {self.handler}" if self.handler else "",
                        f"run {self.run!r}" if self.run else "") if p
        )
        return f"{where}: {self.message}"
