"""What a model takes: ``(role, content)`` pairs, role dicts and strings are converted to
messages as langchain_core's models convert them (``convert_to_messages``); anything else is a
ValueError. Written once against a package prefix, expected values by hand; where
langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _starts(pkg: str) -> tuple[Any, list[Any]]:
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    seen: list[Any] = []

    class Starts(base):  # type: ignore[misc, valid-type]
        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            seen.append([(type(m).__name__, m.content) for m in messages[0]])

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            seen.append(prompts)

    return Starts(), seen


@pytest.mark.parametrize("pkg", PKGS)
def test_models_convert_message_likes(pkg: str) -> None:
    h, seen = _starts(pkg)
    chat = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["a"])
    llm = load(pkg, "language_models.fake", "FakeListLLM")(responses=["a"])
    config = {"callbacks": [h]}
    chat.invoke([("system", "be nice"), ("human", "hi")], config)
    chat.invoke([{"role": "user", "content": "hi"}], config)
    chat.invoke(["hi", ("ai", "x")], config)
    llm.invoke([("human", "hi")], config)
    assert seen == [
        [("SystemMessage", "be nice"), ("HumanMessage", "hi")],
        [("HumanMessage", "hi")],
        [("HumanMessage", "hi"), ("AIMessage", "x")],
        ["Human: hi"],
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_model_given_no_message_like_raises_value_error(pkg: str) -> None:
    chat = load(pkg, "language_models.fake_chat_models", "FakeListChatModel")(responses=["a"])
    with pytest.raises(ValueError):
        chat.invoke(5)
