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
    "prompts": ["HumanMessagePromptTemplate", "SystemMessagePromptTemplate",
                "AIMessagePromptTemplate", "ChatMessagePromptTemplate", "StringPromptTemplate",
                "BaseChatPromptTemplate"],
    "prompts.chat": ["HumanMessagePromptTemplate", "SystemMessagePromptTemplate",
                     "AIMessagePromptTemplate", "ChatMessagePromptTemplate",
                     "BaseChatPromptTemplate", "BaseMessagePromptTemplate",
                     "BaseStringMessagePromptTemplate"],
    "prompts.string": ["StringPromptTemplate"],
    "prompts.message": ["BaseMessagePromptTemplate"],
    "output_parsers": ["BaseOutputParser", "BaseTransformOutputParser",
                       "BaseCumulativeTransformOutputParser", "JsonOutputParser",
                       "SimpleJsonOutputParser", "ListOutputParser",
                       "CommaSeparatedListOutputParser", "NumberedListOutputParser",
                       "MarkdownListOutputParser"],
    "output_parsers.base": ["BaseOutputParser"],
    "output_parsers.transform": ["BaseTransformOutputParser",
                                 "BaseCumulativeTransformOutputParser"],
    "output_parsers.json": ["JsonOutputParser", "SimpleJsonOutputParser", "parse_partial_json"],
    "output_parsers.list": ["CommaSeparatedListOutputParser", "ListOutputParser",
                            "NumberedListOutputParser", "MarkdownListOutputParser"],
    "output_parsers.string": ["BaseTransformOutputParser"],
    "exceptions": ["OutputParserException"],
    "tools": ["Tool"],
    "tools.simple": ["Tool"],
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


# ----------------------------------------------------------------------------- prompts + parsers


def _upper_parser(pkg: str) -> Any:
    """The common custom parser: a ``BaseOutputParser`` subclass implementing ``parse``."""
    base = load(pkg, "output_parsers", "BaseOutputParser")

    class Upper(base):  # type: ignore[misc, valid-type]
        def parse(self, text: str) -> str:
            return text.upper()

    return Upper()


def _message_templates_prompt(pkg: str) -> Any:
    return load(pkg, "prompts", "ChatPromptTemplate").from_messages([
        load(pkg, "prompts", "SystemMessagePromptTemplate").from_template("Be {mood}."),
        load(pkg, "prompts.chat", "HumanMessagePromptTemplate").from_template("{q}"),
        load(pkg, "prompts", "AIMessagePromptTemplate").from_template("ok: {q}"),
    ])


def message_templates_model_custom_parser(pkg: str) -> list[Seen]:
    """A prompt of message templates | a fake chat model | a custom parser, invoked: the
    prompt run ends with the role messages; the parser's run is named after its class."""
    prompt = _message_templates_prompt(pkg)
    assert prompt.input_variables == ["mood", "q"]
    model = load(pkg, "language_models", "GenericFakeChatModel")(messages=iter(["a b"]))
    rec = recorder(pkg)
    chain = prompt | model | _upper_parser(pkg)
    assert chain.invoke({"mood": "calm", "q": "why"}, {"callbacks": [rec]}) == "A B"
    return rec.seen  # type: ignore[no-any-return]


_PROMPTED: list[Seen] = [
    ("on_chain_start", "ChatPromptTemplate", "RunnableSequence",
     "{'mood': 'calm', 'q': 'why'} run_type=prompt"),
    ("on_chain_end", "ChatPromptTemplate", "RunnableSequence",
     "ChatPromptValue('System: Be calm.\\nHuman: why\\nAI: ok: why')"),
    ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence",
     "[[SystemMessage('Be calm.'), HumanMessage('why'), AIMessage('ok: why')]]"),
]

MESSAGE_TEMPLATES_MODEL_CUSTOM_PARSER: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "{'mood': 'calm', 'q': 'why'}"),
    *_PROMPTED,
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     "LLMResult([[ChatGeneration(AIMessage('a b'))]])"),
    ("on_chain_start", "Upper", "RunnableSequence", "AIMessage('a b') run_type=parser"),
    ("on_chain_end", "Upper", "RunnableSequence", "'A B'"),
    ("on_chain_end", "RunnableSequence", None, "'A B'"),
]


