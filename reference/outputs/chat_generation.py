"""``langchain_core.outputs.chat_generation``: one chat model answer, at the same path."""

from reference.outputs._outputs import ChatGeneration, ChatGenerationChunk

__all__ = ["ChatGeneration", "ChatGenerationChunk"]
