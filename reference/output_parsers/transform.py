"""``langchain_core.output_parsers.transform``'s streaming parser bases, at the same path."""

from reference.output_parsers._base import (
    BaseCumulativeTransformOutputParser,
    BaseTransformOutputParser,
)

__all__ = ["BaseCumulativeTransformOutputParser", "BaseTransformOutputParser"]
