"""Constructor-scope options assigned after construction, at langchain_core's names: a model's or
a tool's ``callbacks``, ``tags`` and ``metadata``, a prompt's or a retriever's ``tags`` and
``metadata`` (pydantic fields there) take effect from the next call, as if given to the
constructor. Written once against a package prefix, expected values by hand; where
langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _handler(pkg: str) -> Any:
    base = load(pkg, "callbacks", "BaseCallbackHandler")

    class Starts(base):  # type: ignore[misc, valid-type]
        """Each start's event, tags and the user's metadata keys (not the ``ls_*`` and
        ``lc_*`` keys langchain_core's models add)."""

        def __init__(self) -> None:
            self.seen: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = []

        def _add(self, event: str, kw: dict[str, Any]) -> None:
            meta = tuple(sorted(k for k in (kw.get("metadata") or {})
                                if not k.startswith(("ls_", "lc_"))))
            self.seen.append((event, tuple(kw.get("tags") or ()), meta))

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            self._add("chain", kw)

        def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
            self._add("chat_model", kw)

        def on_llm_start(self, serialized: Any, prompts: Any, **kw: Any) -> None:
            self._add("llm", kw)

        def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
            self._add("tool", kw)

        def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
            self._add("retriever", kw)

    return Starts()


def _model(pkg: str) -> tuple[Any, Any]:
    return load(pkg, "language_models", "FakeListChatModel")(responses=["a"]), "hi"


def _llm(pkg: str) -> tuple[Any, Any]:
    return load(pkg, "language_models", "FakeListLLM")(responses=["a"]), "hi"


def _tool(pkg: str) -> tuple[Any, Any]:
    tool = load(pkg, "tools", "StructuredTool").from_function(
        lambda x: x, name="echo", description="Echo.")
    return tool, {"x": 1}


def _prompt(pkg: str) -> tuple[Any, Any]:
    return load(pkg, "prompts", "PromptTemplate").from_template("{x}"), {"x": 1}


def _retriever(pkg: str) -> tuple[Any, Any]:
    base = load(pkg, "retrievers", "BaseRetriever")

    class Nothing(base):  # type: ignore[misc, valid-type]
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            return []

    return Nothing(), "q"


MAKERS = {"chat_model": _model, "llm": _llm, "tool": _tool, "chain": _prompt,
          "retriever": _retriever}
WITH_CALLBACKS = ["chat_model", "llm", "tool"]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("kind", list(MAKERS))
def test_tags_and_metadata_assigned_later_reach_the_next_call(pkg: str, kind: str) -> None:
    obj, arg = MAKERS[kind](pkg)
    h = _handler(pkg)
    obj.invoke(arg, {"callbacks": [h]})
    obj.tags = ["later"]
    obj.metadata = {"k": 1}
    obj.invoke(arg, {"callbacks": [h]})
    assert h.seen == [(kind, (), ()), (kind, ("later",), ("k",))]
    assert obj.tags == ["later"] and obj.metadata == {"k": 1}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("kind", WITH_CALLBACKS)
def test_handlers_assigned_later_are_the_objects_own(pkg: str, kind: str) -> None:
    obj, arg = MAKERS[kind](pkg)
    own = _handler(pkg)
    obj.tags = ["t"]
    obj.callbacks = [own]
    obj.invoke(arg)
    assert own.seen == [(kind, ("t",), ())]
    assert obj.callbacks == [own] and obj.tags == ["t"]
    outer = load(pkg, "runnables", "RunnableLambda")(lambda x: obj.invoke(arg), name="outer")
    outer.invoke(1)  # a caller's run is not the object's: only the object's own run
    assert own.seen == [(kind, ("t",), ())] * 2
