"""A model call's ``stop`` and keywords, handed to the run's body only when the call has them.

Bodies keep their ``(input, frame)`` signature for the common call without options, so code
that wraps or replaces them (tests, instrumentation) keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

__all__ = ["with_options"]

T = TypeVar("T")


def with_options(method: Callable[..., T], stop: list[str] | None, kwargs: dict[str, Any],
                 *leading: Any) -> Callable[..., T]:
    """``method`` with ``leading`` arguments bound (a stream body's input), plus ``stop=`` and
    ``kwargs=`` if the call passed any; ``method`` itself when there is nothing to bind."""
    if stop is None and not kwargs:
        return partial(method, *leading) if leading else method
    return partial(method, *leading, stop=stop, kwargs=kwargs)
