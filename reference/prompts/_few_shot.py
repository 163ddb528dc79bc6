"""Few-shot prompts: fixed examples formatted by an example prompt around the input.

``FewShotPromptTemplate`` joins a prefix, the formatted examples and a suffix
into one text prompt; ``FewShotChatMessagePromptTemplate`` gives each example's
messages (a part of a ``ChatPromptTemplate`` or a prompt of its own). Both run as
``prompt`` runs named after their class, as langchain_core's. Example selectors
(examples chosen per input) are not offered.
"""

from __future__ import annotations

from typing import Any

from reference.messages import BaseMessage, get_buffer_string
from reference.prompts._chat import BaseChatPromptTemplate
from reference.prompts._message import BaseMessagePromptTemplate
from reference.prompts._string import PromptTemplate, StringPromptTemplate, get_template_variables

__all__ = ["FewShotChatMessagePromptTemplate", "FewShotPromptTemplate"]

_SCOPE = ("name", "callbacks", "tags", "metadata")


def _examples(examples: Any, example_selector: Any) -> list[dict[str, Any]]:
    """The fixed examples; a selector is refused saying so."""
    if example_selector is not None:
        raise NotImplementedError(
            "The reference's few-shot prompts take fixed examples= only: example selectors "
            "are not supported"
        )
    if examples is None:
        raise ValueError("One of 'examples' and 'example_selector' should be provided")
    return list(examples)


def _pick(examples: list[dict[str, Any]], variables: list[str]) -> list[dict[str, Any]]:
    """Each example restricted to the example prompt's variables (a missing one: KeyError)."""
    return [{k: e[k] for k in variables} for e in examples]


class FewShotPromptTemplate(StringPromptTemplate):
    """``prefix``, each example formatted by ``example_prompt`` and ``suffix``, joined by
    ``example_separator``; the variables are those of prefix and suffix (sorted)."""

    def __init__(
        self,
        *,
        example_prompt: PromptTemplate,
        suffix: str,
        examples: list[dict[str, Any]] | None = None,
        example_selector: Any = None,
        prefix: str = "",
        example_separator: str = "\n\n",
        input_variables: list[str] | None = None,
        template_format: str = "f-string",
        validate_template: bool = False,
        **scope: Any,
    ) -> None:
        if not isinstance(example_prompt, PromptTemplate):
            raise TypeError(
                f"example_prompt must be a PromptTemplate, got {type(example_prompt).__name__}"
            )
        unknown = sorted(set(scope) - set(_SCOPE))
        if unknown:
            raise TypeError(f"FewShotPromptTemplate() got unknown argument(s) {unknown}")
        self.examples = _examples(examples, example_selector)
        self.example_selector = None
        self.example_prompt = example_prompt
        self.suffix, self.prefix, self.example_separator = suffix, prefix, example_separator
        self.template_format, self.validate_template = template_format, validate_template
        found = get_template_variables(prefix + suffix, template_format)
        if validate_template:
            given = example_prompt.input_variables if input_variables is None else input_variables
            if any(v not in given for v in found):
                raise ValueError(
                    "Invalid prompt schema; check for mismatched or missing input parameters "
                    f"from {given}."
                )
            self.input_variables = list(given)
        else:  # langchain_core reads them from prefix and suffix, whatever was given
            self.input_variables = found
        self._init_scope(*(scope.get(k) for k in _SCOPE))

    def format(self, **kwargs: Any) -> str:
        """The joined text formatted with ``kwargs`` (as langchain_core, the examples' text
        is formatted too, so braces in it are fields)."""
        shown = [self.example_prompt.format(**e)
                 for e in _pick(self.examples, self.example_prompt.input_variables)]
        pieces = [self.prefix, *shown, self.suffix]
        return self.example_separator.join(p for p in pieces if p).format(**kwargs)


class FewShotChatMessagePromptTemplate(BaseChatPromptTemplate):
    """Each example's messages from ``example_prompt`` (a message prompt template or a chat
    prompt); its own ``input_variables`` default to none."""

    def __init__(
        self,
        *,
        example_prompt: BaseMessagePromptTemplate | BaseChatPromptTemplate,
        examples: list[dict[str, Any]] | None = None,
        example_selector: Any = None,
        input_variables: list[str] | None = None,
        **scope: Any,
    ) -> None:
        if not isinstance(example_prompt, (BaseMessagePromptTemplate, BaseChatPromptTemplate)):
            raise TypeError(
                "example_prompt must be a message prompt template or a chat prompt template, "
                f"got {type(example_prompt).__name__}"
            )
        unknown = sorted(set(scope) - set(_SCOPE))
        if unknown:
            raise TypeError(
                f"FewShotChatMessagePromptTemplate() got unknown argument(s) {unknown}"
            )
        self.examples = _examples(examples, example_selector)
        self.example_selector = None
        self.example_prompt = example_prompt
        self.input_variables = list(input_variables or [])
        self._init_scope(*(scope.get(k) for k in _SCOPE))

    def format_messages(self, **kwargs: Any) -> list[BaseMessage]:
        return [m for e in _pick(self.examples, self.example_prompt.input_variables)
                for m in self.example_prompt.format_messages(**e)]

    def format(self, **kwargs: Any) -> str:
        return get_buffer_string(self.format_messages(**kwargs))
