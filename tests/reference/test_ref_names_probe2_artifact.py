"""Tools returning content and an artifact (the "return artifacts from a tool" how-to):
``@tool(response_format="content_and_artifact")`` and a ``BaseTool`` subclass declaring it;
a tool call answers a ``ToolMessage`` carrying both, another call gives the content, a function
that does not return a pair fails the tool run. Found by a second differential probe. Written
once against a package prefix, expected values by hand (langchain-core 1.8.3's)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


def _call(name: str, q: str) -> dict[str, Any]:
    return {"name": name, "args": {"q": q}, "id": "c1", "type": "tool_call"}


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tool_call_answers_content_and_artifact(pkg: str) -> None:
    tool = load(pkg, "tools", "tool")

    @tool(response_format="content_and_artifact")
    def search(q: str) -> tuple[str, dict[str, Any]]:
        """Search."""
        return "found " + q, {"raw": q}

    assert search.response_format == "content_and_artifact"
    rec = recorder(pkg)
    msg = search.invoke(_call("search", "z"), {"callbacks": [rec]})
    assert (type(msg).__name__, msg.content, msg.artifact, msg.tool_call_id, msg.name) == (
        "ToolMessage", "found z", {"raw": "z"}, "c1", "search")
    assert search.invoke({"q": "y"}, {"callbacks": [rec]}) == "found y"
    assert asyncio.run(search.ainvoke(_call("search", "a"))).artifact == {"raw": "a"}
    assert asyncio.run(search.ainvoke({"q": "b"})) == "found b"
    assert [(e, d) for e, _, _, d in rec.seen] == [
        ("on_tool_start", '"{\'q\': \'z\'}"'), ("on_tool_end", "ToolMessage('found z')"),
        ("on_tool_start", '"{\'q\': \'y\'}"'), ("on_tool_end", "'found y'")]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("as_call", [False, True])
def test_a_function_not_returning_a_pair_fails_the_tool_run(pkg: str, as_call: bool) -> None:
    tool = load(pkg, "tools", "tool")

    @tool(response_format="content_and_artifact")
    def bad(q: str) -> str:
        """Bad."""
        return "just text"

    rec = recorder(pkg)
    with pytest.raises(ValueError, match="content_and_artifact"):
        bad.invoke(_call("bad", "z") if as_call else {"q": "z"}, {"callbacks": [rec]})
    assert [e for e, _, _, _ in rec.seen] == ["on_tool_start", "on_tool_error"]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tool_subclass_declaring_artifacts(pkg: str) -> None:
    base = load(pkg, "tools", "BaseTool")

    class Lookup(base):  # type: ignore[misc, valid-type]
        name: str = "lookup"
        description: str = "Look up."
        response_format: str = "content_and_artifact"

        def _run(self, q: str) -> tuple[str, list[int]]:
            return q.upper(), [1, 2]

    assert Lookup().invoke(_call("lookup", "w")).artifact == [1, 2]
    assert Lookup().invoke({"q": "w"}) == "W"
