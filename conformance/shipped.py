"""The expectation files this project ships (langchain-core's known deviations, per release line),
and which of them matches an installed implementation.

A checkout keeps them in ``expectations/``; a wheel installs them as ``conformance/expectations/``.
Each file says the implementation, the version it was verified with and its release ``line``:
``"0.3"`` covers 0.3.x, ``"latest"`` the major line of its version (1.x for 1.7.2).
"""

from __future__ import annotations

import json
from pathlib import Path

from .versions import version_numbers

__all__ = ["expectation_note", "matching_file", "shipped_dirs"]


def shipped_dirs() -> list[Path]:
    """Where shipped expectation files may be: inside the installed package, or the checkout's
    ``expectations/`` beside the package."""
    here = Path(__file__).resolve().parent
    return [d for d in (here / "expectations", here.parent / "expectations") if d.is_dir()]


def _covers(data: dict[str, object], version: str) -> bool:
    mine = version_numbers(version)
    line = str(data.get("line", ""))
    if line == "latest":
        theirs = version_numbers(str(data.get("version", "")))
        return bool(mine and theirs) and mine[:1] == theirs[:1]
    wanted = version_numbers(line)
    return bool(wanted) and mine[:len(wanted)] == wanted


def matching_file(implementation: str, version: str) -> Path | None:
    """The shipped expectation file for ``implementation`` at ``version``, if there is one."""
    for folder in shipped_dirs():
        for path in sorted(folder.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and data.get("implementation") == implementation \
                    and _covers(data, version):
                return path
    return None


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def expectation_note(implementation: str, version: str) -> str | None:
    """A line for the run's summary when no ``--expectations`` was given but this project ships
    a file of known deviations for the implementation's installed release line."""
    path = matching_file(implementation, version)
    if path is None:
        return None
    try:
        verified = str(json.loads(path.read_text(encoding="utf-8")).get("verified", ""))
    except (OSError, ValueError):
        verified = ""
    # the options the file was verified with (the draws that show its deviations)
    flags = [f for f in verified.split() if f.startswith("--hypothesis-seed")]
    if "--profile default" in verified:
        flags.insert(0, "--profile default")
    return (f"note: {implementation} {version} has known deviations, listed in {_shown(path)}; "
            f"to fail only on new ones: --expectations {_shown(path)}"
            + (f" (verified with {' '.join(flags)})" if flags else ""))
