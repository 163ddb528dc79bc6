"""A model call's ``stop`` and keywords, handed to the run's body only when the call has them.

Bodies keep their ``(input, frame)`` signature for the common call without options, so code
that wraps or replaces them (tests, instrumentation) keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

__all__ = ["with_options"]


def with_options(method: Callable[..., Any], input: Any, stop: list[str] | None,
                 kwargs: dict[str, Any]) -> Callable[..., Any]:
    """``method(input, frame)``, plus ``stop=`` and ``kwargs=`` if the call passed any."""
    if stop is None and not kwargs:
        return partial(method, input)
    return partial(method, input, stop=stop, kwargs=kwargs)
