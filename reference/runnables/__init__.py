"""Runnables: composable units of work, and their configuration."""

from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._config import RunnableConfig, ensure_config, merge_configs
from reference.runnables._lambda import RunnableLambda
from reference.runnables._parallel import RunnableParallel
from reference.runnables._passthrough import RunnablePassthrough
from reference.runnables._sequence import RunnableSequence

RunnableMap = RunnableParallel

__all__ = [
    "Runnable",
    "RunnableBinding",
    "RunnableConfig",
    "RunnableLambda",
    "RunnableMap",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnableSequence",
    "coerce_to_runnable",
    "ensure_config",
    "merge_configs",
]
