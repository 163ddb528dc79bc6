"""Which keywords a user's function takes: the one answer for lambdas, generators, listeners
and custom runnables' functions, which get ``config=`` / ``run_manager=`` only if they name it.

A parameter counts whatever its kind (``config``, ``*, config``, ``**config``), as
``inspect.signature(func).parameters`` lists it, which is what langchain_core checks.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import FunctionType
from typing import Any

__all__ = ["parameter_names", "takes_config"]

_VARARGS = inspect.CO_VARARGS
_VARKEYWORDS = inspect.CO_VARKEYWORDS


def parameter_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """The names of ``func``'s parameters (none when Python cannot tell, as for some
    builtins)."""
    if type(func) is FunctionType and not hasattr(func, "__wrapped__") \
            and not hasattr(func, "__signature__"):
        # What inspect.signature says of a plain function, read from its code object: an
        # order of magnitude cheaper, and a chain is built of many functions. The code object
        # lists positional, then keyword-only parameters, then *args' and **kwargs' names.
        code = func.__code__
        flags = code.co_flags
        count = (code.co_argcount + code.co_kwonlyargcount
                 + bool(flags & _VARARGS) + bool(flags & _VARKEYWORDS))
        return code.co_varnames[:count]
    try:
        return tuple(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return ()


def takes_config(func: Callable[..., Any] | None) -> bool:
    """Whether ``func`` is called with ``config=`` (it has a parameter of that name)."""
    return func is not None and "config" in parameter_names(func)
