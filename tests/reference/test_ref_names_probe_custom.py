"""Custom components written as LangChain's how-to pages write them, which a differential probe
of both packages found the reference refusing: a ``BaseRetriever`` subclass with fields
(``ToyRetriever(documents=docs, k=1)``) and a ``BaseTool`` subclass implementing ``_run`` /
``_arun``. Written once against a package prefix, expected values by hand (langchain-core
1.8.3's).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _toy_retriever(pkg: str) -> Any:
    base = load(pkg, "retrievers", "BaseRetriever")
    document = load(pkg, "documents", "Document")

    class ToyRetriever(base):  # type: ignore[misc, valid-type]
        """The custom retriever how-to's: documents containing the query, the first k."""

        documents: list[Any]
        k: int

        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            hits = [d for d in self.documents if query.lower() in d.page_content.lower()]
            return hits[: self.k]

    docs = [document(page_content="Dogs are great", metadata={"type": "dog"}),
            document(page_content="Cats and dogs", metadata={"type": "cat"})]
    return ToyRetriever(documents=docs, k=1)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_retriever_subclass_takes_its_fields_as_keywords(pkg: str, mode: str) -> None:
    retriever = _toy_retriever(pkg)
    assert retriever.k == 1
    base = load(pkg, "callbacks", "BaseCallbackHandler")
    seen: list[Any] = []

    class Docs(base):  # type: ignore[misc, valid-type]
        def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
            seen.append(("start", kw["name"], query))

        def on_retriever_end(self, documents: Any, **kw: Any) -> None:
            seen.append(("end", [d.page_content for d in documents]))

    config = {"callbacks": [Docs()]}
    out = retriever.invoke("dogs", config) if mode == "invoke" else asyncio.run(
        retriever.ainvoke("dogs", config))
    assert [d.metadata for d in out] == [{"type": "dog"}]
    assert seen == [("start", "ToyRetriever", "dogs"), ("end", ["Dogs are great"])]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_retriever_subclass_missing_a_field_fails_to_build(pkg: str) -> None:
    retriever = _toy_retriever(pkg)
    with pytest.raises(Exception):  # noqa: B017 (pydantic's ValidationError on lc)
        type(retriever)(k=1)


def _calculator(pkg: str, *, with_arun: bool) -> Any:
    base = load(pkg, "tools", "BaseTool")
    managers: list[str] = []

    class CustomCalculatorTool(base):  # type: ignore[misc, valid-type]
        """The custom tools how-to's: a BaseTool subclass implementing ``_run``."""

        name: str = "Calculator"
        description: str = "useful for when you need to answer questions about math"
        return_direct: bool = True

        def _run(self, a: int, b: int, run_manager: Any = None) -> int:
            managers.append(type(run_manager).__name__)
            return a * b

    if with_arun:
        class WithArun(CustomCalculatorTool):
            async def _arun(self, a: int, b: int, run_manager: Any = None) -> int:
                managers.append("async " + type(run_manager).__name__)
                return self._run(a, b, run_manager=run_manager.get_sync())

        return WithArun(), managers
    return CustomCalculatorTool(), managers


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "ainvoke+_arun", "run", "call"])
def test_a_tool_subclass_runs_its__run_as_a_tool_run(pkg: str, mode: str) -> None:
    calc, managers = _calculator(pkg, with_arun=mode == "ainvoke+_arun")
    assert (calc.name, calc.return_direct) == ("Calculator", True)
    assert calc.description == "useful for when you need to answer questions about math"
    rec = recorder(pkg)
    args = {"a": 2, "b": 3}
    if mode == "invoke":
        out = calc.invoke(args, {"callbacks": [rec]})
    elif mode.startswith("ainvoke"):
        out = asyncio.run(calc.ainvoke(args, {"callbacks": [rec]}))
    elif mode == "run":
        out = calc.run(args, callbacks=[rec])
    else:
        out = calc.invoke({"name": "Calculator", "args": args, "id": "c7", "type": "tool_call"},
                          {"callbacks": [rec]})
    if mode == "call":
        assert (type(out).__name__, out.content, out.tool_call_id) == ("ToolMessage", "6", "c7")
        end = "ToolMessage('6')"
    else:
        assert out == 6
        end = "int"
    # the start's run name is in serialized on langchain_core (its name keyword is None)
    assert [(e, p, d) for e, _, p, d in rec.seen] == [
        ("on_tool_start", None, "\"{'a': 2, 'b': 3}\""), ("on_tool_end", None, end)]
    assert managers == {
        "ainvoke+_arun": ["async AsyncCallbackManagerForToolRun", "CallbackManagerForToolRun"],
    }.get(mode, ["CallbackManagerForToolRun"])


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tool_subclass_takes_a_string_as_its_one_argument(pkg: str) -> None:
    base = load(pkg, "tools", "BaseTool")

    class Shout(base):  # type: ignore[misc, valid-type]
        name: str = "shout"
        description: str = "Shout the query."
        suffix: str = "!"

        def _run(self, query: str) -> str:
            return query.upper() + self.suffix

    assert Shout().invoke("abc") == "ABC!"
    assert Shout(suffix="?").invoke({"query": "abc"}) == "ABC?"
    assert Shout(name="loud").name == "loud"


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_an_llm_subclass_reports_tokens_from__call_in_both_modes(pkg: str, mode: str) -> None:
    """``_call`` gets a sync run manager in ``ainvoke`` too: its ``on_llm_new_token`` reaches
    the handlers (an async one's would be a coroutine nobody awaits)."""
    base = load(pkg, "language_models", "LLM")

    class Echo(base):  # type: ignore[misc, valid-type]
        @property
        def _llm_type(self) -> str:
            return "echo"

        def _call(self, prompt: str, stop: Any = None, run_manager: Any = None,
                  **kwargs: Any) -> str:
            run_manager.on_llm_new_token("t-" + prompt)
            return "ok " + prompt

    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}
    out = Echo().invoke("x", cfg) if mode == "invoke" else asyncio.run(
        Echo().ainvoke("x", cfg))
    assert out == "ok x"
    assert rec.seen == [
        ("on_llm_start", "Echo", None, "['x']"),
        ("on_llm_new_token", "Echo", None, "'t-x' NoneType"),
        ("on_llm_end", "Echo", None, "LLMResult([[Generation('ok x')]])"),
    ]
