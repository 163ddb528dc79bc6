"""``langchain_core.runnables.utils``'s names scenarios meet: the configurable field types,
:class:`AddableDict` (the chunks streamed dict outputs are made of) and the ``Input`` /
``Output`` type variables, at the same path."""

from reference.runnables._addable import AddableDict, aadd, add
from reference.runnables._base import Input, Output
from reference.runnables._configurable_specs import (
    AnyConfigurableField,
    ConfigurableField,
    ConfigurableFieldMultiOption,
    ConfigurableFieldSingleOption,
    ConfigurableFieldSpec,
)

__all__ = [
    "AddableDict",
    "AnyConfigurableField",
    "ConfigurableField",
    "ConfigurableFieldMultiOption",
    "ConfigurableFieldSingleOption",
    "ConfigurableFieldSpec",
    "Input",
    "Output",
    "aadd",
    "add",
]
