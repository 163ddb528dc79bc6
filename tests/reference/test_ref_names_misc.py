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
from typing import Any

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
