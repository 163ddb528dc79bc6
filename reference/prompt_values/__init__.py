"""Prompt value types."""

from reference.prompt_values._values import ChatPromptValue, PromptValue, StringPromptValue

__all__ = ["ChatPromptValue", "PromptValue", "StringPromptValue"]
