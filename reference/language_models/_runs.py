"""The run kinds of models, and what their end (streamed chat runs) and error events carry.

A model run's ``on_llm_error`` gets a ``response=LLMResult(...)`` keyword, as langchain-core
1.8.3 gives it:

- chat models: ``[[]]`` (one empty generation list) for a call that failed, or ``[[g]]`` where
  the failure came with an HTTP response (the error's ``response``: ``g`` an empty reply whose
  ``response_metadata`` has its body, headers and status code, and the error's
  ``request_id``); a stream that had yielded chunks puts them, added up, first
  (``[[chunks], []]``); a stream that yielded none fails with ``generations=[]``;
- LLMs: ``generations=[]``, or ``[[GenerationChunk(the chunks' text)]]`` for a custom
  ``_stream`` that had yielded some.
"""

from __future__ import annotations

from typing import Any, Final

from reference.callbacks._run_managers import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from reference.messages import AIMessage, AIMessageChunk
from reference.messages._merge import best_chunk_id
from reference.messages._usage import sum_chunk_usage
from reference.outputs import ChatGeneration, ChatGenerationChunk, GenerationChunk, LLMResult
from reference.runnables._frame import RunKind

__all__ = [
    "ACHAT",
    "ALLM_RUN",
    "CHAT",
    "LLM_RUN",
    "NO_CHUNKS",
    "added_up",
    "error_generations",
    "no_chunks_error",
    "streamed_result",
]

#: A ``_stream`` that yields nothing fails its run with a ValueError saying this (an empty
#: reply of the reference's own ``_reply`` contract streams no token and ends normally).
NO_CHUNKS: Final = "no chunks came from the model's stream (a streamed reply needs at least one)"
_NO_CHUNKS_MARK: Final = "_reference_no_chunks"


def no_chunks_error() -> ValueError:
    """The error of a stream that yielded no chunk, marked so its error event says so."""
    error = ValueError(NO_CHUNKS)
    setattr(error, _NO_CHUNKS_MARK, True)
    return error


def error_generations(error: BaseException) -> list[ChatGeneration]:
    """What a failed chat call answered: nothing, or, for an error that carries an HTTP
    ``response``, an empty reply describing it."""
    if not hasattr(error, "response"):
        return []
    response = error.response
    described: dict[str, Any] = {}
    if hasattr(response, "json"):
        try:
            described["body"] = response.json()
        except Exception:
            try:
                described["body"] = getattr(response, "text", None)
            except Exception:
                described["body"] = None
    if hasattr(response, "headers"):
        try:
            described["headers"] = dict(response.headers)
        except Exception:
            described["headers"] = None
    if hasattr(response, "status_code"):
        described["status_code"] = response.status_code
    if hasattr(error, "request_id"):
        described["request_id"] = error.request_id
    return [ChatGeneration(message=AIMessage("", response_metadata=described))]


def _chat_error(error: BaseException, chunks: list[Any] | None) -> dict[str, Any]:
    if getattr(error, _NO_CHUNKS_MARK, False):
        return {"response": LLMResult(generations=[])}
    generations: list[list[Any]] = [list(error_generations(error))]
    if chunks:
        generations.insert(0, streamed_result(chunks).generations[0])
    return {"response": LLMResult(generations=generations)}


def _llm_error(error: BaseException, chunks: list[Any] | None) -> dict[str, Any]:
    if chunks:
        return {"response": LLMResult(generations=[[GenerationChunk(text="".join(chunks))]])}
    return {"response": LLMResult(generations=[])}


#: Chat model runs (sync and async): ``on_chat_model_start``, then ``on_llm_*`` events.
CHAT: Final = RunKind(
    start="on_chat_model_start", end="on_chat_model_end", error="on_chat_model_error",
    rm_cls=CallbackManagerForLLMRun, error_keywords=_chat_error,
)
ACHAT: Final = RunKind(
    start="on_chat_model_start", end="on_chat_model_end", error="on_chat_model_error",
    rm_cls=AsyncCallbackManagerForLLMRun, error_keywords=_chat_error,
)
#: LLM runs (sync and async): ``on_llm_*`` events.
LLM_RUN: Final = RunKind(
    start="on_llm_start", end="on_llm_end", error="on_llm_error",
    rm_cls=CallbackManagerForLLMRun, error_keywords=_llm_error,
)
ALLM_RUN: Final = RunKind(
    start="on_llm_start", end="on_llm_end", error="on_llm_error",
    rm_cls=AsyncCallbackManagerForLLMRun, error_keywords=_llm_error,
)


def streamed_result(chunks: list[AIMessageChunk]) -> LLMResult:
    """A streamed chat run's end: its chunks added up (the closing one the stream added left
    out), or an empty reply when there were none."""
    if chunks and getattr(chunks[-1], "_closing", False):
        chunks = chunks[:-1]
    if not chunks:
        return LLMResult(generations=[[ChatGeneration(message=AIMessage(""))]])
    return LLMResult(generations=[[ChatGenerationChunk(message=added_up(chunks))]])


def added_up(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """``chunks[0] + chunks[1] + ...``; in one pass (not one new message per ``+``) for the
    common case of text chunks with no metadata or tool calls to merge."""
    if len(chunks) == 1:
        return chunks[0]
    if not all(isinstance(c.content, str) and not c.additional_kwargs
               and not c.response_metadata and not c.tool_call_chunks for c in chunks):
        merged = chunks[0]
        for c in chunks[1:]:
            merged = merged + c
        return merged
    usage = chunks[0].usage_metadata
    for c in chunks[1:]:
        if usage is not None or c.usage_metadata is not None:
            usage = sum_chunk_usage(usage, c.usage_metadata)
    return AIMessageChunk(
        "".join(c.content for c in chunks),
        id=best_chunk_id([c.id for c in chunks]),
        chunk_position="last" if any(c.chunk_position == "last" for c in chunks) else None,
        usage_metadata=usage,
    )