def _stream_input_masked(seen: list[Seen], steps: tuple[str, ...]) -> list[Seen]:
    """What a streamed chain's start and a streamed parser step's start carry differs on
    purpose (SPEC R15.3: the reference gives the root its whole input, a step its first
    chunk; langchain-core gives both {'input': ''}, a known deviation): left out here."""
    return [(e, n, p, "<stream input>" if e == "on_chain_start" and n in steps else d)
            for e, n, p, d in seen]


def message_templates_model_custom_parser_streamed(pkg: str) -> list[Seen]:
    """The same chain streamed: the custom parser (no ``transform`` of its own) waits for the
    whole reply: one run, after the model's, its input the chunks added up."""
    model = load(pkg, "language_models", "GenericFakeChatModel")(messages=iter(["a b"]))
    rec = recorder(pkg)
    chain = _message_templates_prompt(pkg) | model | _upper_parser(pkg)
    assert list(chain.stream({"mood": "calm", "q": "why"}, {"callbacks": [rec]})) == ["A B"]
    return _stream_input_masked(rec.seen, ("RunnableSequence",))


MESSAGE_TEMPLATES_MODEL_CUSTOM_PARSER_STREAMED: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "<stream input>"),
    *_PROMPTED,
    *[("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence",
       f"{t!r} ChatGenerationChunk") for t in ["a", " ", "b"]],
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     "LLMResult([[ChatGenerationChunk(AIMessageChunk('a b'))]])"),
    ("on_chain_start", "Upper", "RunnableSequence", "AIMessageChunk('a b') run_type=parser"),
    ("on_chain_end", "Upper", "RunnableSequence", "'A B'"),
    ("on_chain_end", "RunnableSequence", None, "'A B'"),
]

_JSON = '{"a": [1, "xy z"], "b": true}'


def json_parser(pkg: str) -> list[Seen]:
    """``JsonOutputParser`` invoked on a fenced reply, then streamed after a streaming model:
    partial objects as they grow, one parser run from the first token, ending with the
    last object."""
    model = load(pkg, "language_models", "GenericFakeChatModel")(
        messages=iter([f"```json\n{_JSON}\n```", _JSON]))
    chain = model | load(pkg, "output_parsers.json", "JsonOutputParser")()
    rec = recorder(pkg)
    full = {"a": [1, "xy z"], "b": True}
    assert chain.invoke("x", {"callbacks": [rec]}) == full
    assert list(chain.stream("x", {"callbacks": [rec]})) == [
        {}, {"a": [1]}, {"a": [1, "xy"]}, {"a": [1, "xy z"]}, full]
    return rec.seen[:6] + _stream_input_masked(rec.seen[6:],
                                               ("RunnableSequence", "JsonOutputParser"))


_JSON_TOKENS = ['{"a":', " ", "[1,", " ", '"xy', " ", 'z"],', " ", '"b":', " ", "true}"]
_JSON_END = "{'a': [int, 'xy z'], 'b': bool}"

JSON_PARSER: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "'x'"),
    ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence", "[[HumanMessage('x')]]"),
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     f"LLMResult([[ChatGeneration(AIMessage({f'```json{chr(10)}{_JSON}{chr(10)}```'!r}))]])"),
    ("on_chain_start", "JsonOutputParser", "RunnableSequence",
     f"AIMessage({f'```json{chr(10)}{_JSON}{chr(10)}```'!r}) run_type=parser"),
    ("on_chain_end", "JsonOutputParser", "RunnableSequence", _JSON_END),
    ("on_chain_end", "RunnableSequence", None, _JSON_END),
    ("on_chain_start", "RunnableSequence", None, "<stream input>"),
    ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence", "[[HumanMessage('x')]]"),
    ("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence",
     f"{_JSON_TOKENS[0]!r} ChatGenerationChunk"),
    ("on_chain_start", "JsonOutputParser", "RunnableSequence", "<stream input>"),
    *[("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence",
       f"{t!r} ChatGenerationChunk") for t in _JSON_TOKENS[1:]],
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     f"LLMResult([[ChatGenerationChunk(AIMessageChunk({_JSON!r}))]])"),
    ("on_chain_end", "JsonOutputParser", "RunnableSequence", _JSON_END),
    ("on_chain_end", "RunnableSequence", None, _JSON_END),
]


