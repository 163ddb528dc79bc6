"""``langchain_core.exceptions``'s exceptions a scenario catches: an output parser's failure, a
tracer's."""

from __future__ import annotations

from typing import Any

__all__ = ["LangChainException", "OutputParserException", "TracerException"]

#: What langchain_core appends to a parser error given as text (handlers see the same text).
_TROUBLESHOOTING = (
    "\nFor troubleshooting, visit: "
    "https://docs.langchain.com/oss/python/langchain/errors/OUTPUT_PARSING_FAILURE "
)


class LangChainException(Exception):
    """General LangChain exception."""


class OutputParserException(ValueError, LangChainException):
    """A parser could not parse the model's output (``llm_output``)."""

    def __init__(
        self,
        error: Any,
        observation: str | None = None,
        llm_output: str | None = None,
        send_to_llm: bool = False,
    ) -> None:
        if isinstance(error, str):
            error = error + _TROUBLESHOOTING
        super().__init__(error)
        if send_to_llm and (observation is None or llm_output is None):
            raise ValueError(
                "Arguments 'observation' & 'llm_output' are required if 'send_to_llm' is True"
            )
        self.observation = observation
        self.llm_output = llm_output
        self.send_to_llm = send_to_llm


class TracerException(LangChainException):
    """A tracer got an event for a run it does not hold (or of the wrong type)."""
