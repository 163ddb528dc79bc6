"""What prompt templates share: a ``prompt`` run (a chain run with ``run_type="prompt"``)."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, Final, Union

from typing_extensions import Self

from reference.prompt_values import PromptValue
from reference.runnables._base import ReassignableTagsMetadata
from reference.runnables._config import RunnableConfig
from reference.runnables._lifecycle import ACHAIN, CHAIN, arun, run
from reference.runnables._serializable import RunnableSerializable

__all__ = ["BasePromptTemplate"]

#: The start's extra keyword: langchain_core's prompts say ``run_type="prompt"``.
PROMPT_RUN: Final = {"run_type": "prompt"}


class BasePromptTemplate(ReassignableTagsMetadata, RunnableSerializable[Any, PromptValue]):
    """A template: ``invoke(dict)`` formats a prompt value in one ``prompt`` run.

    Subclasses set ``input_variables`` and implement ``_format(input, rm)``
    (``_aformat`` defaults to it). As in langchain_core, a user subclass is
    built with keyword fields (``MyPrompt(input_variables=["x"])``).
    ``partial_variables`` are values (or functions called at each format) filled in
    before the caller's: ``partial(**values)`` makes a copy with more of them.
    """

    @property
    def InputType(self) -> Any:
        """The template's variables, by name."""
        return dict[str, Any]

    @property
    def OutputType(self) -> Any:
        """A string or chat prompt value."""
        from reference.prompt_values import ChatPromptValue, StringPromptValue

        return Union[StringPromptValue, ChatPromptValue]  # noqa: UP007

    _constructor_scope: ClassVar[bool] = True
    input_variables: list[str]
    optional_variables: list[str] = []
    partial_variables: dict[str, Any] = {}

    def partial(self, **values: Any) -> Self:
        """A copy of this prompt with ``values`` filled in: no longer input variables."""
        new = copy.copy(self)
        new.partial_variables = {**self.partial_variables, **values}
        new.input_variables = sorted(set(self.input_variables) - set(values))
        return new

    def _with_partials(self, values: dict[str, Any]) -> dict[str, Any]:
        """The partial variables (a function's result for a function) under the caller's."""
        if not self.partial_variables:
            return values
        partials = {k: v() if callable(v) else v for k, v in self.partial_variables.items()}
        return {**partials, **values}

    def _variables(self, input: Any) -> dict[str, Any]:
        """The input as variables: a dict, or the one variable's value."""
        if isinstance(input, dict):
            return input
        if len(self.input_variables) != 1:
            raise TypeError(
                f"{type(self).__name__} expects a dict with keys {self.input_variables}, "
                f"got {type(input).__name__}"
            )
        return {self.input_variables[0]: input}

    def _missing(self, values: dict[str, Any]) -> None:
        missing = [v for v in self.input_variables if v not in values]
        if missing:
            raise KeyError(
                f"{type(self).__name__} is missing input variables {missing}; "
                f"expected {self.input_variables}, got {sorted(values)}"
            )

    def _format(self, input: Any, rm: Any = None) -> PromptValue:
        raise NotImplementedError

    async def _aformat(self, input: Any, rm: Any = None) -> PromptValue:
        return self._format(input)

    def invoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> PromptValue:
        return run(self, self._format, input, config, CHAIN, extra=PROMPT_RUN)

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> PromptValue:
        return await arun(self, self._aformat, input, config, ACHAIN, extra=PROMPT_RUN)