def list_parser(pkg: str) -> list[Seen]:
    """``CommaSeparatedListOutputParser`` invoked, then streamed: each item as ``[item]`` once
    the next has begun; the parser run ends with the whole list (the items added up)."""
    text = 'red, "blue, x", green'
    model = load(pkg, "language_models", "GenericFakeChatModel")(messages=iter([text, text]))
    chain = model | load(pkg, "output_parsers.list", "CommaSeparatedListOutputParser")()
    rec = recorder(pkg)
    assert chain.invoke("x", {"callbacks": [rec]}) == ["red", "blue, x", "green"]
    assert list(chain.stream("x", {"callbacks": [rec]})) == [["red"], ["blue, x"], ["green"]]
    return rec.seen[:6] + _stream_input_masked(
        rec.seen[6:], ("RunnableSequence", "CommaSeparatedListOutputParser"))


_LIST_TEXT = 'red, "blue, x", green'
_LIST_END = "['red', 'blue, x', 'green']"

LIST_PARSER: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "'x'"),
    ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence", "[[HumanMessage('x')]]"),
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     f"LLMResult([[ChatGeneration(AIMessage({_LIST_TEXT!r}))]])"),
    ("on_chain_start", "CommaSeparatedListOutputParser", "RunnableSequence",
     f"AIMessage({_LIST_TEXT!r}) run_type=parser"),
    ("on_chain_end", "CommaSeparatedListOutputParser", "RunnableSequence", _LIST_END),
    ("on_chain_end", "RunnableSequence", None, _LIST_END),
    ("on_chain_start", "RunnableSequence", None, "<stream input>"),
    ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence", "[[HumanMessage('x')]]"),
    ("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence", "'red,' ChatGenerationChunk"),
    ("on_chain_start", "CommaSeparatedListOutputParser", "RunnableSequence", "<stream input>"),
    *[("on_llm_new_token", "GenericFakeChatModel", "RunnableSequence",
       f"{t!r} ChatGenerationChunk") for t in [" ", '"blue,', " ", 'x",', " ", "green"]],
    ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
     f"LLMResult([[ChatGenerationChunk(AIMessageChunk({_LIST_TEXT!r}))]])"),
    ("on_chain_end", "CommaSeparatedListOutputParser", "RunnableSequence", _LIST_END),
    ("on_chain_end", "RunnableSequence", None, _LIST_END),
]


# ----------------------------------------------------------------------------- tools


def tool_in_chain(pkg: str) -> list[Seen]:
    """``Tool``: a single-string-input tool invoked inside a chain (its input the previous
    step's output); a dict of one value is that value; of two, a ``ToolException`` inside the
    tool's run; a coroutine-only tool invoked synchronously fails inside its run too."""
    tool_cls = load(pkg, "tools", "Tool")
    lam = load(pkg, "runnables", "RunnableLambda")
    tool_exception = load(pkg, "tools", "ToolException")
    shout = tool_cls(name="shout", func=lambda s: s.upper(), description="Uppercase it.")
    assert (shout.name, shout.description, shout.args) == (
        "shout", "Uppercase it.", {"tool_input": {"type": "string"}})
    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}
    assert (lam(lambda s: s + "!") | shout).invoke("hi", cfg) == "HI!"
    assert shout.invoke({"text": "one"}, cfg) == "ONE"
    with pytest.raises(tool_exception, match="Too many arguments to single-input tool shout"):
        shout.invoke({"a": "1", "b": "2"}, cfg)

    async def double(s: str) -> str:
        return s * 2

    twice = tool_cls.from_function(func=None, name="twice", description="d", coroutine=double)
    assert asyncio.run(twice.ainvoke("ab", cfg)) == "abab"
    with pytest.raises(NotImplementedError):
        twice.invoke("ab", cfg)
    return rec.seen  # type: ignore[no-any-return]


