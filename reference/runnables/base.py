"""``langchain_core.runnables.base``'s public names, at the same path."""

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from typing import Any

from reference.runnables._base import Input, Output, Runnable, coerce_to_runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._configurable_specs import ConfigurableField, ConfigurableFieldSpec
from reference.runnables._each import RunnableEach
from reference.runnables._generator import RunnableGenerator
from reference.runnables._lambda import RunnableLambda, chain
from reference.runnables._parallel import RunnableParallel
from reference.runnables._sequence import RunnableSequence
from reference.runnables._serializable import RunnableSerializable

RunnableMap = RunnableParallel

#: What ``|``, ``RunnableSequence`` and ``RunnableParallel`` accept as a step: a runnable, a
#: function (sync, async, or over an iterator of inputs), or a mapping of such steps.
RunnableLike = (
    Runnable[Input, Output]
    | Callable[[Input], Output]
    | Callable[[Input], Awaitable[Output]]
    | Callable[[Iterator[Input]], Iterator[Output]]
    | Callable[[AsyncIterator[Input]], AsyncIterator[Output]]
    | Mapping[str, Any]
)

__all__ = [
    "ConfigurableField",
    "ConfigurableFieldSpec",
    "Runnable",
    "RunnableBinding",
    "RunnableEach",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableLike",
    "RunnableMap",
    "RunnableParallel",
    "RunnableSequence",
    "RunnableSerializable",
    "chain",
    "coerce_to_runnable",
]
