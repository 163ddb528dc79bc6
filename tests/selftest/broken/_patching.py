"""Patches of the reference engine that are active only while a broken adapter works.

A broken adapter's patches are applied when the first of its calls (``build``, ``invoke``,
``ainvoke``) starts and removed when the last one ends. Calls may overlap: the suite's isolation
property (R12) invokes one chain from two threads or two asyncio tasks at once, and nested
``unittest.mock.patch`` contexts entered and left out of order would restore the wrong value. So
activation is reference-counted under one process-wide lock, and two different patch sets are
never active together.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from unittest import mock

__all__ = ["Patch", "PatchSet", "everywhere"]

#: (object, attribute name, replacement)
Patch = tuple[Any, str, Any]

_LOCK = threading.Lock()
_active: PatchSet | None = None
_depth = 0
_stack: contextlib.ExitStack | None = None


class PatchSet:
    """The patches one broken engine needs, made fresh by ``factory`` at each activation."""

    def __init__(self, owner: str, factory: Callable[[], Iterable[Patch]]) -> None:
        self.owner = owner
        self._factory = factory

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        global _active, _depth, _stack
        with _LOCK:
            if _active is not None and _active is not self:
                raise RuntimeError(f"patches of {_active.owner} are active; cannot apply "
                                   f"{self.owner}'s at the same time")
            if _depth == 0:
                stack = contextlib.ExitStack()
                try:
                    for target, attr, value in self._factory():
                        stack.enter_context(mock.patch.object(target, attr, value))
                except BaseException:
                    stack.close()
                    raise
                _stack, _active = stack, self
            _depth += 1
        try:
            yield
        finally:
            with _LOCK:
                _depth -= 1
                if _depth == 0:
                    assert _stack is not None
                    _stack.close()
                    _stack, _active = None, None


def everywhere(original: Any, replacement: Any) -> list[Patch]:
    """Patches replacing ``original`` in every loaded ``reference`` module that binds it.

    The engine imports its helpers by name (``from ._config import resolve_config``), so a
    function has to be replaced in each module that holds it, not only where it is defined.
    """
    out: list[Patch] = []
    for name, module in sorted(sys.modules.items()):
        if module is None or not (name == "reference" or name.startswith("reference.")):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                out.append((module, attr, replacement))
    if not out:
        raise RuntimeError(f"{original!r} is bound in no reference module")
    return out


def is_active() -> bool:
    """Whether any broken engine's patches are applied right now (for leak checks)."""
    with _LOCK:
        return _active is not None
