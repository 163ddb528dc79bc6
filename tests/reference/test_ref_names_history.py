"""Chat message history at langchain_core's names: ``chat_history`` (``BaseChatMessageHistory``,
``InMemoryChatMessageHistory``) and ``RunnableWithMessageHistory`` (``runnables``,
``runnables.history``): what a handler sees of a call (the wrapper's own runs: the renamed
sequence, ``load_history`` / ``insert_history``, ``check_sync_or_async`` and the wrapped
runnable below it), what the store holds after each call, for each input and output shape,
and the errors. Written once against a package prefix, expected values by hand (langchain-core
1.8.3's); where langchain-core 1.x is installed they must hold on it too."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, Seen, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

# langchain_core deprecates both names (since 1.3.3 and 1.6.4); the reference warns of nothing
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RWMH = "RunnableWithMessageHistory"
CHECK = "check_sync_or_async"
S1 = {"configurable": {"session_id": "s1"}}


def _stored(history: Any) -> list[tuple[str, Any]]:
    return [(type(m).__name__, m.content) for m in history.messages]


class _Sessions:
    """``get_session_history``: one ``InMemoryChatMessageHistory`` per session id."""

    def __init__(self, pkg: str) -> None:
        self.cls = load(pkg, "chat_history", "InMemoryChatMessageHistory")
        self.store: dict[str, Any] = {}

    def __call__(self, session_id: str) -> Any:
        return self.store.setdefault(session_id, self.cls())

    def stored(self, session_id: str = "s1") -> list[tuple[str, Any]]:
        return _stored(self.store[session_id])


def _model(pkg: str, *replies: str) -> Any:
    ai = load(pkg, "messages", "AIMessage")
    return load(pkg, "language_models.fake_chat_models", "GenericFakeChatModel")(
        messages=iter([ai(content=r) for r in replies]))


def _call(r: Any, x: Any, config: dict[str, Any], mode: str) -> Any:
    if mode == "invoke":
        return r.invoke(x, config)
    if mode == "ainvoke":
        return asyncio.run(r.ainvoke(x, config))
    if mode == "batch":
        return r.batch([x], config)[0]
    if mode == "abatch":
        return asyncio.run(r.abatch([x], config))[0]
    if mode == "stream":
        return list(r.stream(x, config))

    async def collect() -> list[Any]:
        return [c async for c in r.astream(x, config)]

    return asyncio.run(collect())


def _with(rec: Any, config: dict[str, Any] = S1) -> dict[str, Any]:
    return {**config, "callbacks": [rec]}


WHOLE = ["invoke", "ainvoke", "batch", "abatch"]


def _model_turn(first: str, history: list[str], reply: str) -> list[Seen]:
    sent = "[" + ", ".join([*history, f"HumanMessage({first!r})"]) + "]"
    return [
        ("on_chain_start", RWMH, None, repr(first)),
        ("on_chain_start", "load_history", RWMH, repr(first)),
        ("on_chain_end", "load_history", RWMH, sent),
        ("on_chain_start", CHECK, RWMH, sent),
        ("on_chat_model_start", "GenericFakeChatModel", CHECK, f"[{sent}]"),
        ("on_llm_end", "GenericFakeChatModel", CHECK,
         f"LLMResult([[ChatGeneration(AIMessage({reply!r}))]])"),
        ("on_chain_end", CHECK, RWMH, f"AIMessage({reply!r})"),
        ("on_chain_end", RWMH, None, f"AIMessage({reply!r})"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", WHOLE)
def test_a_chat_model_gets_the_past_messages_and_the_store_the_new_ones(
    pkg: str, mode: str
) -> None:
    """A string input is a human message; the model gets the session's messages before it, and
    after the call the store holds the input and the reply."""
    sessions = _Sessions(pkg)
    r = load(pkg, "runnables.history", RWMH)(_model(pkg, "one", "two"), sessions)
    rec = recorder(pkg)
    assert _call(r, "hello", _with(rec), mode).content == "one"
    assert sessions.stored() == [("HumanMessage", "hello"), ("AIMessage", "one")]
    assert _call(r, "again", _with(rec), mode).content == "two"
    assert sessions.stored() == [("HumanMessage", "hello"), ("AIMessage", "one"),
                                 ("HumanMessage", "again"), ("AIMessage", "two")]
    assert rec.seen == [
        *_model_turn("hello", [], "one"),
        *_model_turn("again", ["HumanMessage('hello')", "AIMessage('one')"], "two"),
    ]


def _prompt_chain(pkg: str, *replies: str) -> Any:
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([
        ("system", "sys"), load(pkg, "prompts", "MessagesPlaceholder")(variable_name="history"),
        ("human", "{question}")])
    return prompt | _model(pkg, *replies)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", WHOLE)
def test_a_prompt_chain_gets_the_history_under_its_key(pkg: str, mode: str) -> None:
    """With ``input_messages_key`` and ``history_messages_key`` the dict input gets the past
    messages assigned (``insert_history``: a ``RunnablePassthrough.assign``), and the store the
    question as a human message."""
    sessions = _Sessions(pkg)
    r = load(pkg, "runnables.history", RWMH)(
        _prompt_chain(pkg, "a1", "a2"), sessions,
        input_messages_key="question", history_messages_key="history")
    _call(r, {"question": "q1"}, S1, mode)
    rec = recorder(pkg)
    out = _call(r, {"question": "q2"}, _with(rec), mode)
    assert out.content == "a2"
    assert sessions.stored() == [("HumanMessage", "q1"), ("AIMessage", "a1"),
                                 ("HumanMessage", "q2"), ("AIMessage", "a2")]
    past = "[HumanMessage('q1'), AIMessage('a1')]"
    given = f"{{'history': {past}, 'question': 'q2'}}"
    assert rec.seen == [
        ("on_chain_start", RWMH, None, "{'question': 'q2'}"),
        ("on_chain_start", "insert_history", RWMH, "{'question': 'q2'}"),
        ("on_chain_start", "RunnableParallel<history>", "insert_history", "{'question': 'q2'}"),
        ("on_chain_start", "load_history", "RunnableParallel<history>", "{'question': 'q2'}"),
        ("on_chain_end", "load_history", "RunnableParallel<history>", past),
        ("on_chain_end", "RunnableParallel<history>", "insert_history",
         f"{{'history': {past}}}"),
        ("on_chain_end", "insert_history", RWMH, given),
        ("on_chain_start", CHECK, RWMH, given),
        ("on_chain_start", "RunnableSequence", CHECK, given),
        ("on_chain_start", "ChatPromptTemplate", "RunnableSequence", given + " run_type=prompt"),
        ("on_chain_end", "ChatPromptTemplate", "RunnableSequence",
         "ChatPromptValue('System: sys\\nHuman: q1\\nAI: a1\\nHuman: q2')"),
        ("on_chat_model_start", "GenericFakeChatModel", "RunnableSequence",
         "[[SystemMessage('sys'), HumanMessage('q1'), AIMessage('a1'), HumanMessage('q2')]]"),
        ("on_llm_end", "GenericFakeChatModel", "RunnableSequence",
         "LLMResult([[ChatGeneration(AIMessage('a2'))]])"),
        ("on_chain_end", "RunnableSequence", CHECK, "AIMessage('a2')"),
        ("on_chain_end", CHECK, RWMH, "AIMessage('a2')"),
        ("on_chain_end", RWMH, None, "AIMessage('a2')"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_lambda_given_messages_answering_a_string(pkg: str, mode: str) -> None:
    """A list of messages in (past ones first), a string out (stored as an AI message); the
    second call's input messages are stored, not the past ones again."""
    human = load(pkg, "messages", "HumanMessage")
    sessions = _Sessions(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")(lambda msgs: f"n={len(msgs)}")
    r = load(pkg, "runnables.history", RWMH)(lam, sessions)
    assert _call(r, [human(content="a")], S1, mode) == "n=1"
    rec = recorder(pkg)
    assert _call(r, (human(content="b"), human(content="c")), _with(rec), mode) == "n=4"
    assert sessions.stored() == [("HumanMessage", "a"), ("AIMessage", "n=1"),
                                 ("HumanMessage", "b"), ("HumanMessage", "c"),
                                 ("AIMessage", "n=4")]
    sent = "[HumanMessage('a'), AIMessage('n=1'), HumanMessage('b'), HumanMessage('c')]"
    assert rec.seen == [
        ("on_chain_start", RWMH, None, "[HumanMessage('b'), HumanMessage('c')]"),
        ("on_chain_start", "load_history", RWMH, "[HumanMessage('b'), HumanMessage('c')]"),
        ("on_chain_end", "load_history", RWMH, sent),
        ("on_chain_start", CHECK, RWMH, sent),
        ("on_chain_start", "RunnableLambda", CHECK, sent),
        ("on_chain_end", "RunnableLambda", CHECK, "'n=4'"),
        ("on_chain_end", CHECK, RWMH, "'n=4'"),
        ("on_chain_end", RWMH, None, "'n=4'"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_dict_in_and_out_with_the_messages_keys(pkg: str, mode: str) -> None:
    """``input_messages_key`` alone: that key gets every message (past and new);
    ``output_messages_key`` picks the output's message."""
    ai = load(pkg, "messages", "AIMessage")
    sessions = _Sessions(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")(
        lambda d: {"answer": ai(content=f"n={len(d['input'])}"), "other": 1})
    r = load(pkg, "runnables.history", RWMH)(lam, sessions, input_messages_key="input",
                                             output_messages_key="answer")
    rec = recorder(pkg)
    out = _call(r, {"input": "q"}, _with(rec), mode)
    assert (out["answer"].content, out["other"]) == ("n=1", 1)
    _call(r, {"input": "r"}, S1, mode)
    assert sessions.stored() == [("HumanMessage", "q"), ("AIMessage", "n=1"),
                                 ("HumanMessage", "r"), ("AIMessage", "n=3")]
    given = "{'input': [HumanMessage('q')]}"
    answer = "{'answer': AIMessage('n=1'), 'other': int}"
    assert rec.seen == [
        ("on_chain_start", RWMH, None, "{'input': 'q'}"),
        ("on_chain_start", "insert_history", RWMH, "{'input': 'q'}"),
        ("on_chain_start", "RunnableParallel<input>", "insert_history", "{'input': 'q'}"),
        ("on_chain_start", "load_history", "RunnableParallel<input>", "{'input': 'q'}"),
        ("on_chain_end", "load_history", "RunnableParallel<input>", "[HumanMessage('q')]"),
        ("on_chain_end", "RunnableParallel<input>", "insert_history", given),
        ("on_chain_end", "insert_history", RWMH, given),
        ("on_chain_start", CHECK, RWMH, given),
        ("on_chain_start", "RunnableLambda", CHECK, given),
        ("on_chain_end", "RunnableLambda", CHECK, answer),
        ("on_chain_end", CHECK, RWMH, answer),
        ("on_chain_end", RWMH, None, answer),
    ]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("output", ["output", "only", "messages"])
def test_output_shapes(pkg: str, output: str) -> None:
    """A dict's ``"output"`` key or its only key, and a list of messages, are stored."""
    ai = load(pkg, "messages", "AIMessage")
    value = {"output": {"output": "o", "x": 1}, "only": {"reply": "o"},
             "messages": [ai(content="o"), ai(content="p")]}[output]
    sessions = _Sessions(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")(lambda _: value)
    load(pkg, "runnables.history", RWMH)(lam, sessions).invoke("q", S1)
    assert sessions.stored() == [("HumanMessage", "q"), ("AIMessage", "o"),
                                 *([("AIMessage", "p")] if output == "messages" else [])]


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("output", [5, {"a": 1, "b": 2}])
def test_an_output_without_messages_is_not_stored_and_the_call_still_returns(
    pkg: str, output: Any
) -> None:
    """Storing happens in an end listener: its failure is a handler fault, contained."""
    sessions = _Sessions(pkg)
    lam = load(pkg, "runnables", "RunnableLambda")(lambda _: output)
    rec = recorder(pkg)
    assert load(pkg, "runnables.history", RWMH)(lam, sessions).invoke("q", _with(rec)) == output
    assert sessions.stored() == []
    assert [e for e, *_ in rec.seen].count("on_chain_end") == 4


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_streamed_the_model_streams_and_its_chunk_is_stored(pkg: str, mode: str) -> None:
    """The wrapped model is streamed below ``check_sync_or_async`` (tokens, an
    ``AIMessageChunk`` reply), and the store gets the chunk. Compared as a multiset with the
    starts' inputs left out: langchain_core shows a stream's starts as ``{'input': ''}``
    (SPEC.md R15.3), and starts ``check_sync_or_async`` as soon as its input begins to flow,
    where the reference waits for the whole input (R7.4 allows both)."""
    sessions = _Sessions(pkg)
    r = load(pkg, "runnables.history", RWMH)(_model(pkg, "hi there"), sessions)
    rec = recorder(pkg)
    chunks = _call(r, "hello", _with(rec), mode)
    assert [c.content for c in chunks] == ["hi", " ", "there"]
    assert sessions.stored() == [("HumanMessage", "hello"), ("AIMessageChunk", "hi there")]
    seen = [(e, n, p, "" if e == "on_chain_start" else d) for e, n, p, d in rec.seen]
    tokens = [(f"'{t}' ChatGenerationChunk") for t in ["hi", " ", "there"]]
    assert [d for e, _, _, d in seen if e == "on_llm_new_token"] == tokens
    assert sorted(seen) == sorted([
        ("on_chain_start", RWMH, None, ""),
        ("on_chain_start", "load_history", RWMH, ""),
        ("on_chain_end", "load_history", RWMH, "[HumanMessage('hello')]"),
        ("on_chain_start", CHECK, RWMH, ""),
        ("on_chat_model_start", "GenericFakeChatModel", CHECK, "[[HumanMessage('hello')]]"),
        *[("on_llm_new_token", "GenericFakeChatModel", CHECK, t) for t in tokens],
        ("on_llm_end", "GenericFakeChatModel", CHECK,
         "LLMResult([[ChatGenerationChunk(AIMessageChunk('hi there'))]])"),
        ("on_chain_end", CHECK, RWMH, "AIMessageChunk('hi there')"),
        ("on_chain_end", RWMH, None, "AIMessageChunk('hi there')"),
    ])


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_lambda_returning_a_runnable_streams_it(pkg: str, mode: str) -> None:
    """What ``check_sync_or_async`` relies on: a lambda's returned runnable is streamed as its
    child, and the lambda's run ends with the chunks added up."""
    model = _model(pkg, "a b")
    lam = load(pkg, "runnables", "RunnableLambda")(lambda _: model, name="pick")
    rec = recorder(pkg)
    assert [c.content for c in _call(lam, "x", {"callbacks": [rec]}, mode)] == ["a", " ", "b"]
    assert [(e, n, p) for e, n, p, _ in rec.seen] == [
        ("on_chain_start", "pick", None),
        ("on_chat_model_start", "GenericFakeChatModel", "pick"),
        *[("on_llm_new_token", "GenericFakeChatModel", "pick")] * 3,
        ("on_llm_end", "GenericFakeChatModel", "pick"),
        ("on_chain_end", "pick", None),
    ]
    assert rec.seen[-1][3] == "AIMessageChunk('a b')"


def _fails(call: Callable[[], Any]) -> BaseException:
    with pytest.raises(ValueError) as info:
        call()
    return info.value


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "batch", "stream"])
@pytest.mark.parametrize("config", [{}, {"configurable": {"user": "u"}}])
def test_a_missing_session_id_fails_before_any_run(
    pkg: str, mode: str, config: dict[str, Any]
) -> None:
    sessions = _Sessions(pkg)
    r = load(pkg, "runnables.history", RWMH)(_model(pkg, "x"), sessions)
    rec = recorder(pkg)
    error = _fails(lambda: _call(r, "q", _with(rec, config), mode))
    assert str(error).startswith(
        "Missing keys ['session_id'] in config['configurable'] Expected keys are "
        "['session_id'].When using via .invoke() or .stream(), pass in a config; e.g., "
        "chain.invoke({None: 'foo'}, {'configurable': {'session_id': '[your-value-here]'}})")
    assert rec.seen == []
    assert sessions.store == {}


def _specs(pkg: str) -> list[Any]:
    spec = load(pkg, "runnables", "ConfigurableFieldSpec")
    return [spec(id=k, annotation=str, name=k, description=k, default="", is_shared=True)
            for k in ("user_id", "conversation_id")]


@pytest.mark.parametrize("pkg", PKGS)
def test_history_factory_config_names_the_factorys_keywords(pkg: str) -> None:
    memory = load(pkg, "chat_history", "InMemoryChatMessageHistory")
    store: dict[tuple[str, str], Any] = {}

    def by_user(user_id: str, conversation_id: str) -> Any:
        return store.setdefault((user_id, conversation_id), memory())

    lam = load(pkg, "runnables", "RunnableLambda")(lambda msgs: f"n={len(msgs)}")
    rwmh = load(pkg, "runnables.history", RWMH)
    r = rwmh(lam, by_user, history_factory_config=_specs(pkg))
    both = {"configurable": {"user_id": "u", "conversation_id": "c"}}
    assert [r.invoke("a", both), r.invoke("b", both)] == ["n=1", "n=3"]
    assert _stored(store["u", "c"]) == [("HumanMessage", "a"), ("AIMessage", "n=1"),
                                        ("HumanMessage", "b"), ("AIMessage", "n=3")]
    error = _fails(lambda: r.invoke("a", {"configurable": {"user_id": "u"}}))
    assert str(error).startswith("Missing keys ['conversation_id'] in config['configurable'] "
                                 "Expected keys are ['conversation_id', 'user_id'].")
    other = rwmh(lam, lambda session_id: memory(), history_factory_config=_specs(pkg))
    assert str(_fails(lambda: other.invoke("a", both))) == (
        "Expected keys ['conversation_id', 'user_id'] do not match parameter names "
        "['session_id'] of get_session_history.")


@pytest.mark.parametrize("pkg", PKGS)
def test_a_factory_without_parameters_needs_no_session_id(pkg: str) -> None:
    history = load(pkg, "chat_history", "InMemoryChatMessageHistory")()
    lam = load(pkg, "runnables", "RunnableLambda")(lambda msgs: f"n={len(msgs)}")
    r = load(pkg, "runnables.history", RWMH)(lam, lambda: history)
    assert [r.invoke("a"), r.invoke("b", S1)] == ["n=1", "n=3"]
    assert len(history.messages) == 4


@pytest.mark.parametrize("pkg", PKGS)
def test_an_input_dict_without_its_key_fails_in_load_history(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")(lambda d: "ok")
    r = load(pkg, "runnables.history", RWMH)(lam, _Sessions(pkg), input_messages_key="question")
    rec = recorder(pkg)
    with pytest.raises(KeyError):
        r.invoke({"q": "x"}, _with(rec))
    parallel = "RunnableParallel<question>"
    assert rec.seen == [
        ("on_chain_start", RWMH, None, "{'q': 'x'}"),
        ("on_chain_start", "insert_history", RWMH, "{'q': 'x'}"),
        ("on_chain_start", parallel, "insert_history", "{'q': 'x'}"),
        ("on_chain_start", "load_history", parallel, "{'q': 'x'}"),
        ("on_chain_error", "load_history", parallel, "KeyError('question')"),
        ("on_chain_error", parallel, "insert_history", "KeyError('question')"),
        ("on_chain_error", "insert_history", RWMH, "KeyError('question')"),
        ("on_chain_error", RWMH, None, "KeyError('question')"),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_the_wrapper_is_a_step_like_any_other(pkg: str) -> None:
    """Exported from ``runnables`` too; in a sequence its run is the step's, bound tags reach
    its runs, and ``get_name`` is its bound sequence's, as in langchain_core."""
    rwmh = load(pkg, "runnables", RWMH)
    assert rwmh is load(pkg, "runnables.history", RWMH)
    lam = load(pkg, "runnables", "RunnableLambda")
    r = rwmh(lam(lambda msgs: "ok"), _Sessions(pkg))
    assert r.get_name() == "RunnableSequence"
    rec = recorder(pkg)
    chain = lam(lambda x: x + "!", name="pre") | r.with_config(run_name="chat")
    assert chain.invoke("q", _with(rec)) == "ok"
    assert [(e, n, p) for e, n, p, _ in rec.seen][:5] == [
        ("on_chain_start", "RunnableSequence", None), ("on_chain_start", "pre", "RunnableSequence"),
        ("on_chain_end", "pre", "RunnableSequence"), ("on_chain_start", "chat", "RunnableSequence"),
        ("on_chain_start", "load_history", "chat")]


@pytest.mark.parametrize("pkg", PKGS)
def test_in_memory_history(pkg: str) -> None:
    human = load(pkg, "messages", "HumanMessage")
    ai = load(pkg, "messages", "AIMessage")
    memory = load(pkg, "chat_history", "InMemoryChatMessageHistory")
    h = memory(messages=[human(content="a")])
    assert h == memory(messages=[human(content="a")])
    h.add_user_message("b")
    h.add_ai_message(ai(content="c"))
    h.add_messages([ai(content="d")])
    assert _stored(h) == [("HumanMessage", "a"), ("HumanMessage", "b"), ("AIMessage", "c"),
                          ("AIMessage", "d")]
    assert str(h) == "Human: a\nHuman: b\nAI: c\nAI: d"

    async def use() -> list[Any]:
        await h.aadd_messages([human(content="e")])
        got = await h.aget_messages()
        await h.aclear()
        return got

    assert [m.content for m in asyncio.run(use())] == ["a", "b", "c", "d", "e"]
    assert h.messages == []


@pytest.mark.parametrize("pkg", PKGS)
def test_a_store_of_ones_own(pkg: str) -> None:
    """A subclass giving ``add_message`` (or ``add_messages``) gets the rest; one giving
    neither fails when asked to add; the async methods use the sync ones."""
    base = load(pkg, "chat_history", "BaseChatMessageHistory")
    human = load(pkg, "messages", "HumanMessage")

    class OneByOne(base):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            self.messages: list[Any] = []

        def add_message(self, message: Any) -> None:
            self.messages.append(message)

        def clear(self) -> None:
            self.messages = []

    class Neither(base):  # type: ignore[misc, valid-type]
        messages: list[Any] = []

        def clear(self) -> None:
            """Nothing to clear."""

    store = OneByOne()
    r = load(pkg, "runnables.history", RWMH)(
        load(pkg, "runnables", "RunnableLambda")(lambda msgs: "r"), lambda session_id: store)
    asyncio.run(r.ainvoke("x", S1))
    r.invoke("y", S1)
    assert _stored(store) == [("HumanMessage", "x"), ("AIMessage", "r"), ("HumanMessage", "y"),
                              ("AIMessage", "r")]
    with pytest.raises(NotImplementedError, match="Please implement add_message or add_messages"):
        Neither().add_message(human(content="z"))
    with pytest.raises(TypeError):
        base()  # abstract: clear
