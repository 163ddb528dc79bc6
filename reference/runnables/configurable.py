"""``langchain_core.runnables.configurable``'s public names, at the same path."""

from reference.runnables._configurable import (
    DynamicRunnable,
    RunnableConfigurableAlternatives,
    RunnableConfigurableFields,
)

__all__ = ["DynamicRunnable", "RunnableConfigurableAlternatives", "RunnableConfigurableFields"]
