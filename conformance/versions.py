"""Release numbers read from version strings, for comparing and sorting implementations."""

from __future__ import annotations

__all__ = ["version_numbers"]


def version_numbers(version: str) -> tuple[int, ...]:
    """The leading numeric parts: ``"0.3.86rc1"`` -> ``(0, 3, 86)``, ``"dev"`` -> ``()``."""
    out: list[int] = []
    for part in version.split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        if not digits:
            break
        out.append(int(digits))
    return tuple(out)
