"""``PromptTemplate``: format ``{variables}`` into one text prompt (a ``StringPromptValue``);
``StringPromptTemplate``, the base of text prompts a user subclass implements ``format`` for."""

from __future__ import annotations

import string
from typing import Any

from reference.prompt_values import StringPromptValue
from reference.prompts._base import BasePromptTemplate

__all__ = [
    "PromptTemplate",
    "StringPromptTemplate",
    "get_template_variables",
    "template_variables",
]


def template_variables(template: str) -> list[str]:
    """The ``{names}`` of an f-string template, each once, in order of appearance."""
    seen: list[str] = []
    for _, field, _, _ in string.Formatter().parse(template):
        if field and field not in seen:
            seen.append(field)
    return seen


def get_template_variables(template: str, template_format: str) -> list[str]:
    """langchain_core's check of a template's variables: sorted, each a plain name (no
    attribute access, indexing, digits-only name or nested field in a format spec)."""
    if template_format != "f-string":
        raise NotImplementedError(
            f"The reference's prompts support template_format='f-string' only, got "
            f"{template_format!r}"
        )
    names: set[str] = set()
    for _, field, spec, _ in string.Formatter().parse(template):
        if field is None:
            continue
        if "." in field or "[" in field or "]" in field:
            raise ValueError(
                f"Invalid variable name {field!r} in f-string template. Variable names "
                "cannot contain attribute access (.) or indexing ([])."
            )
        if field.isdigit():
            raise ValueError(
                f"Invalid variable name {field!r} in f-string template. Variable names "
                "cannot be all digits as they are interpreted as positional arguments."
            )
        if spec and ("{" in spec or "}" in spec):
            raise ValueError(
                "Invalid format specifier in f-string template. Nested replacement fields "
                "are not allowed."
            )
        names.add(field)
    return sorted(names)


class StringPromptTemplate(BasePromptTemplate):
    """A text prompt: subclasses implement ``format(**values) -> str``."""

    def format(self, **kwargs: Any) -> str:
        raise NotImplementedError(f"{type(self).__name__} must implement format(**kwargs)")

    async def aformat(self, **kwargs: Any) -> str:
        return self.format(**kwargs)

    def format_prompt(self, **kwargs: Any) -> StringPromptValue:
        return StringPromptValue(self.format(**kwargs))

    def _format(self, input: Any, rm: Any = None) -> StringPromptValue:
        values = self._with_partials(self._variables(input))
        self._missing(values)
        return self.format_prompt(**values)


class PromptTemplate(StringPromptTemplate):
    """An f-string template (``"Tell me about {topic}"``) run as a ``prompt`` run."""

    template: str

    def __init__(
        self,
        template: str,
        input_variables: list[str] | None = None,
        *,
        partial_variables: dict[str, Any] | None = None,
        name: str | None = None,
        callbacks: Any = None,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        verbose: bool = False,  # accepted and ignored, as langchain_core's is
    ) -> None:
        if not isinstance(template, str):
            raise TypeError(f"template must be a str, got {type(template).__name__}")
        self.template = template
        self.partial_variables = dict(partial_variables or {})
        if input_variables is None:  # the template's, less those filled in already
            input_variables = [v for v in template_variables(template)
                               if v not in self.partial_variables]
        self.input_variables = sorted(input_variables)  # sorted, as langchain_core's
        self._init_scope(name, callbacks, tags, metadata)

    def _reconfigured(self, changed: frozenset[str]) -> None:
        if "template" in changed:  # a configured template brings its own variables
            self.input_variables = sorted(v for v in template_variables(self.template)
                                          if v not in self.partial_variables)

    @classmethod
    def from_template(cls, template: str, **kwargs: Any) -> PromptTemplate:
        """The template, its variables read from it."""
        return cls(template, **kwargs)

    def __add__(self, other: Any) -> PromptTemplate:
        """The two templates joined (a str is a template too); the variables and partial
        variables of both (a variable filled in by both is an error)."""
        if isinstance(other, str):
            other = PromptTemplate.from_template(other)
        if not isinstance(other, PromptTemplate):
            raise NotImplementedError(f"Cannot add a {type(other).__name__} to a PromptTemplate")
        twice = sorted(set(self.partial_variables) & set(other.partial_variables))
        if twice:
            raise ValueError(f"Both prompts fill in the partial variable(s) {twice}")
        return PromptTemplate(
            self.template + other.template,
            input_variables=sorted({*self.input_variables, *other.input_variables}),
            partial_variables={**self.partial_variables, **other.partial_variables},
        )

    def format(self, **values: Any) -> str:
        values = self._with_partials(values)
        self._missing(values)
        return self.template.format(**values)

    def _format(self, input: Any, rm: Any = None) -> StringPromptValue:
        return StringPromptValue(self.format(**self._variables(input)))
