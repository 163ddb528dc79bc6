"""The three seed how-to pages, run unchanged on the reference engine.

The handler is the seeds' own code with ``langchain_core.`` imports pointed at
``reference.``; the hosted chat model is replaced by ``FakeListChatModel``.
Lines are compared exactly where the seed's output does not depend on the
hosted model, and by prefix where it shows provider metadata.
"""

# ruff: noqa: UP006, UP035 - the seeds' handler code is kept verbatim (typing.Dict/List)

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

from reference.callbacks import BaseCallbackHandler
from reference.language_models import FakeListChatModel
from reference.messages import BaseMessage
from reference.outputs import LLMResult
from reference.prompts import ChatPromptTemplate


class LoggingHandler(BaseCallbackHandler):
    def on_chat_model_start(
        self, serialized: Dict[str, Any], messages: List[List[BaseMessage]], **kwargs
    ) -> None:
        print("Chat model started")

    def on_llm_end(self, response: LLMResult, **kwargs) -> None:
        print(f"Chat model ended, response: {response}")

    def on_chain_start(
        self, serialized: Dict[str, Any], inputs: Dict[str, Any], **kwargs
    ) -> None:
        print(f"Chain {serialized.get('name')} started")

    def on_chain_end(self, outputs: Dict[str, Any], **kwargs) -> None:
        print(f"Chain ended, outputs: {outputs}")


CHAT_ENDED = (
    "Chat model ended, response: generations=[[ChatGeneration(text='1 + 2 = 3', "
    "message=AIMessage(content='1 + 2 = 3'"
)
FULL_CHAIN = [
    ("exact", "Chain RunnableSequence started"),
    ("exact", "Chain ChatPromptTemplate started"),
    ("exact", "Chain ended, outputs: messages=[HumanMessage(content='What is 1 + 2?')]"),
    ("exact", "Chat model started"),
    ("prefix", CHAT_ENDED),
    ("prefix", "Chain ended, outputs: content='1 + 2 = 3'"),
]
MODEL_ONLY = [("exact", "Chat model started"), ("prefix", CHAT_ENDED)]


def check(out: str, expected: list[tuple[str, str]]) -> None:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == len(expected), lines
    for line, (how, want) in zip(lines, expected, strict=True):
        if how == "exact":
            assert line == want
        else:
            assert line.startswith(want), (line, want)


def run(mode: str, chain: Any, config: Any = None) -> Any:
    if mode == "invoke":
        return chain.invoke({"number": "2"}, config=config)
    return asyncio.run(chain.ainvoke({"number": "2"}, config=config))


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_seed_001_runtime_callbacks(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    callbacks = [LoggingHandler()]
    llm = FakeListChatModel(responses=["1 + 2 = 3"])
    prompt = ChatPromptTemplate.from_template("What is 1 + {number}?")

    chain = prompt | llm

    result = run(mode, chain, config={"callbacks": callbacks})
    check(capsys.readouterr().out, FULL_CHAIN)
    assert repr(result).startswith("AIMessage(content='1 + 2 = 3'")


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_seed_000_with_config_callbacks(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    callbacks = [LoggingHandler()]
    llm = FakeListChatModel(responses=["1 + 2 = 3"])
    prompt = ChatPromptTemplate.from_template("What is 1 + {number}?")

    chain = prompt | llm

    chain_with_callbacks = chain.with_config(callbacks=callbacks)

    result = run(mode, chain_with_callbacks)
    check(capsys.readouterr().out, FULL_CHAIN)
    assert result.content == "1 + 2 = 3"


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_seed_004_constructor_callbacks(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    callbacks = [LoggingHandler()]
    llm = FakeListChatModel(responses=["1 + 2 = 3"], callbacks=callbacks)
    prompt = ChatPromptTemplate.from_template("What is 1 + {number}?")

    chain = prompt | llm

    result = run(mode, chain)
    check(capsys.readouterr().out, MODEL_ONLY)
    assert result.content == "1 + 2 = 3"
