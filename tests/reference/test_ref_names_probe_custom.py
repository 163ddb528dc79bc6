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
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load

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
