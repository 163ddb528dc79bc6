"""The components scenarios commonly compose, at langchain_core's names, on the reference.

Message prompt templates, output parsers (custom, JSON, comma-separated list),
the fake chat models, ``Tool`` and the message classes scenarios construct.
Each scenario is written once against a package prefix (``_lc_scenarios``),
its expected events written out by hand from langchain-core 1.8.3's; where
langchain-core is installed it also runs there and must give the same.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Callable
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

#: Module paths and the names added here that each must offer (as langchain_core's do).
MODULE_NAMES: dict[str, list[str]] = {
    "language_models": ["FakeMessagesListChatModel", "ParrotFakeChatModel"],
    "language_models.fake_chat_models": ["FakeMessagesListChatModel", "ParrotFakeChatModel",
                                         "FakeChatModel"],
    "messages": ["ChatMessage", "ChatMessageChunk", "BaseMessageChunk", "HumanMessageChunk",
                 "SystemMessageChunk", "ToolCall"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths_offer_langchain_cores_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    assert [n for n in MODULE_NAMES[module] if not hasattr(mod, n)] == []


# ----------------------------------------------------------------------------- fake models


def _four_calls(pkg: str, model: Any) -> tuple[list[Any], list[Seen]]:
    """``invoke``, ``stream``, ``ainvoke`` (two messages) and ``astream``: replies and events."""
    human = load(pkg, "messages", "HumanMessage")
    ai = load(pkg, "messages", "AIMessage")
    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}

    async def astream() -> list[Any]:
        return [c async for c in model.astream("zz", cfg)]

    replies = [
        model.invoke("hi", cfg),
        *model.stream("yo", cfg),
        asyncio.run(model.ainvoke([human("a"), ai("b")], cfg)),
        *asyncio.run(astream()),
    ]
    return [(type(r).__name__, r.content) for r in replies], rec.seen


def _starts(name: str, outputs: list[str]) -> list[Seen]:
    inputs = ["[[HumanMessage('hi')]]", "[[HumanMessage('yo')]]",
              "[[HumanMessage('a'), AIMessage('b')]]", "[[HumanMessage('zz')]]"]
    return [
        seen
        for given, out in zip(inputs, outputs, strict=True)
        for seen in [("on_chat_model_start", name, None, given),
                     ("on_llm_end", name, None, f"LLMResult([[ChatGeneration({out})]])")]
    ]


def fake_messages_list_chat_model(pkg: str) -> list[Seen]:
    """``FakeMessagesListChatModel`` replies with its messages in turn, cycling; it has no
    ``_stream``, so streams yield the whole reply and no tokens."""
    ai = load(pkg, "messages", "AIMessage")
    model = load(pkg, "language_models", "FakeMessagesListChatModel")(
        responses=[ai("one"), ai("two two")])
    replies, seen = _four_calls(pkg, model)
    assert replies == [("AIMessage", "one"), ("AIMessage", "two two")] * 2
    assert model.i == 0
    return seen


FAKE_MESSAGES_LIST_CHAT_MODEL = _starts(
    "FakeMessagesListChatModel",
    ["AIMessage('one')", "AIMessage('two two')", "AIMessage('one')", "AIMessage('two two')"])


def parrot_fake_chat_model(pkg: str) -> list[Seen]:
    """``ParrotFakeChatModel`` replies with the last input message itself, whatever its type."""
    model = load(pkg, "language_models", "ParrotFakeChatModel")()
    replies, seen = _four_calls(pkg, model)
    assert replies == [("HumanMessage", "hi"), ("HumanMessage", "yo"), ("AIMessage", "b"),
                       ("HumanMessage", "zz")]
    return seen


PARROT_FAKE_CHAT_MODEL = _starts(
    "ParrotFakeChatModel",
    ["HumanMessage('hi')", "HumanMessage('yo')", "AIMessage('b')", "HumanMessage('zz')"])


def fake_chat_model(pkg: str) -> list[Seen]:
    """``FakeChatModel`` (a ``SimpleChatModel``) says "fake response", also from ``ainvoke``."""
    model = load(pkg, "language_models.fake_chat_models", "FakeChatModel")()
    replies, seen = _four_calls(pkg, model)
    assert replies == [("AIMessage", "fake response")] * 4
    return seen


FAKE_CHAT_MODEL = _starts("FakeChatModel", ["AIMessage('fake response')"] * 4)


# ----------------------------------------------------------------------------- messages


@pytest.mark.parametrize("pkg", PKGS)
def test_message_classes_a_scenario_constructs(pkg: str) -> None:
    """Chunk classes add up into the left chunk's class; a ``ChatMessage`` renders its role."""
    msgs = importlib.import_module(f"{pkg}.messages")
    human = msgs.HumanMessageChunk("a") + msgs.HumanMessageChunk("b")
    chat = msgs.ChatMessageChunk("a", role="r") + msgs.ChatMessageChunk("b", role="r")
    ai = msgs.AIMessageChunk("a") + msgs.HumanMessageChunk("b")
    assert [(type(m).__name__, m.type, m.content) for m in (human, chat, ai)] == [
        ("HumanMessageChunk", "HumanMessageChunk", "ab"),
        ("ChatMessageChunk", "ChatMessageChunk", "ab"),
        ("AIMessageChunk", "AIMessageChunk", "ab"),
    ]
    assert chat.role == "r"
    assert all(isinstance(m, msgs.BaseMessageChunk) for m in (human, chat, ai))
    assert isinstance(human, msgs.HumanMessage) and not isinstance(msgs.AIMessage("x"),
                                                                   msgs.BaseMessageChunk)
    with pytest.raises(TypeError):
        msgs.HumanMessageChunk("a") + msgs.AIMessage("b")
    rendered = msgs.get_buffer_string(
        [msgs.ChatMessage("x", role="wizard"), human, msgs.SystemMessageChunk("s"),
         msgs.ChatMessage("y", role="Human")], human_prefix="U")
    assert rendered == "wizard: x\nU: ab\nSystem: s\nHuman: y"
    assert msgs.ChatMessage("x", role="wizard").type == "chat"
    call = msgs.ToolCall(name="search", args={"q": 1}, id="c1")
    assert call == {"name": "search", "args": {"q": 1}, "id": "c1"}
    assert sorted(msgs.ToolCall.__annotations__) == ["args", "id", "name", "type"]


# ----------------------------------------------------------------------------- run them all


SCENARIOS: dict[str, tuple[Callable[[str], list[Seen]], list[Seen]]] = {
    "fake_messages_list_chat_model": (fake_messages_list_chat_model,
                                      FAKE_MESSAGES_LIST_CHAT_MODEL),
    "parrot_fake_chat_model": (parrot_fake_chat_model, PARROT_FAKE_CHAT_MODEL),
    "fake_chat_model": (fake_chat_model, FAKE_CHAT_MODEL),
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_gives_langchain_cores_events(pkg: str, scenario: str) -> None:
    run, expected = SCENARIOS[scenario]
    assert run(pkg) == expected
