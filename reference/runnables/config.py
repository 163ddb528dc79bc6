"""``langchain_core.runnables.config``'s public names, at the same path."""

from reference.runnables._config import (
    RunnableConfig,
    ensure_config,
    get_config_list,
    merge_configs,
    patch_config,
)

__all__ = ["RunnableConfig", "ensure_config", "get_config_list", "merge_configs", "patch_config"]
