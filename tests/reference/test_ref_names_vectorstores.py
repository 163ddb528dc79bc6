"""Vector stores and embeddings at langchain_core's names: ``InMemoryVectorStore`` filled by
``add_texts`` / ``add_documents`` / ``from_texts`` / ``from_documents``, searched directly and
through ``as_retriever``, whose retriever run a handler sees (its name, the store's and the
embedding's class names as tags, the ``ls_*`` metadata), sync and async, alone and as a chain
step. Written once against a package prefix, expected values by hand from langchain-core
1.8.3's; where it is installed (with numpy, which its store needs) they must hold on it too.

Search results are compared with a tiny ``Embeddings`` giving known texts fixed vectors, so the
ranking is clear; ``DeterministicFakeEmbedding``'s vectors differ between the packages (only
their size and determinism are the contract), so with it only what holds for any vectors is
checked (a stored text is its own best match).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]
#: langchain_core's fake embeddings and in-memory store compute with numpy
NUMPY_PKGS = [p for p in PKGS if p == "reference" or importlib.util.find_spec("numpy")]

MODULE_NAMES: dict[str, list[str]] = {
    "embeddings": ["Embeddings", "FakeEmbeddings", "DeterministicFakeEmbedding"],
    "embeddings.embeddings": ["Embeddings"],
    "embeddings.fake": ["FakeEmbeddings", "DeterministicFakeEmbedding"],
    "vectorstores": ["VST", "VectorStore", "VectorStoreRetriever", "InMemoryVectorStore"],
    "vectorstores.base": ["VST", "VectorStore", "VectorStoreRetriever"],
    "vectorstores.in_memory": ["InMemoryVectorStore"],
    "vectorstores.utils": ["maximal_marginal_relevance"],
}

#: The vectors of the texts the scenarios store and query: "cat" is closest to "kitten", then
#: "dog"; "car" is orthogonal to all three.
VECTORS = {
    "cat": [1.0, 0.0, 0.0],
    "kitten": [0.9, 0.1, 0.1],
    "dog": [0.8, 0.6, 0.0],
    "car": [0.0, 0.0, 1.0],
    "truck": [0.1, 0.0, 0.9],
}
TEXTS = ["cat", "dog", "car", "kitten"]
METAS = [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]
IDS = ["1", "2", "3", "4"]

LS_META = {"ls_retriever_name": "vectorstore", "ls_vector_store_provider": "InMemoryVectorStore",
           "ls_embedding_provider": "Fixed"}


def _fixed(pkg: str) -> Any:
    """An ``Embeddings`` of ``pkg`` giving each text of :data:`VECTORS` its vector."""
    base = load(pkg, "embeddings", "Embeddings")

    class Fixed(base):  # type: ignore[misc, valid-type]
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return [VECTORS[t] for t in texts]

        def embed_query(self, text: str) -> list[float]:
            return VECTORS[text]

    return Fixed()


def _store(pkg: str) -> Any:
    store = load(pkg, "vectorstores", "InMemoryVectorStore")(embedding=_fixed(pkg))
    assert store.add_texts(TEXTS, metadatas=METAS, ids=IDS) == IDS
    return store


def _hits(docs: list[Any]) -> list[tuple[str | None, str, dict[str, Any]]]:
    return [(d.id, d.page_content, d.metadata) for d in docs]


def _with_retrievers(rec: Any) -> Any:
    """``rec`` recording the retriever events too, and each run's tags and metadata (the
    sequence-step tags ``seq:step:N`` left out: the reference does not add them)."""
    base = type(rec)

    class WithRetrievers(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            super().__init__()
            self.scopes: list[tuple[str, list[str], dict[str, Any]]] = []

        def _scope(self, event: str, kw: dict[str, Any]) -> None:
            tags = [t for t in kw.get("tags") or [] if not t.startswith("seq:step:")]
            self.scopes.append((event, tags, kw.get("metadata") or {}))

        def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
            self._scope("on_retriever_start", kw)
            self._add("on_retriever_start", repr(query), kw, serialized)

        def on_retriever_end(self, documents: Any, **kw: Any) -> None:
            self._add("on_retriever_end", repr([d.page_content for d in documents]), kw)

        def on_retriever_error(self, error: BaseException, **kw: Any) -> None:
            self._add("on_retriever_error", type(error).__name__, kw)

    return WithRetrievers()


def _go(runnable: Any, x: Any, mode: str, config: Any = None) -> Any:
    if mode == "invoke":
        return runnable.invoke(x, config)
    return asyncio.run(runnable.ainvoke(x, config))


# ----------------------------------------------------------------------------- names


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths_offer_langchain_cores_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    assert [n for n in MODULE_NAMES[module] if not hasattr(mod, n)] == []


# ----------------------------------------------------------------------------- embeddings


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_deterministic_fake_embedding_is_a_function_of_the_text(pkg: str) -> None:
    emb = load(pkg, "embeddings", "DeterministicFakeEmbedding")(size=8)
    a, b = emb.embed_documents(["apple", "banana"])
    assert len(a) == len(b) == 8
    assert emb.embed_query("apple") == a != b
    assert load(pkg, "embeddings", "DeterministicFakeEmbedding")(size=8).embed_query("apple") == a
    assert asyncio.run(emb.aembed_query("apple")) == a
    assert asyncio.run(emb.aembed_documents(["banana"])) == [b]
    assert emb.size == 8
    assert repr(emb) == "DeterministicFakeEmbedding(size=8)"


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_fake_embeddings_have_the_size_asked(pkg: str) -> None:
    emb = load(pkg, "embeddings", "FakeEmbeddings")(size=5)
    assert [len(v) for v in emb.embed_documents(["a", "b", "c"])] == [5, 5, 5]
    assert len(emb.embed_query("a")) == 5
    assert len(asyncio.run(emb.aembed_query("a"))) == 5


@pytest.mark.parametrize("pkg", PKGS)
def test_embeddings_and_vector_stores_are_abstract(pkg: str) -> None:
    with pytest.raises(TypeError):
        load(pkg, "embeddings", "Embeddings")()
    with pytest.raises(TypeError):
        load(pkg, "vectorstores", "VectorStore")()
    assert asyncio.run(_fixed(pkg).aembed_documents(["car"])) == [VECTORS["car"]]


# ----------------------------------------------------------------------------- the store


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_similarity_search_ranks_by_cosine_similarity(pkg: str) -> None:
    store = _store(pkg)
    assert _hits(store.similarity_search("cat", k=3)) == [
        ("1", "cat", {"n": 1}), ("4", "kitten", {"n": 4}), ("2", "dog", {"n": 2})]
    assert [d.page_content for d in store.similarity_search("cat")] == [
        "cat", "kitten", "dog", "car"]
    scored = store.similarity_search_with_score("cat", k=3)
    assert [(d.page_content, round(s, 6)) for d, s in scored] == [
        ("cat", 1.0), ("kitten", 0.987878), ("dog", 0.8)]
    assert _hits(store.similarity_search_by_vector(VECTORS["truck"], k=2)) == [
        ("3", "car", {"n": 3}), ("4", "kitten", {"n": 4})]
    assert _hits(store.similarity_search("cat", k=2, filter=lambda d: d.metadata["n"] % 2 == 0)
                 ) == [("4", "kitten", {"n": 4}), ("2", "dog", {"n": 2})]
    assert store.similarity_search("cat", filter=lambda d: False) == []
    assert store.search("dog", "similarity", k=1)[0].page_content == "dog"
    with pytest.raises(ValueError, match="search_type of foo not allowed"):
        store.search("dog", "foo")


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_mmr_trades_similarity_for_diversity(pkg: str) -> None:
    store = _store(pkg)
    assert [d.page_content for d in store.max_marginal_relevance_search(
        "cat", k=2, fetch_k=4, lambda_mult=0.25)] == ["cat", "car"]
    assert [d.page_content for d in store.max_marginal_relevance_search(
        "cat", k=3, lambda_mult=1.0)] == ["cat", "kitten", "dog"]
    mmr = load(pkg, "vectorstores.utils", "maximal_marginal_relevance")
    assert mmr(_vector(pkg, VECTORS["cat"]), [VECTORS[t] for t in TEXTS], k=2,
               lambda_mult=0.25) == [0, 2]


def _vector(pkg: str, v: list[float]) -> Any:
    if pkg == "langchain_core":  # its function takes a numpy array
        import numpy as np

        return np.array(v)
    return v


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_ids_documents_and_deletion(pkg: str) -> None:
    doc = load(pkg, "documents", "Document")
    store = _store(pkg)
    assert store.add_documents([doc(page_content="truck", metadata={"n": 5}, id="5")]) == ["5"]
    made = store.add_documents([doc(page_content="truck")])
    assert len(made) == 1 and len(made[0]) == 36  # a uuid
    assert list(store.store)[:5] == ["1", "2", "3", "4", "5"]
    assert store.store["1"] == {"id": "1", "vector": VECTORS["cat"], "text": "cat",
                                "metadata": {"n": 1}}
    assert _hits(store.get_by_ids(["3", "nope", "1"])) == [
        ("3", "car", {"n": 3}), ("1", "cat", {"n": 1})]
    assert store.delete(["4", "nope"]) is None
    assert store.delete() is None
    assert [d.page_content for d in store.similarity_search("cat", k=2)] == ["cat", "dog"]
    with pytest.raises(ValueError, match="ids must be the same length as texts"):
        store.add_texts(["cat"], ids=["a", "b"])
    with pytest.raises(ValueError, match="The number of metadatas must match"):
        store.add_texts(["cat"], metadatas=[{}, {}])
    assert type(store.embeddings).__name__ == "Fixed"


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_from_texts_and_from_documents_build_a_store(pkg: str) -> None:
    cls = load(pkg, "vectorstores", "InMemoryVectorStore")
    doc = load(pkg, "documents", "Document")
    store = cls.from_texts(["cat", "car"], _fixed(pkg), metadatas=[{"a": 1}, {"a": 2}],
                           ids=["x", "y"])
    assert _hits(store.similarity_search("truck", k=1)) == [("y", "car", {"a": 2})]
    store = cls.from_documents([doc(page_content="cat", id="q"), doc(page_content="dog")],
                               _fixed(pkg))
    assert _hits(store.similarity_search("cat", k=1)) == [("q", "cat", {})]
    store = asyncio.run(cls.afrom_texts(["cat"], _fixed(pkg), ids=["z"]))
    assert _hits(store.get_by_ids(["z"])) == [("z", "cat", {})]
    store = asyncio.run(cls.afrom_documents([doc(page_content="dog", id="d")], _fixed(pkg)))
    assert _hits(store.get_by_ids(["d"])) == [("d", "dog", {})]


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_async_store_methods(pkg: str) -> None:
    store = _store(pkg)

    async def main() -> list[Any]:
        added = await store.aadd_texts(["truck"], ids=["t"])
        docs = await store.aadd_documents([load(pkg, "documents", "Document")(
            page_content="car", id="c2")])
        hits = await store.asimilarity_search("truck", k=2)
        scored = await store.asimilarity_search_with_score("cat", k=1)
        mmr = await store.amax_marginal_relevance_search("cat", k=2, lambda_mult=0.25)
        await store.adelete(["t"])
        return [added, docs, [d.page_content for d in hits], [(d.id, s) for d, s in scored],
                [d.page_content for d in mmr], [d.id for d in await store.aget_by_ids(
                    ["t", "c2"])]]

    assert asyncio.run(main()) == [["t"], ["c2"], ["truck", "car"], [("1", 1.0)],
                                   ["cat", "car"], ["c2"]]


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_deterministic_fake_embedding_store_finds_a_stored_text_first(pkg: str) -> None:
    store = load(pkg, "vectorstores", "InMemoryVectorStore")(
        embedding=load(pkg, "embeddings", "DeterministicFakeEmbedding")(size=8))
    store.add_texts(["apple", "banana", "cherry"], ids=["a", "b", "c"])
    for text, id_ in (("apple", "a"), ("banana", "b"), ("cherry", "c")):
        hits = store.as_retriever(search_kwargs={"k": 2}).invoke(text)
        assert len(hits) == 2 and (hits[0].id, hits[0].page_content) == (id_, text)


# ----------------------------------------------------------------------------- a custom store


def _custom_store(pkg: str) -> Any:
    base = load(pkg, "vectorstores", "VectorStore")
    doc = load(pkg, "documents", "Document")

    class Substring(base):  # type: ignore[misc, valid-type]
        """A store implementing add_texts only: the base gives add_documents and the rest."""

        def __init__(self) -> None:
            self.rows: list[tuple[str, dict[str, Any], str | None]] = []

        def add_texts(self, texts: Any, metadatas: Any = None, **kw: Any) -> list[str]:
            ids = kw.get("ids") or [None] * len(texts)
            self.rows += zip(texts, metadatas or [{}] * len(texts), ids)
            return [str(i) for i in ids]

        def similarity_search(self, query: str, k: int = 4, **kw: Any) -> list[Any]:
            return [doc(page_content=t, metadata=m, id=i) for t, m, i in self.rows
                    if query in t][:k]

        @classmethod
        def from_texts(cls, texts: Any, embedding: Any, metadatas: Any = None,
                       **kw: Any) -> Any:
            store = cls()
            store.add_texts(texts, metadatas, **kw)
            return store

    return Substring()


@pytest.mark.parametrize("pkg", PKGS)
def test_a_custom_store_gets_the_base_defaults(pkg: str) -> None:
    doc = load(pkg, "documents", "Document")
    store = _custom_store(pkg)
    # the documents' ids are passed on when any has one
    assert store.add_documents([doc(page_content="ab", id="x"), doc(page_content="b")]) == [
        "x", "None"]
    assert store.add_documents([doc(page_content="cb")]) == ["None"]
    assert asyncio.run(store.aadd_texts(["bb"], ids=["q"])) == ["q"]
    assert store.embeddings is None
    for call in (lambda: store.get_by_ids(["1"]), lambda: store.delete(["1"]),
                 lambda: store.similarity_search_with_score("b"),
                 lambda: store.max_marginal_relevance_search("b")):
        with pytest.raises(NotImplementedError):
            call()
    rec = _with_retrievers(recorder(pkg))
    docs = store.as_retriever(search_kwargs={"k": 2}).invoke("b", {"callbacks": [rec]})
    assert _hits(docs) == [("x", "ab", {}), (None, "b", {})]
    # no embeddings: no embedding tag, no ls_embedding_provider
    assert rec.scopes == [("on_retriever_start", ["Substring"], {
        "ls_retriever_name": "vectorstore", "ls_vector_store_provider": "Substring"})]


# ----------------------------------------------------------------------------- the retriever


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_as_retriever_sets_search_and_tags(pkg: str) -> None:
    store = _store(pkg)
    r = store.as_retriever(search_kwargs={"k": 1})
    assert isinstance(r, load(pkg, "vectorstores", "VectorStoreRetriever"))
    assert isinstance(r, load(pkg, "retrievers", "BaseRetriever"))
    assert (r.vectorstore is store, r.search_type, r.search_kwargs, r.tags, r.metadata) == (
        True, "similarity", {"k": 1}, ["InMemoryVectorStore", "Fixed"], None)
    assert r.get_name() == "VectorStoreRetriever"
    assert store.as_retriever(tags=["mine"], metadata={"x": 1}).tags == ["mine"]
    assert store.as_retriever(name="finder").get_name() == "finder"
    direct = load(pkg, "vectorstores", "VectorStoreRetriever")(vectorstore=store)
    assert direct.tags is None and direct.search_kwargs == {}
    assert _hits(direct.invoke("dog"))[0] == ("2", "dog", {"n": 2})
    # invoke's keywords are search keywords, over search_kwargs
    assert [d.page_content for d in r.invoke("cat", k=3)] == ["cat", "kitten", "dog"]
    assert [[d.page_content for d in ds] for ds in r.batch(["cat", "car"])] == [
        ["cat"], ["car"]]
    assert r.add_documents([load(pkg, "documents", "Document")(page_content="truck", id="t")]
                           ) == ["t"]
    assert r.invoke("truck")[0].id == "t"


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_retriever_search_types(pkg: str) -> None:
    store = _store(pkg)
    mmr = store.as_retriever(search_type="mmr", search_kwargs={"k": 2, "lambda_mult": 0.25})
    assert [d.page_content for d in mmr.invoke("cat")] == ["cat", "car"]
    assert [d.page_content for d in asyncio.run(mmr.ainvoke("cat"))] == ["cat", "car"]
    filtered = store.as_retriever(search_kwargs={"k": 1, "filter": lambda d: d.id != "1"})
    assert [d.page_content for d in filtered.invoke("cat")] == ["kitten"]


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
def test_retriever_validation_errors(pkg: str) -> None:
    store = _store(pkg)
    with pytest.raises(ValueError, match="search_type of foo not allowed. Valid values are: "
                       r"\('similarity', 'similarity_score_threshold', 'mmr'\)"):
        store.as_retriever(search_type="foo")
    for search_kwargs in ({}, {"score_threshold": 1}):
        with pytest.raises(ValueError, match="`score_threshold` is not specified with a float"):
            store.as_retriever(search_type="similarity_score_threshold",
                               search_kwargs=search_kwargs)


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_the_retriever_run_a_handler_sees(pkg: str, mode: str) -> None:
    rec = _with_retrievers(recorder(pkg))
    r = _store(pkg).as_retriever(search_kwargs={"k": 2})
    docs = _go(r, "cat", mode, {"callbacks": [rec]})
    assert _hits(docs) == [("1", "cat", {"n": 1}), ("4", "kitten", {"n": 4})]
    assert rec.seen == [
        ("on_retriever_start", "VectorStoreRetriever", None, "'cat'"),
        ("on_retriever_end", "VectorStoreRetriever", None, "['cat', 'kitten']"),
    ]
    assert rec.scopes == [("on_retriever_start", ["InMemoryVectorStore", "Fixed"], LS_META)]


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
@pytest.mark.parametrize("route", ["runtime", "with_config"])
def test_the_retriever_as_a_chain_step_after_a_lambda(pkg: str, mode: str, route: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = _with_retrievers(recorder(pkg))
    r = _store(pkg).as_retriever(search_kwargs={"k": 2}, tags=["mine"], metadata={"x": 1})
    chain = lam(lambda q: q.strip(), name="clean") | r
    scope = {"callbacks": [rec], "tags": ["t"], "metadata": {"m": 1}}
    if route == "with_config":
        chain, config = chain.with_config(**scope), None
    else:
        config = scope
    assert _hits(_go(chain, " dog ", mode, config)) == [
        ("2", "dog", {"n": 2}), ("4", "kitten", {"n": 4})]
    assert rec.seen == [
        ("on_chain_start", "RunnableSequence", None, "' dog '"),
        ("on_chain_start", "clean", "RunnableSequence", "' dog '"),
        ("on_chain_end", "clean", "RunnableSequence", "'dog'"),
        ("on_retriever_start", "VectorStoreRetriever", "RunnableSequence", "'dog'"),
        ("on_retriever_end", "VectorStoreRetriever", "RunnableSequence", "['dog', 'kitten']"),
        ("on_chain_end", "RunnableSequence", None, "[Document, Document]"),
    ]
    # tags given to as_retriever replace the class-name ones
    assert rec.scopes == [("on_retriever_start", ["t", "mine"], {"m": 1, **LS_META, "x": 1})]


@pytest.mark.parametrize("pkg", NUMPY_PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_threshold_search_on_the_in_memory_store_fails_its_run(pkg: str, mode: str) -> None:
    """The in-memory store picks no relevance function, so a threshold search raises
    ``NotImplementedError`` (on langchain-core 1.8.3 too): the retriever run errors."""
    rec = _with_retrievers(recorder(pkg))
    r = _store(pkg).as_retriever(search_type="similarity_score_threshold",
                                 search_kwargs={"score_threshold": 0.5})
    with pytest.raises(NotImplementedError):
        _go(r, "cat", mode, {"callbacks": [rec]})
    assert rec.seen == [
        ("on_retriever_start", "VectorStoreRetriever", None, "'cat'"),
        ("on_retriever_error", "VectorStoreRetriever", None, "NotImplementedError"),
    ]


# ----------------------------------------------------------------------------- any retriever


def _retrievers(pkg: str) -> tuple[Any, Any, Any]:
    base = load(pkg, "retrievers", "BaseRetriever")
    doc = load(pkg, "documents", "Document")

    class DocsRetriever(base):  # type: ignore[misc, valid-type]
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            return [doc(page_content=query)]

    class RetrieverOld(base):  # type: ignore[misc, valid-type]
        """The older contract: no run_manager."""

        def _get_relevant_documents(self, query: str) -> list[Any]:
            return [doc(page_content=query * 2)]

    class Repeat(base):  # type: ignore[misc, valid-type]
        """Takes a keyword of its own: invoke's keywords reach it."""

        def _get_relevant_documents(self, query: str, *, run_manager: Any, n: int = 1
                                    ) -> list[Any]:
            return [doc(page_content=query)] * n

    return DocsRetriever, RetrieverOld, Repeat


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_every_retriever_run_names_its_retriever_in_metadata(pkg: str, mode: str) -> None:
    docs_retriever, old, repeat = _retrievers(pkg)
    rec = _with_retrievers(recorder(pkg))
    cfg = {"callbacks": [rec], "metadata": {"a": 1}}
    assert [d.page_content for d in _go(docs_retriever(), "q", mode, cfg)] == ["q"]
    assert [d.page_content for d in _go(old(), "q", mode, cfg)] == ["qq"]
    named = docs_retriever(name="Named")
    _go(named, "q", mode, {**cfg, "run_name": "rn"})
    assert [(e, n) for e, n, _, _ in rec.seen if e.endswith("start")] == [
        ("on_retriever_start", "DocsRetriever"), ("on_retriever_start", "RetrieverOld"),
        ("on_retriever_start", "rn")]
    assert [m for _, _, m in rec.scopes] == [
        {"a": 1, "ls_retriever_name": "docs"}, {"a": 1, "ls_retriever_name": "old"},
        {"a": 1, "ls_retriever_name": "named"}]
    assert len(repeat().invoke("q", n=3)) == 3
    assert len(docs_retriever().invoke("q", n=3)) == 1  # dropped: it takes none
