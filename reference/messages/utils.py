"""``langchain_core.messages.utils``: converting, filtering, merging and trimming lists of
messages, at the same path."""

from reference.messages._convert import (
    AnyMessage,
    MessageLikeRepresentation,
    convert_to_messages,
    message_chunk_to_message,
    messages_from_dict,
)
from reference.messages._messages import get_buffer_string
from reference.messages._utils import filter_messages, merge_message_runs, trim_messages

__all__ = [
    "AnyMessage",
    "MessageLikeRepresentation",
    "convert_to_messages",
    "filter_messages",
    "get_buffer_string",
    "merge_message_runs",
    "message_chunk_to_message",
    "messages_from_dict",
    "trim_messages",
]
