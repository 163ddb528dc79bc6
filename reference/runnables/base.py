"""``langchain_core.runnables.base``'s public names, at the same path."""

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._configurable_specs import ConfigurableField, ConfigurableFieldSpec
from reference.runnables._each import RunnableEach
from reference.runnables._generator import RunnableGenerator
from reference.runnables._lambda import RunnableLambda, chain
from reference.runnables._parallel import RunnableParallel
from reference.runnables._sequence import RunnableSequence
from reference.runnables._serializable import RunnableSerializable

RunnableMap = RunnableParallel

__all__ = [
    "ConfigurableField",
    "ConfigurableFieldSpec",
    "Runnable",
    "RunnableBinding",
    "RunnableEach",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableMap",
    "RunnableParallel",
    "RunnableSequence",
    "RunnableSerializable",
    "chain",
    "coerce_to_runnable",
]
