"""Model output types."""

from reference.outputs._outputs import (
    ChatGeneration,
    ChatGenerationChunk,
    Generation,
    GenerationChunk,
    LLMResult,
)

__all__ = ["ChatGeneration", "ChatGenerationChunk", "Generation", "GenerationChunk", "LLMResult"]
