"""Model outputs handed to ``on_llm_end`` and ``on_llm_new_token``."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import UUID

from reference._model import Record
from reference.messages import BaseMessage

__all__ = [
    "ChatGeneration",
    "ChatGenerationChunk",
    "ChatResult",
    "Generation",
    "GenerationChunk",
    "LLMResult",
    "RunInfo",
]


class Generation(Record):
    """One text completion."""

    _fields: ClassVar[tuple[tuple[str, Any], ...]] = (("text", ""), ("generation_info", None))
    _always = frozenset({"text"})
    #: The class's name as langchain_core's ``type`` field gives it (a text chunk's is
    #: ``"Generation"`` too); serialized generations carry it.
    type: ClassVar[str] = "Generation"

    def __init__(self, text: str = "", generation_info: dict[str, Any] | None = None) -> None:
        self.text = text
        self.generation_info = generation_info


class GenerationChunk(Generation):
    """A streamed piece of a ``Generation``."""

    def __add__(self, other: GenerationChunk) -> GenerationChunk:
        return GenerationChunk(text=self.text + other.text)


class ChatGeneration(Generation):
    """One chat completion; ``text`` mirrors the message content."""

    _fields = (("text", ""), ("message", None), ("generation_info", None))
    type: ClassVar[str] = "ChatGeneration"

    def __init__(
        self, message: BaseMessage, generation_info: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message.text, generation_info)
        self.message = message


class ChatGenerationChunk(ChatGeneration):
    """A streamed piece of a ``ChatGeneration``."""

    type: ClassVar[str] = "ChatGenerationChunk"

    def __add__(self, other: ChatGenerationChunk) -> ChatGenerationChunk:
        return ChatGenerationChunk(message=self.message + other.message)


class RunInfo(Record):
    """Which run answered one input of ``generate`` (an ``LLMResult.run`` item)."""

    _fields = (("run_id", None),)
    _always = frozenset({"run_id"})

    def __init__(self, *, run_id: UUID) -> None:
        self.run_id = run_id


class LLMResult(Record):
    """Everything a model run produced: one list of generations per prompt; ``run``, the
    ``RunInfo`` of each prompt's run (``generate`` fills it in), takes no part in ``==``."""

    _fields = (("generations", []), ("llm_output", None), ("run", None))
    _always = frozenset({"generations", "llm_output", "run"})

    def __init__(
        self,
        generations: list[list[Generation]],
        llm_output: dict[str, Any] | None = None,
        run: Any = None,
    ) -> None:
        self.generations = generations
        self.llm_output = llm_output
        self.run = run

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self.generations == other.generations
                    and self.llm_output == other.llm_output)


class ChatResult(Record):
    """What a chat model's ``_generate`` returns: its generations for one prompt."""

    _fields = (("generations", []), ("llm_output", None))
    _always = frozenset({"generations", "llm_output"})

    def __init__(
        self, generations: list[ChatGeneration], llm_output: dict[str, Any] | None = None
    ) -> None:
        self.generations = generations
        self.llm_output = llm_output
