"""``langchain_core.output_parsers.base``'s parser bases, at the same path."""

from reference.output_parsers._base import (
    BaseGenerationOutputParser,
    BaseLLMOutputParser,
    BaseOutputParser,
)

__all__ = ["BaseGenerationOutputParser", "BaseLLMOutputParser", "BaseOutputParser"]
