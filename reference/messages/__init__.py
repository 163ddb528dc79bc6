"""Chat message types."""

from reference.messages._messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    BaseMessageChunk,
    ChatMessage,
    ChatMessageChunk,
    HumanMessage,
    HumanMessageChunk,
    InputTokenDetails,
    OutputTokenDetails,
    SystemMessage,
    SystemMessageChunk,
    ToolCall,
    ToolMessage,
    UsageMetadata,
    get_buffer_string,
)

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "BaseMessage",
    "BaseMessageChunk",
    "ChatMessage",
    "ChatMessageChunk",
    "HumanMessage",
    "HumanMessageChunk",
    "InputTokenDetails",
    "OutputTokenDetails",
    "SystemMessage",
    "SystemMessageChunk",
    "ToolCall",
    "ToolMessage",
    "UsageMetadata",
    "get_buffer_string",
]
