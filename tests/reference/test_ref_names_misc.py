"""More components scenarios compose, at langchain_core's names, on the reference: few-shot
prompts and document formatting, retriever tools and tool descriptions, tool-call parsers and
parser bases, the language model / document transformer bases, the router and ``add``.

Each scenario is written once against a package prefix (``_lc_scenarios``), its expected
events written out by hand from langchain-core 1.8.3's; where langchain-core is installed it
also runs there and must give the same.
"""

from __future__ import annotations

import asyncio
import importlib
from typing import Annotated, Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

#: Module paths and the names added here that each must offer (as langchain_core's do).
MODULE_NAMES: dict[str, list[str]] = {
    "prompts": ["FewShotPromptTemplate", "FewShotChatMessagePromptTemplate", "format_document",
                "aformat_document", "get_template_variables"],
    "prompts.few_shot": ["FewShotPromptTemplate", "FewShotChatMessagePromptTemplate"],
    "prompts.base": ["format_document", "aformat_document"],
    "prompts.string": ["get_template_variables"],
    "tools": ["create_retriever_tool", "render_text_description",
              "render_text_description_and_args", "BaseToolkit", "InjectedToolArg"],
    "tools.retriever": ["create_retriever_tool"],
    "tools.render": ["render_text_description", "render_text_description_and_args"],
    "tools.base": ["BaseToolkit", "InjectedToolArg"],
    "output_parsers": ["JsonOutputToolsParser", "JsonOutputKeyToolsParser", "BaseLLMOutputParser",
                       "BaseGenerationOutputParser"],
    "output_parsers.openai_tools": ["JsonOutputToolsParser", "JsonOutputKeyToolsParser",
                                    "parse_tool_calls"],
    "output_parsers.base": ["BaseLLMOutputParser", "BaseGenerationOutputParser"],
    "language_models": ["BaseLanguageModel"],
    "documents": ["BaseDocumentTransformer", "BaseDocumentCompressor"],
    "documents.transformers": ["BaseDocumentTransformer"],
    "documents.compressor": ["BaseDocumentCompressor"],
    "runnables": ["RouterRunnable", "RouterInput", "add", "aadd"],
    "runnables.router": ["RouterRunnable", "RouterInput"],
    "runnables.utils": ["add", "aadd"],
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("module", sorted(MODULE_NAMES))
def test_module_paths_offer_langchain_cores_names(pkg: str, module: str) -> None:
    mod = importlib.import_module(f"{pkg}.{module}")
    assert [n for n in MODULE_NAMES[module] if not hasattr(mod, n)] == []


# ----------------------------------------------------------------------------- prompts

EXAMPLES = [{"q": "1+1", "a": "2", "unused": "x"}, {"q": "2+2", "a": "4"}]
FEW_SHOT_TEXT = "Answer math\n\nQ: 1+1\nA: 2\n\nQ: 2+2\nA: 4\n\nQ: 3+3\nA:"


def _few_shot(pkg: str, **kw: Any) -> Any:
    prompt = load(pkg, "prompts.prompt", "PromptTemplate")
    few = load(pkg, "prompts.few_shot", "FewShotPromptTemplate")
    kw = {"prefix": "Answer {topic}", "suffix": "Q: {input}\nA:", **kw}
    return few(examples=EXAMPLES, example_prompt=prompt.from_template("Q: {q}\nA: {a}"), **kw)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_few_shot_prompt_is_a_prompt_step_of_a_chain(pkg: str, mode: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    fs = _few_shot(pkg, input_variables=["ignored"])  # read from prefix and suffix instead
    assert fs.input_variables == ["input", "topic"]
    chain = fs | lam(lambda v: v.to_string(), name="text")
    rec = recorder(pkg)
    x = {"topic": "math", "input": "3+3"}
    out = chain.invoke(x, {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
        chain.ainvoke(x, {"callbacks": [rec]}))
    assert out == FEW_SHOT_TEXT
    value = f"StringPromptValue({FEW_SHOT_TEXT!r})"
    assert rec.seen == [
        ("on_chain_start", "RunnableSequence", None, "{'input': '3+3', 'topic': 'math'}"),
        ("on_chain_start", "FewShotPromptTemplate", "RunnableSequence",
         "{'input': '3+3', 'topic': 'math'} run_type=prompt"),
        ("on_chain_end", "FewShotPromptTemplate", "RunnableSequence", value),
        ("on_chain_start", "text", "RunnableSequence", value),
        ("on_chain_end", "text", "RunnableSequence", repr(FEW_SHOT_TEXT)),
        ("on_chain_end", "RunnableSequence", None, repr(FEW_SHOT_TEXT)),
    ]
    assert asyncio.run(fs.aformat(topic="math", input="3+3")) == FEW_SHOT_TEXT


@pytest.mark.parametrize("pkg", PKGS)
def test_few_shot_prompt_fields_and_failures(pkg: str) -> None:
    fs = _few_shot(pkg, example_separator="|", prefix="")
    assert fs.format(topic="t", input="i") == "Q: 1+1\nA: 2|Q: 2+2\nA: 4|Q: i\nA:"
    assert fs.input_variables == ["input"]
    rec = recorder(pkg)
    with pytest.raises(KeyError):
        fs.invoke({"topic": "t"}, {"callbacks": [rec]})
    assert [e for e, *_ in rec.seen] == ["on_chain_start", "on_chain_error"]
    with pytest.raises(ValueError, match="One of 'examples' and 'example_selector'"):
        load(pkg, "prompts", "FewShotPromptTemplate")(
            example_prompt=load(pkg, "prompts", "PromptTemplate").from_template("{q}"),
            suffix="{input}")
    with pytest.raises(ValueError, match="Invalid prompt schema"):
        _few_shot(pkg, validate_template=True, input_variables=["input"])
    assert _few_shot(pkg, validate_template=True,
                     input_variables=["topic", "input"]).input_variables == ["topic", "input"]


def test_few_shot_example_selectors_are_refused_saying_so() -> None:
    prompt = load("reference", "prompts", "PromptTemplate").from_template("{q}")
    for cls, kw in (("FewShotPromptTemplate", {"suffix": "{input}"}),
                    ("FewShotChatMessagePromptTemplate", {})):
        with pytest.raises(NotImplementedError, match="example selectors are not supported"):
            load("reference", "prompts", cls)(example_selector=object(), example_prompt=prompt
                                              if cls == "FewShotPromptTemplate" else
                                              load("reference", "prompts", "ChatPromptTemplate")
                                              .from_messages([("human", "{q}")]), **kw)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_few_shot_chat_prompt_inside_a_chat_prompt_and_alone(pkg: str, mode: str) -> None:
    chat = load(pkg, "prompts", "ChatPromptTemplate")
    few = load(pkg, "prompts", "FewShotChatMessagePromptTemplate")
    lam = load(pkg, "runnables", "RunnableLambda")
    fc = few(examples=EXAMPLES, example_prompt=chat.from_messages([("human", "{q}"),
                                                                  ("ai", "{a}")]))
    assert fc.input_variables == []
    assert fc.format() == "Human: 1+1\nAI: 2\nHuman: 2+2\nAI: 4"
    final = chat.from_messages([("system", "be brief"), fc, ("human", "{input}")])
    assert final.input_variables == ["input"]

    def go(r: Any, x: Any, rec: Any) -> Any:
        return r.invoke(x, {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
            r.ainvoke(x, {"callbacks": [rec]}))

    rec = recorder(pkg)
    out = go(final | lam(lambda v: [m.type for m in v.to_messages()], name="types"),
             {"input": "3+3"}, rec)
    assert out == ["system", "human", "ai", "human", "ai", "human"]
    text = "'System: be brief\\nHuman: 1+1\\nAI: 2\\nHuman: 2+2\\nAI: 4\\nHuman: 3+3'"
    assert rec.seen[1:3] == [
        ("on_chain_start", "ChatPromptTemplate", "RunnableSequence",
         "{'input': '3+3'} run_type=prompt"),
        ("on_chain_end", "ChatPromptTemplate", "RunnableSequence", f"ChatPromptValue({text})"),
    ]
    rec = recorder(pkg)
    assert go(fc, {}, rec).to_string() == "Human: 1+1\nAI: 2\nHuman: 2+2\nAI: 4"
    assert rec.seen == [
        ("on_chain_start", "FewShotChatMessagePromptTemplate", None, "{} run_type=prompt"),
        ("on_chain_end", "FewShotChatMessagePromptTemplate", None,
         "ChatPromptValue('Human: 1+1\\nAI: 2\\nHuman: 2+2\\nAI: 4')"),
    ]
    one = few(examples=EXAMPLES, example_prompt=load(pkg, "prompts", "HumanMessagePromptTemplate")
              .from_template("{q}={a}"))
    assert [m.content for m in asyncio.run(one.aformat_messages())] == ["1+1=2", "2+2=4"]


@pytest.mark.parametrize("pkg", PKGS)
def test_format_document_takes_page_content_and_metadata(pkg: str) -> None:
    doc = load(pkg, "documents", "Document")(page_content="a joke", metadata={"page": 1, "x": 2})
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("Page {page}: {page_content}")
    fmt, afmt = load(pkg, "prompts", "format_document"), load(pkg, "prompts", "aformat_document")
    assert fmt(doc, prompt) == "Page 1: a joke"
    assert asyncio.run(afmt(doc, prompt)) == "Page 1: a joke"
    chat = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{page_content}")])
    assert fmt(doc, chat) == "Human: a joke"
    bare = load(pkg, "documents", "Document")(page_content="t")
    with pytest.raises(ValueError, match=r"metadata variables: \['page'\]. Received document "
                                         r"with missing metadata: \['page'\]"):
        fmt(bare, prompt)


@pytest.mark.parametrize("pkg", PKGS)
def test_get_template_variables_of_f_strings(pkg: str) -> None:
    get = load(pkg, "prompts", "get_template_variables")
    assert get("{b} and {a}, {b} {{not}} {c:>4}", "f-string") == ["a", "b", "c"]
    for bad in ("{a.b}", "{a[0]}", "{0}", "{a:{w}}"):
        with pytest.raises(ValueError, match="Invalid"):
            get(bad, "f-string")


def test_get_template_variables_refuses_other_formats_saying_so() -> None:
    get = load("reference", "prompts", "get_template_variables")
    for fmt in ("jinja2", "mustache"):
        with pytest.raises(NotImplementedError, match="f-string' only"):
            get("{{ a }}", fmt)


# ----------------------------------------------------------------------------- tools


def _with_retrievers(rec: Any) -> Any:
    """``rec`` recording the retriever events too (as ``Seen`` tuples)."""
    base = type(rec)

    class WithRetrievers(base):  # type: ignore[misc, valid-type]
        def on_retriever_start(self, serialized: Any, query: str, **kw: Any) -> None:
            self._add("on_retriever_start", repr(query), kw, serialized)

        def on_retriever_end(self, documents: Any, **kw: Any) -> None:
            self._add("on_retriever_end", repr([d.page_content for d in documents]), kw)

    return WithRetrievers()


def _retriever(pkg: str) -> Any:
    base = load(pkg, "retrievers", "BaseRetriever")
    doc = load(pkg, "documents", "Document")

    class Docs(base):  # type: ignore[misc, valid-type]
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Any]:
            return [doc(page_content=f"{query} one", metadata={"src": "a"}),
                    doc(page_content="two", metadata={"src": "b"})]

    return Docs()


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_retriever_tool_runs_the_retriever_as_its_child(pkg: str, mode: str) -> None:
    make = load(pkg, "tools.retriever", "create_retriever_tool")
    t = make(_retriever(pkg), "search", "Search the docs")
    assert (t.name, t.description, type(t).__name__) == ("search", "Search the docs",
                                                         "StructuredTool")
    for x, shown in (("q", "'q'"), ({"query": "q"}, "\"{'query': 'q'}\"")):
        rec = _with_retrievers(recorder(pkg))
        out = t.invoke(x, {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
            t.ainvoke(x, {"callbacks": [rec]}))
        assert out == "q one\n\ntwo"
        assert rec.seen == [
            ("on_tool_start", "search", None, shown),
            ("on_retriever_start", "Docs", "search", "'q'"),
            ("on_retriever_end", "Docs", "search", "['q one', 'two']"),
            ("on_tool_end", "search", None, "'q one\\n\\ntwo'"),
        ]


@pytest.mark.parametrize("pkg", PKGS)
def test_retriever_tool_with_a_document_prompt_answers_a_tool_call(pkg: str) -> None:
    prompt = load(pkg, "prompts", "PromptTemplate").from_template("[{src}] {page_content}")
    t = load(pkg, "tools", "create_retriever_tool")(
        _retriever(pkg), "search", "d", document_prompt=prompt, document_separator="|")
    rec = _with_retrievers(recorder(pkg))
    out = t.invoke({"name": "search", "args": {"query": "z"}, "id": "c1", "type": "tool_call"},
                   {"callbacks": [rec]})
    assert (type(out).__name__, out.content, out.tool_call_id) == (
        "ToolMessage", "[a] z one|[b] two", "c1")
    assert [(e, n, p) for e, n, p, _ in rec.seen] == [
        ("on_tool_start", "search", None), ("on_retriever_start", "Docs", "search"),
        ("on_retriever_end", "Docs", "search"), ("on_tool_end", "search", None)]
    assert t.args == {"query": {"description": "query to look up in retriever",
                                "title": "Query", "type": "string"}}


@pytest.mark.parametrize("pkg", PKGS)
def test_retriever_tool_with_artifacts_answers_the_documents_too(pkg: str) -> None:
    t = load(pkg, "tools", "create_retriever_tool")(
        _retriever(pkg), "search", "d", document_separator="|",
        response_format="content_and_artifact")
    out = t.invoke({"name": "search", "args": {"query": "z"}, "id": "c1", "type": "tool_call"})
    assert (out.content, [d.page_content for d in out.artifact]) == ("z one|two", ["z one", "two"])
    assert t.invoke("z") == "z one|two"  # no tool call: the content


def _tools(pkg: str) -> list[Any]:
    tool = load(pkg, "tools", "tool")
    injected = load(pkg, "tools", "InjectedToolArg")

    def add(a, b=2, tags=[], user=""):  # type: ignore[no-untyped-def]  # noqa: B006
        """Add two numbers."""
        return a + b

    # real annotation objects (this module's are strings, and the marker is per package)
    add.__annotations__ = {"a": int, "b": int, "tags": list[str],
                           "user": Annotated[str, injected], "return": int}
    add = tool(add)
    echo = load(pkg, "tools", "Tool")(name="echo", func=lambda s: s, description="Echo it")
    return [add, echo]


@pytest.mark.parametrize("pkg", PKGS)
def test_tools_rendered_as_text(pkg: str) -> None:
    add, echo = _tools(pkg)
    plain = load(pkg, "tools", "render_text_description")([add, echo])
    first, second = plain.split("\n")
    assert first.startswith("add(a: int, b: int = 2, tags: list[str] = [], user: typing.Annotated[")
    assert first.endswith("InjectedToolArg'>] = '') -> int - Add two numbers.")
    assert second == "echo(s) - Echo it"
    with_args = load(pkg, "tools", "render_text_description_and_args")([add, echo])
    assert with_args.split("\n")[1] == "echo(s) - Echo it, args: {'tool_input': {'type': 'string'}}"
    assert with_args.split("\n")[0].endswith(
        " - Add two numbers., args: {'a': {'title': 'A', 'type': 'integer'}, 'b': {'default': 2, "
        "'title': 'B', 'type': 'integer'}, 'tags': {'default': [], 'items': {'type': 'string'}, "
        "'title': 'Tags', 'type': 'array'}}")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_injected_arguments_are_hidden_from_the_tool_start(pkg: str, mode: str) -> None:
    add = _tools(pkg)[0]
    base = load(pkg, "callbacks.base", "BaseCallbackHandler")
    starts: list[tuple[str, Any]] = []

    class Starts(base):  # type: ignore[misc, valid-type]
        def on_tool_start(self, serialized: Any, input_str: str, **kw: Any) -> None:
            starts.append((input_str, kw.get("inputs")))

    call = {"name": "add", "args": {"a": 1, "user": "u"}, "id": "i", "type": "tool_call"}
    for x in ({"a": 1, "user": "u"}, call):
        cfg = {"callbacks": [Starts()]}
        out = add.invoke(x, cfg) if mode == "invoke" else asyncio.run(add.ainvoke(x, cfg))
        assert getattr(out, "content", out) in (3, "3")
    assert starts == [("{'a': 1}", {"a": 1})] * 2


def test_arguments_of_other_types_are_not_described_saying_so() -> None:
    @load("reference", "tools", "tool")
    def f(a: dict[str, int]) -> int:
        """F."""
        return 0

    with pytest.raises(NotImplementedError, match="'a' is dict"):
        f.args  # noqa: B018


@pytest.mark.parametrize("pkg", PKGS)
def test_toolkit_subclasses_give_their_tools(pkg: str) -> None:
    kit = load(pkg, "tools", "BaseToolkit")

    class Kit(kit):  # type: ignore[misc, valid-type]
        tools: list[Any]
        label: str = "k"

        def get_tools(self) -> list[Any]:
            return list(self.tools)

    tools = _tools(pkg)
    k = Kit(tools=tools)
    assert (k.get_tools(), k.label) == (tools, "k")
    with pytest.raises(TypeError):
        kit()
    with pytest.raises(Exception, match="tools"):
        Kit()


# ----------------------------------------------------------------------------- output parsers

CALLS = [{"name": "add", "args": {"a": 1}, "id": "c1"},
         {"name": "mul", "args": {"b": 2}, "id": "c2"}]


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_call_parsers_options(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    tools = load(pkg, "output_parsers.openai_tools", "JsonOutputToolsParser")
    key = load(pkg, "output_parsers.openai_tools", "JsonOutputKeyToolsParser")
    msg = ai(content="", tool_calls=CALLS)
    add, mul = {"args": {"a": 1}, "type": "add"}, {"args": {"b": 2}, "type": "mul"}
    assert tools().invoke(msg) == [add, mul]
    assert tools(return_id=True).invoke(msg) == [{**add, "id": "c1"}, {**mul, "id": "c2"}]
    assert tools(first_tool_only=True).invoke(msg) == add
    assert key(key_name="mul").invoke(msg) == [{"b": 2}]
    assert key(key_name="mul", first_tool_only=True).invoke(msg) == {"b": 2}
    assert key(key_name="mul", return_id=True).invoke(msg) == [{**mul, "id": "c2"}]
    assert key(key_name="mul", return_id=True, first_tool_only=True).invoke(msg) == {
        **mul, "id": "c2"}
    assert key(key_name="zzz", first_tool_only=True).invoke(msg) is None
    plain = ai(content="no calls")
    # no calls at all: [] even with first_tool_only (langchain_core's early return)
    assert (tools().invoke(plain), tools(first_tool_only=True).invoke(plain)) == ([], [])
    assert (key(key_name="a").invoke(plain), key(key_name="a", first_tool_only=True)
            .invoke(plain)) == ([], None)
    raw = ai(content="", additional_kwargs={"tool_calls": [
        {"id": "r1", "function": {"name": "add", "arguments": '{"a": 5}'}, "type": "function"}]})
    assert tools(return_id=True).invoke(raw) == [{"args": {"a": 5}, "id": "r1", "type": "add"}]
    bad = ai(content="", additional_kwargs={"tool_calls": [
        {"id": "r1", "function": {"name": "add", "arguments": '{"a": '}, "type": "function"}]})
    exc = load(pkg, "exceptions", "OutputParserException")
    with pytest.raises(exc, match="Function add arguments"):
        tools().invoke(bad)
    assert asyncio.run(tools().ainvoke(msg)) == [add, mul]


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_call_parser_is_a_parser_step(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    lam = load(pkg, "runnables", "RunnableLambda")
    parser = load(pkg, "output_parsers", "JsonOutputKeyToolsParser")(key_name="add")
    chain = lam(lambda _: ai(content="", tool_calls=CALLS), name="model") | parser
    rec = recorder(pkg)
    assert chain.invoke("x", {"callbacks": [rec]}) == [{"a": 1}]
    assert rec.seen[3:5] == [
        ("on_chain_start", "JsonOutputKeyToolsParser", "RunnableSequence",
         "AIMessage('') run_type=parser"),
        ("on_chain_end", "JsonOutputKeyToolsParser", "RunnableSequence", "[{'a': int}]"),
    ]
    rec = recorder(pkg)
    with pytest.raises(load(pkg, "exceptions", "OutputParserException"),
                       match="can only be used with a chat generation"):
        parser.invoke("text", {"callbacks": [rec]})
    assert [e for e, *_ in rec.seen] == ["on_chain_start", "on_chain_error"]
    # streamed, a whole message becomes a chunk without its tool calls: langchain_core gives []
    assert list((lam(lambda _: ai(content="", tool_calls=CALLS)) |
                 load(pkg, "output_parsers", "JsonOutputToolsParser")()).stream("x")) == [[]]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_generation_parser_subclass_parses_the_generations(pkg: str, mode: str) -> None:
    base = load(pkg, "output_parsers", "BaseGenerationOutputParser")
    llm_base = load(pkg, "output_parsers.base", "BaseLLMOutputParser")
    ai = load(pkg, "messages", "AIMessage")

    class Kinds(base):  # type: ignore[misc, valid-type]
        upper: bool = False

        def parse_result(self, result: list[Any], *, partial: bool = False) -> str:
            g = result[0]
            text = f"{type(g).__name__}:{g.text}"
            return text.upper() if self.upper else text

    p = Kinds(upper=True)
    assert isinstance(p, llm_base)
    assert not isinstance(p, load(pkg, "output_parsers", "BaseOutputParser"))
    rec = recorder(pkg)
    for x in (ai(content="hi"), "yo"):
        out = p.invoke(x, {"callbacks": [rec]}) if mode == "invoke" else asyncio.run(
            p.ainvoke(x, {"callbacks": [rec]}))
        assert out in ("CHATGENERATION:HI", "GENERATION:YO")
    assert rec.seen == [
        ("on_chain_start", "Kinds", None, "AIMessage('hi') run_type=parser"),
        ("on_chain_end", "Kinds", None, "'CHATGENERATION:HI'"),
        ("on_chain_start", "Kinds", None, "'yo' run_type=parser"),
        ("on_chain_end", "Kinds", None, "'GENERATION:YO'"),
    ]

    class Plain(llm_base):  # type: ignore[misc, valid-type]
        def parse_result(self, result: list[Any], *, partial: bool = False) -> int:
            return len(result)

    assert Plain().parse_result([1, 2]) == 2
    assert asyncio.run(Plain().aparse_result([1])) == 1


# ----------------------------------------------------------------------------- bases, router, add


@pytest.mark.parametrize("pkg", PKGS)
def test_chat_models_and_llms_are_language_models(pkg: str) -> None:
    base = load(pkg, "language_models", "BaseLanguageModel")
    chat = load(pkg, "language_models", "FakeListChatModel")(responses=["a"])
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["a"])
    assert isinstance(chat, base) and isinstance(llm, base)
    assert issubclass(load(pkg, "language_models", "BaseChatModel"), base)
    assert issubclass(load(pkg, "language_models", "BaseLLM"), base)
    assert not isinstance(load(pkg, "runnables", "RunnableLambda")(str), base)


@pytest.mark.parametrize("pkg", PKGS)
def test_document_transformer_and_compressor_subclasses(pkg: str) -> None:
    doc = load(pkg, "documents", "Document")
    transformer = load(pkg, "documents", "BaseDocumentTransformer")
    compressor = load(pkg, "documents", "BaseDocumentCompressor")

    class Upper(transformer):  # type: ignore[misc, valid-type]
        def transform_documents(self, documents: Any, **kwargs: Any) -> list[Any]:
            return [doc(page_content=d.page_content.upper(), metadata=kwargs) for d in documents]

    class Keep(compressor):  # type: ignore[misc, valid-type]
        def compress_documents(self, documents: Any, query: str, callbacks: Any = None
                               ) -> list[Any]:
            return [d for d in documents if query in d.page_content]

    docs = [doc(page_content="ab"), doc(page_content="cd")]
    assert [d.page_content for d in Upper().transform_documents(docs)] == ["AB", "CD"]
    out = asyncio.run(Upper().atransform_documents(docs, k=1))
    assert [(d.page_content, d.metadata) for d in out] == [("AB", {"k": 1}), ("CD", {"k": 1})]
    assert [d.page_content for d in Keep().compress_documents(docs, "c")] == ["cd"]
    assert [d.page_content for d in asyncio.run(Keep().acompress_documents(docs, "a"))] == ["ab"]
    for abstract in (transformer, compressor):
        with pytest.raises(TypeError):
            abstract()


def _router(pkg: str) -> Any:
    lam = load(pkg, "runnables", "RunnableLambda")
    return load(pkg, "runnables.router", "RouterRunnable")(
        runnables={"up": lam(lambda s: s.upper(), name="up"), "rev": lambda s: s[::-1]})


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "batch", "abatch"])
def test_router_runs_the_chosen_runnable_in_its_place(pkg: str, mode: str) -> None:
    r = _router(pkg)
    assert r.get_name() == "RouterRunnable"
    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}
    xs = [{"key": "up", "input": "ab"}, {"key": "rev", "input": "cd"}]
    if mode == "invoke":
        out = [r.invoke(x, cfg) for x in xs]
    elif mode == "ainvoke":
        out = [asyncio.run(r.ainvoke(x, cfg)) for x in xs]
    else:
        out = r.batch(xs, cfg) if mode == "batch" else asyncio.run(r.abatch(xs, cfg))
    assert out == ["AB", "dc"]
    assert sorted(rec.seen) == sorted([
        ("on_chain_start", "up", None, "'ab'"), ("on_chain_end", "up", None, "'AB'"),
        ("on_chain_start", "RunnableLambda", None, "'cd'"),
        ("on_chain_end", "RunnableLambda", None, "'dc'"),
    ])


@pytest.mark.parametrize("pkg", PKGS)
def test_router_as_a_step_and_its_unknown_keys(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    r = _router(pkg)
    rec = recorder(pkg)
    chain = lam(lambda x: {"key": "up", "input": x}, name="pick") | r
    assert chain.invoke("q", {"callbacks": [rec]}) == "Q"
    assert rec.seen == [
        ("on_chain_start", "RunnableSequence", None, "'q'"),
        ("on_chain_start", "pick", "RunnableSequence", "'q'"),
        ("on_chain_end", "pick", "RunnableSequence", "{'input': 'q', 'key': 'up'}"),
        ("on_chain_start", "up", "RunnableSequence", "'q'"),
        ("on_chain_end", "up", "RunnableSequence", "'Q'"),
        ("on_chain_end", "RunnableSequence", None, "'Q'"),
    ]
    assert list(r.stream({"key": "up", "input": "ab"})) == ["AB"]
    rec = recorder(pkg)
    with pytest.raises(ValueError, match="No runnable associated with key 'zz'"):
        r.invoke({"key": "zz", "input": "ab"}, {"callbacks": [rec]})
    with pytest.raises(ValueError, match="One or more keys do not have a corresponding runnable"):
        r.batch([{"key": "up", "input": "a"}, {"key": "zz", "input": "b"}], {"callbacks": [rec]})
    assert rec.seen == []


@pytest.mark.parametrize("pkg", PKGS)
def test_add_and_aadd_add_up_addables(pkg: str) -> None:
    add, aadd = load(pkg, "runnables", "add"), load(pkg, "runnables.utils", "aadd")
    chunk = load(pkg, "messages", "AIMessageChunk")

    async def items(xs: list[Any]) -> Any:
        for x in xs:
            yield x

    assert add(["a", "b", "c"]) == "abc"
    assert add([]) is None
    assert add(iter([[1], [2]])) == [1, 2]
    assert add([chunk(content="he"), chunk(content="y")]).content == "hey"
    assert asyncio.run(aadd(items(["x", "y"]))) == "xy"
    assert asyncio.run(aadd(items([]))) is None
