"""``langchain_core.outputs.generation``: one text answer, at the same path."""

from reference.outputs._outputs import Generation, GenerationChunk

__all__ = ["Generation", "GenerationChunk"]
