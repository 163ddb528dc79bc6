"""The suite run inside this process, with some of its functions wrapped: what the tools that
split its time into parts (``suite_costs``, ``example_costs``, ``check_replay``) have in
common."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pytest

from conformance.cli import parse, run_argv

__all__ = ["run_suite", "wrapped"]

Wrap = Callable[[Callable[..., Any]], Callable[..., Any]]


def run_suite(argv: Sequence[str] = (), plugins: Sequence[object] = ()) -> int:
    """``python -m conformance run -n 0 --database none ARGV`` in this process (later options
    win, so ``argv`` may choose another profile); pytest's exit code."""
    args, extra = parse(["run", "-n", "0", "--database", "none", *argv])
    return int(pytest.main(run_argv(args, extra), plugins=list(plugins)))


@contextmanager
def wrapped(*targets: tuple[object, str, Wrap]) -> Iterator[None]:
    """Replace each ``module.name`` by ``wrap(module.name)`` meanwhile; the originals are back
    afterwards, whatever happened. The suite calls these functions through their module, so a
    replacement is what it calls."""
    originals = [(module, name, getattr(module, name)) for module, name, _ in targets]
    try:
        for (module, name, wrap), (_, _, original) in zip(targets, originals, strict=True):
            setattr(module, name, wrap(original))
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
