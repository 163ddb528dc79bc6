"""``langchain_core.messages.ai``: the model's message, its chunks and token usage."""

from reference.messages._messages import AIMessage, AIMessageChunk
from reference.messages._usage import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
    add_usage,
    subtract_usage,
)

__all__ = ["AIMessage", "AIMessageChunk", "InputTokenDetails", "OutputTokenDetails",
           "UsageMetadata", "add_usage", "subtract_usage"]
