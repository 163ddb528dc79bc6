"""``langchain_core.runnables.config``'s public names, at the same path."""

from reference.runnables._config import (
    RunnableConfig,
    ensure_config,
    get_async_callback_manager_for_config,
    get_callback_manager_for_config,
    get_config_list,
    merge_configs,
    patch_config,
)
from reference.runnables._executor import (
    ContextThreadPoolExecutor,
    get_executor_for_config,
    run_in_executor,
)

__all__ = [
    "ContextThreadPoolExecutor",
    "RunnableConfig",
    "ensure_config",
    "get_async_callback_manager_for_config",
    "get_callback_manager_for_config",
    "get_config_list",
    "get_executor_for_config",
    "merge_configs",
    "patch_config",
    "run_in_executor",
]
