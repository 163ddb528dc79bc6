"""Install the LangChain.js harness for one release line: ``python prepare.py LINE [DEST]``.

LINE is ``latest`` (``package.json`` and ``package-lock.json`` next to this file) or an older
line with its own pair under ``lines/LINE/`` (``0.3``). DEST (default: a cache directory keyed
by the lockfile's hash, ``$CONFORMANCE_CACHE_DIR`` or ``~/.cache/callback-conformance``) gets
that line's package files, ``npm ci`` installs the locked dependencies there unless they already
are, and a copy of ``harness.mjs`` (in DEST; in the cache, in a folder named by its hash).
Prints the harness's path, to run the suite with::

    python -m conformance run \
        --impl "harness:node $(python harnesses/langchainjs/prepare.py latest)"
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
FILES = ("package.json", "package-lock.json")


class PrepareError(RuntimeError):
    """The harness could not be installed (no node/npm, no registry)."""


def source(line: str) -> Path:
    """The directory holding ``line``'s package.json and package-lock.json."""
    where = HERE if line == "latest" else HERE / "lines" / line
    if not (where / "package-lock.json").is_file():
        known = ["latest", *sorted(p.name for p in (HERE / "lines").iterdir() if p.is_dir())]
        raise PrepareError(f"no release line {line!r}; known: {', '.join(known)}")
    return where


def cache_root() -> Path:
    base = os.environ.get("CONFORMANCE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
        "callback-conformance")
    return Path(base)


def prepare(line: str = "latest", dest: Path | None = None) -> Path:
    """The installed harness script for ``line`` (see the module docstring)."""
    src = source(line)
    lock = (src / "package-lock.json").read_bytes()
    script = None
    if dest is None:
        # node_modules shared by every checkout with this lockfile; each version of the harness
        # in its own folder below it (node finds node_modules in a parent folder), so checkouts
        # with different harnesses never overwrite each other's
        dest = cache_root() / f"langchainjs-{hashlib.sha256(lock).hexdigest()[:16]}"
        harness = (HERE / "harness.mjs").read_bytes()
        script = dest / f"harness-{hashlib.sha256(harness).hexdigest()[:12]}" / "harness.mjs"
    dest.mkdir(parents=True, exist_ok=True)
    with _locked(dest / ".prepare.lock"):  # one install at a time (test workers, tox envs)
        installed = _install(src, dest, lock)
        if script is None:
            return installed
        script.parent.mkdir(exist_ok=True)
        shutil.copy2(HERE / "harness.mjs", script)
        return script


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _install(src: Path, dest: Path, lock: bytes) -> Path:
    shutil.copy2(HERE / "harness.mjs", dest / "harness.mjs")
    installed = dest / "node_modules" / ".package-lock.json"
    stale = not installed.is_file() or (dest / "package-lock.json").read_bytes() != lock
    for name in FILES:
        shutil.copy2(src / name, dest / name)
    if stale or not _installed_matches(dest):
        npm = shutil.which("npm")
        if npm is None or shutil.which("node") is None:
            raise PrepareError("node and npm are needed to run the LangChain.js harness")
        proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=dest, capture_output=True, text=True, timeout=600, check=False)
        if proc.returncode != 0:
            raise PrepareError(f"npm ci failed in {dest}: {proc.stderr[-1000:]}")
    return dest / "harness.mjs"


def _installed_matches(dest: Path) -> bool:
    """Whether node_modules holds the @langchain/core version the lockfile pins."""
    try:
        locked = json.loads((dest / "package-lock.json").read_text())
        want = locked["packages"]["node_modules/@langchain/core"]["version"]
        have = json.loads((dest / "node_modules/@langchain/core/package.json").read_text())
    except (OSError, ValueError, KeyError):
        return False
    return bool(have.get("version") == want)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help") or len(argv) > 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        script = prepare(argv[0], Path(argv[1]).resolve() if len(argv) > 1 else None)
    except PrepareError as exc:
        print(f"prepare: {exc}", file=sys.stderr)
        return 1
    print(script)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