TOOL_IN_CHAIN: list[Seen] = [
    ("on_chain_start", "RunnableSequence", None, "'hi'"),
    ("on_chain_start", "RunnableLambda", "RunnableSequence", "'hi'"),
    ("on_chain_end", "RunnableLambda", "RunnableSequence", "'hi!'"),
    ("on_tool_start", "shout", "RunnableSequence", "'hi!'"),
    ("on_tool_end", "shout", "RunnableSequence", "'HI!'"),
    ("on_chain_end", "RunnableSequence", None, "'HI!'"),
    ("on_tool_start", "shout", None, "\"{'text': 'one'}\""),
    ("on_tool_end", "shout", None, "'ONE'"),
    ("on_tool_start", "shout", None, "\"{'a': '1', 'b': '2'}\""),
    ("on_tool_error", "shout", None,
     "ToolException(Too many arguments to single-input tool shout.\n"
     "                Consider using StructuredTool instead. Args: ['1', '2'])"),
    ("on_tool_start", "twice", None, "'ab'"),
    ("on_tool_end", "twice", None, "'abab'"),
    ("on_tool_start", "twice", None, "'ab'"),
    ("on_tool_error", "twice", None,
     "NotImplementedError(Tool does not support sync invocation.)"),
]


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


# ----------------------------------------------------------------------------- small names


def prompt_bases_subclassed(pkg: str) -> list[Seen]:
    """User subclasses of ``StringPromptTemplate`` (``format``) and ``BaseChatPromptTemplate``
    (``format_messages``), built with ``input_variables=``: ``prompt`` runs named after the
    class; a missing variable is a ``KeyError`` inside the run."""
    string_base = load(pkg, "prompts", "StringPromptTemplate")
    chat_base = load(pkg, "prompts", "BaseChatPromptTemplate")
    system = load(pkg, "messages", "SystemMessage")

    class Shout(string_base):  # type: ignore[misc, valid-type]
        def format(self, **kwargs: Any) -> str:
            return str(kwargs["word"]).upper()

    class Brief(chat_base):  # type: ignore[misc, valid-type]
        def format_messages(self, **kwargs: Any) -> list[Any]:
            return [system(f"Be brief about {kwargs['topic']}.")]

    rec = recorder(pkg)
    cfg = {"callbacks": [rec]}
    assert Shout(input_variables=["word"]).invoke("hey", cfg).to_string() == "HEY"
    brief = Brief(input_variables=["topic"])
    assert brief.invoke({"topic": "owls"}, cfg).to_messages()[0].content == "Be brief about owls."
    assert brief.format(topic="x") == "System: Be brief about x."
    with pytest.raises(KeyError):
        brief.invoke({"other": 1}, cfg)
    # The error's text is each package's own: its type is compared.
    return [(e, n, p, d.split("(")[0] if e == "on_chain_error" else d) for e, n, p, d in rec.seen]


PROMPT_BASES_SUBCLASSED: list[Seen] = [
    ("on_chain_start", "Shout", None, "'hey' run_type=prompt"),
    ("on_chain_end", "Shout", None, "StringPromptValue('HEY')"),
    ("on_chain_start", "Brief", None, "{'topic': 'owls'} run_type=prompt"),
    ("on_chain_end", "Brief", None, "ChatPromptValue('System: Be brief about owls.')"),
    ("on_chain_start", "Brief", None, "{'other': int} run_type=prompt"),
    ("on_chain_error", "Brief", None, "KeyError"),
]


@pytest.mark.parametrize("pkg", PKGS)
def test_message_templates_inside_chat_prompts(pkg: str) -> None:
    """Role tuples become message templates; chat prompts nest; input variables are sorted,
    optional placeholders listed apart; ``ChatMessagePromptTemplate`` keeps its role."""
    prompts = importlib.import_module(f"{pkg}.prompts")
    human = prompts.HumanMessagePromptTemplate.from_template("{z} {a}",
                                                             additional_kwargs={"k": 1})
    assert (human.input_variables, human.prompt.template) == (["a", "z"], "{z} {a}")
    message = human.format(z=1, a=2)
    assert (type(message).__name__, message.content, message.additional_kwargs) == (
        "HumanMessage", "1 2", {"k": 1})
    wizard = prompts.ChatMessagePromptTemplate.from_template("{spell}!", role="wizard")
    inner = prompts.ChatPromptTemplate.from_messages([("system", "fixed"), "{s}"])
    prompt = prompts.ChatPromptTemplate.from_messages([
        human, wizard, inner, prompts.MessagesPlaceholder("extra", optional=True)])
    assert (prompt.input_variables, prompt.optional_variables) == (
        ["a", "s", "spell", "z"], ["extra"])
    assert [type(m).__name__ for m in prompt.messages] == [
        "HumanMessagePromptTemplate", "ChatMessagePromptTemplate", "ChatPromptTemplate",
        "MessagesPlaceholder"]
    assert [type(m).__name__ for m in inner.messages] == [
        "SystemMessagePromptTemplate", "HumanMessagePromptTemplate"]
    assert prompt.format(z=1, a=2, s=3, spell="zap") == \
        "Human: 1 2\nwizard: zap!\nSystem: fixed\nHuman: 3"
    with pytest.raises(ValueError, match="Unexpected message type: wizard"):
        prompts.ChatPromptTemplate.from_messages([("wizard", "x")])


