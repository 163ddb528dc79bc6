"""Runnables: composable units of work, and their configuration."""

from reference.runnables._addable import AddableDict, aadd, add
from reference.runnables._assign import RunnableAssign, RunnablePick
from reference.runnables._base import Runnable, coerce_to_runnable
from reference.runnables._binding import RunnableBinding
from reference.runnables._branch import RunnableBranch
from reference.runnables._config import (
    RunnableConfig,
    ensure_config,
    get_config_list,
    merge_configs,
    patch_config,
)
from reference.runnables._configurable_specs import (
    ConfigurableField,
    ConfigurableFieldMultiOption,
    ConfigurableFieldSingleOption,
    ConfigurableFieldSpec,
)
from reference.runnables._each import RunnableEach
from reference.runnables._executor import run_in_executor
from reference.runnables._fallbacks import RunnableWithFallbacks
from reference.runnables._generator import RunnableGenerator
from reference.runnables._history import RunnableWithMessageHistory
from reference.runnables._lambda import RunnableLambda, chain
from reference.runnables._parallel import RunnableParallel
from reference.runnables._passthrough import RunnablePassthrough
from reference.runnables._retry import RunnableRetry
from reference.runnables._router import RouterInput, RouterRunnable
from reference.runnables._sequence import RunnableSequence
from reference.runnables._serializable import RunnableSerializable

RunnableMap = RunnableParallel

__all__ = [
    "AddableDict",
    "ConfigurableField",
    "ConfigurableFieldMultiOption",
    "ConfigurableFieldSingleOption",
    "ConfigurableFieldSpec",
    "RouterInput",
    "RouterRunnable",
    "Runnable",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableConfig",
    "RunnableEach",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableMap",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableSerializable",
    "RunnableWithFallbacks",
    "RunnableWithMessageHistory",
    "aadd",
    "add",
    "chain",
    "coerce_to_runnable",
    "ensure_config",
    "get_config_list",
    "merge_configs",
    "patch_config",
    "run_in_executor",
]
