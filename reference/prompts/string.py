"""``langchain_core.prompts.string``'s names, at the same path."""

from reference.prompts._string import StringPromptTemplate, get_template_variables

__all__ = ["StringPromptTemplate", "get_template_variables"]