@pytest.mark.parametrize("pkg", PKGS)
def test_invalid_json_is_an_output_parser_error_in_the_parsers_run(pkg: str) -> None:
    parser = load(pkg, "output_parsers", "JsonOutputParser")()
    error = load(pkg, "exceptions", "OutputParserException")
    rec = recorder(pkg)
    with pytest.raises(error) as caught:
        parser.invoke("not json", {"callbacks": [rec]})
    assert isinstance(caught.value, ValueError) and caught.value.llm_output == "not json"
    assert rec.seen == [
        ("on_chain_start", "JsonOutputParser", None, "'not json' run_type=parser"),
        ("on_chain_error", "JsonOutputParser", None,
         "OutputParserException(Invalid json output: not json\nFor troubleshooting, visit: "
         "https://docs.langchain.com/oss/python/langchain/errors/OUTPUT_PARSING_FAILURE )"),
    ]
    parse = load(pkg, "output_parsers.json", "parse_partial_json")
    assert [parse(t) for t in ('{"a": "b', '[1, {"c": tr', '{"a": 1]', '"x\\')] == [
        {"a": "b"}, [1, {}], None, "x"]


@pytest.mark.parametrize("pkg", PKGS)
def test_parsers_stream_whole_on_their_own(pkg: str) -> None:
    """A parser's own ``stream`` is ``invoke``'s result whole (only a stream it transforms is
    parsed chunk by chunk), and a JSON parser's ``astream`` after a model yields partials."""
    listp = load(pkg, "output_parsers", "CommaSeparatedListOutputParser")()
    numbered = load(pkg, "output_parsers", "NumberedListOutputParser")()
    markdown = load(pkg, "output_parsers", "MarkdownListOutputParser")()
    assert list(listp.stream("a, b")) == [["a", "b"]]
    model = load(pkg, "language_models", "GenericFakeChatModel")(
        messages=iter(["1. ab cd\n2. ef", "- x\n* y z", '{"k": [1, 2]}']))

    async def astream(chain: Any) -> list[Any]:
        return [c async for c in chain.astream("q")]

    assert asyncio.run(astream(model | numbered)) == [["ab cd"], ["ef"]]
    assert asyncio.run(astream(model | markdown)) == [["x"], ["y z"]]
    jsonp = load(pkg, "output_parsers", "JsonOutputParser")()
    assert asyncio.run(astream(model | jsonp)) == [{}, {"k": [1]}, {"k": [1, 2]}]


# ----------------------------------------------------------------------------- run them all


SCENARIOS: dict[str, tuple[Callable[[str], list[Seen]], list[Seen]]] = {
    "fake_messages_list_chat_model": (fake_messages_list_chat_model,
                                      FAKE_MESSAGES_LIST_CHAT_MODEL),
    "parrot_fake_chat_model": (parrot_fake_chat_model, PARROT_FAKE_CHAT_MODEL),
    "fake_chat_model": (fake_chat_model, FAKE_CHAT_MODEL),
    "message_templates_model_custom_parser": (message_templates_model_custom_parser,
                                              MESSAGE_TEMPLATES_MODEL_CUSTOM_PARSER),
    "message_templates_model_custom_parser_streamed": (
        message_templates_model_custom_parser_streamed,
        MESSAGE_TEMPLATES_MODEL_CUSTOM_PARSER_STREAMED),
    "json_parser": (json_parser, JSON_PARSER),
    "list_parser": (list_parser, LIST_PARSER),
    "tool_in_chain": (tool_in_chain, TOOL_IN_CHAIN),
    "prompt_bases_subclassed": (prompt_bases_subclassed, PROMPT_BASES_SUBCLASSED),
}


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_scenario_gives_langchain_cores_events(pkg: str, scenario: str) -> None:
    run, expected = SCENARIOS[scenario]
    assert run(pkg) == expected
