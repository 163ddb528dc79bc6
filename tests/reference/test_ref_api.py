"""Public API shapes mirroring langchain_core, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from _ref_helpers import Recorder, fail, lam

from reference.callbacks import (
    AsyncCallbackManager,
    BaseCallbackHandler,
    CallbackManager,
    CallbackManagerForChainRun,
)
from reference.documents import Document
from reference.language_models import FakeListChatModel
from reference.messages import AIMessage, HumanMessage
from reference.output_parsers import StrOutputParser
from reference.prompts import ChatPromptTemplate
from reference.retrievers import BaseRetriever
from reference.runnables import (
    RunnableBinding,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnableSequence,
    ensure_config,
)
from reference.tools import StructuredTool, tool

# ----------------------------------------------------------------------------- bad input


def test_bad_input_composing_non_runnable_says_what_can_be_composed() -> None:
    with pytest.raises(TypeError, match=r"Cannot compose int 42.*Runnable, a callable.*dict"):
        RunnableLambda(lambda x: x) | 42  # type: ignore[operator]
    with pytest.raises(TypeError, match="Cannot compose str"):
        "nope" | RunnableLambda(lambda x: x)  # type: ignore[operator]


def test_bad_input_unknown_config_key_names_key_and_valid_keys() -> None:
    with pytest.raises(
        TypeError, match=r"Unknown key\(s\) \['callback'\].*Valid keys are: callbacks"
    ):
        lam("a").invoke(1, {"callback": []})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(TypeError, match="Unknown key"):
        lam("a").with_config(tag=["x"])


def test_bad_input_wrong_callbacks_type() -> None:
    with pytest.raises(TypeError, match=r"callbacks=\[handler\]"):
        lam("a").invoke(1, {"callbacks": Recorder()})  # type: ignore[typeddict-item]
    with pytest.raises(TypeError, match="list of callback handlers"):
        RunnableLambda(lambda x: x, callbacks=Recorder())
    with pytest.raises(TypeError, match="tags"):
        lam("a").invoke(1, {"tags": "x"})  # type: ignore[typeddict-item]
    with pytest.raises(TypeError, match="must be a dict"):
        lam("a").invoke(1, ["callbacks"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        # Unknown keys are reported first, wherever they sit; then bad values in a fixed key
        # order (callbacks, tags, metadata, configurable, run_id, run_name), not dict order.
        ({"tags": "x", "callback": []}, r"Unknown key\(s\) \['callback'\]"),
        ({"run_name": 1, "tags": "x"}, r"config\['tags'\] must be a list of strings"),
        ({"metadata": 1, "callbacks": 1}, r"config\['callbacks'\] must be a list of handlers"),
        ({"run_name": 3}, r"config\['run_name'\] must be a str, got int"),
        ({"configurable": []}, r"config\['configurable'\] must be a dict, got list"),
        ({"run_id": "x"}, r"config\['run_id'\] must be a uuid.UUID or None"),
    ],
)
def test_bad_input_config_reports_its_first_problem_in_a_fixed_order(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        lam("a").invoke(1, config)  # type: ignore[arg-type]


def test_every_config_key_has_a_value_check() -> None:
    from reference.runnables._config import _VALUE_OK, CONFIG_KEYS

    assert _VALUE_OK.keys() == CONFIG_KEYS
    # Valid values of every key pass; None is always allowed.
    lam("a").invoke(1, {"tags": ["t"], "metadata": {}, "configurable": {}, "run_name": "n",
                        "max_concurrency": 2, "recursion_limit": 5, "callbacks": [],
                        "run_id": None})


def test_bad_input_async_only_lambda_invoked_sync() -> None:
    async def f(x: Any) -> Any:
        return x

    with pytest.raises(TypeError, match="ainvoke"):
        RunnableLambda(f).invoke(1)
    assert asyncio.run(RunnableLambda(f).ainvoke(1)) == 1


def test_bad_input_batch_config_count_mismatch() -> None:
    with pytest.raises(ValueError, match="2 configs for 3 inputs"):
        lam("a").batch([1, 2, 3], [{}, {}])


# ----------------------------------------------------------------------------- runnables


def test_coercion_of_callables_and_dicts() -> None:
    chain = lam("a") | {"x": lambda v: v + 1, "y": lam("y")} | (lambda d: d["x"] * d["y"])
    assert isinstance(chain, RunnableSequence)
    assert isinstance(chain.steps[1], RunnableParallel)
    assert chain.invoke(3) == 12
    assert ({"k": lam("k")} | lam("z")).invoke(1) == {"k": 1}


def test_sequence_flattening_and_names() -> None:
    chain = lam("a") | lam("b") | lam("c")
    assert len(chain.steps) == 3
    assert chain.get_name() == "RunnableSequence"
    assert RunnableLambda(lambda x: x).get_name() == "RunnableLambda"
    assert lam("zz").name == "zz"
    # As in langchain_core: a named sequence is flattened too; ``|`` keeps its name, the
    # constructor drops it (SPEC.md §8).
    named = RunnableSequence(lam("a"), lam("b"), name="n")
    assert len((named | lam("c")).steps) == 3 and (named | lam("c")).get_name() == "n"
    assert len(((lambda x: x) | named).steps) == 3 and ((lambda x: x) | named).get_name() == "n"
    assert (lam("z") | named).get_name() == "RunnableSequence"  # Runnable.__or__: the constructor
    assert RunnableSequence(named, lam("c")).get_name() == "RunnableSequence"
    assert len(RunnableSequence(named, lam("c")).steps) == 3


def test_lambda_config_parameter_detected_once() -> None:
    seen: list[Any] = []

    def f(x: Any, config: Any) -> Any:
        seen.append(config)
        return x

    r = RunnableLambda(f)
    r.invoke(1, {"tags": ["t"]})
    assert seen[0]["tags"] == ["t"]
    assert isinstance(seen[0]["callbacks"], CallbackManager)


def test_lambda_returning_runnable_invokes_it_as_child() -> None:
    h = Recorder()
    r = RunnableLambda(lambda x: lam("inner", lambda v: v * 2), name="router")
    assert r.invoke(4, {"callbacks": [h]}) == 8
    assert h.parents() == {"router": None, "inner": "router"}


def test_batch_return_exceptions_and_max_concurrency() -> None:
    r = RunnableLambda(lambda x: 1 / x)
    out = r.batch([1, 0, 2], {"max_concurrency": 1}, return_exceptions=True)
    assert out[0] == 1 and isinstance(out[1], ZeroDivisionError) and out[2] == 0.5
    with pytest.raises(ZeroDivisionError):
        r.batch([1, 0])
    out = asyncio.run(r.abatch([1, 0], {"max_concurrency": 1}, return_exceptions=True))
    assert isinstance(out[1], ZeroDivisionError)


def test_passthrough_and_str_parser() -> None:
    assert RunnablePassthrough().invoke(5) == 5
    assert StrOutputParser().invoke(AIMessage("hi")) == "hi"
    assert asyncio.run(StrOutputParser().ainvoke("s")) == "s"


def test_with_config_returns_binding_and_keeps_configurable() -> None:
    seen: list[Any] = []
    b = RunnableLambda(lambda x, config: seen.append(config) or x).with_config(
        configurable={"k": 1}
    )
    assert isinstance(b, RunnableBinding)
    b.invoke(1)
    assert seen[0]["configurable"] == {"k": 1}


def test_ensure_config_defaults_and_context() -> None:
    cfg = ensure_config()
    assert cfg["tags"] == [] and cfg["metadata"] == {} and cfg["recursion_limit"] == 25
    inner: list[Any] = []
    lam("a", lambda x: inner.append(ensure_config()) or x).invoke(1, {"tags": ["t"]})
    assert inner[0]["tags"] == ["t"]


def test_parallel_reserved_option_keywords() -> None:
    h = Recorder()
    p = RunnableParallel(x=lam("x"), name="P", callbacks=[h], tags=["pt"])
    assert p.invoke(1) == {"x": 1}
    assert h.names() == ["P"]
    assert RunnableParallel({"name": lam("n")}).invoke(2) == {"name": 2}


# ----------------------------------------------------------------------------- leaves


def test_prompt_single_variable_accepts_non_dict_and_reports_missing() -> None:
    p = ChatPromptTemplate.from_template("What is 1 + {number}?")
    assert p.invoke(2).messages == [HumanMessage("What is 1 + 2?")]
    p2 = ChatPromptTemplate.from_messages([("system", "s {a}"), ("human", "{b}")])
    with pytest.raises(KeyError, match="missing input variables"):
        p2.invoke({"a": 1})
    assert str(p.invoke(2)) == "messages=[HumanMessage(content='What is 1 + 2?')]"


def test_fake_chat_model_cycles_and_returns_ai_message() -> None:
    m = FakeListChatModel(responses=["a", "b"])
    assert [m.invoke("q").content for _ in range(3)] == ["a", "b", "a"]
    assert isinstance(m.invoke([HumanMessage("x")]), AIMessage)


def test_chat_model_refuses_a_bare_message_as_langchain_does() -> None:
    """A chain that hands a model one message (not a list) is mistyped; the reference says so,
    as langchain-core does, so the suite's runs against it catch such a generated chain."""
    with pytest.raises(ValueError, match="PromptValue, a str or a list of messages, got "
                                         "AIMessage"):
        FakeListChatModel(responses=["a"]).invoke(AIMessage("x"))


def test_chat_model_start_falls_back_to_llm_start() -> None:
    prompts: list[Any] = []

    class OnlyLLM(BaseCallbackHandler):
        def on_llm_start(self, serialized: Any, p: list[str], **kw: Any) -> None:
            prompts.append(p)

    FakeListChatModel(responses=["r"]).invoke("hello", {"callbacks": [OnlyLLM()]})
    assert prompts == [["Human: hello"]]


def test_ignore_flags_filter_event_families() -> None:
    class NoChain(Recorder):
        ignore_chain = True

    h = NoChain()
    (lam("a") | FakeListChatModel(responses=["r"], name="m")).invoke("q", {"callbacks": [h]})
    assert h.seq() == [("start", "m"), ("end", "m")]


def test_tool_decorator_and_from_function() -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    assert add.name == "add" and add.description == "Add two numbers."
    assert add.invoke({"a": 1, "b": 2}) == 3

    async def co(x: str) -> str:
        return x * 2

    t = StructuredTool.from_function(coroutine=co, name="co")
    assert asyncio.run(t.ainvoke("ab")) == "abab"
    h = Recorder()
    named = tool("renamed")(lambda x: x)
    named.invoke("v", {"callbacks": [h]})
    assert h.names() == ["renamed"]


def test_retriever_children_attach_to_retriever_run() -> None:
    child = lam("child")

    class R(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any) -> list[Document]:
            child.invoke(query)
            return [Document(page_content=query)]

    h = Recorder()
    assert R(name="ret").invoke("q", {"callbacks": [h]}) == [Document("q")]
    assert asyncio.run(R(name="ret").ainvoke("q")) == [Document("q")]
    assert h.seq() == [("start", "ret"), ("start", "child"), ("end", "child"), ("end", "ret")]


# ----------------------------------------------------------------------------- managers


def test_manager_configure_get_child_and_scopes() -> None:
    h_inh, h_loc = Recorder("inh"), Recorder("loc")
    m = CallbackManager.configure(
        [h_inh],
        [h_loc],
        inheritable_tags=["it"],
        local_tags=["lt"],
        inheritable_metadata={"ik": 1},
        local_metadata={"lk": 2},
    )
    assert m.handlers == [h_inh, h_loc] and m.inheritable_handlers == [h_inh]
    rm = m.on_chain_start({"name": "x"}, {}, name="x")
    assert isinstance(rm, CallbackManagerForChainRun)
    child = rm.get_child("extra")
    assert child.parent_run_id == rm.run_id
    assert child.handlers == [h_inh]
    assert child.tags == ["it", "extra"] and child.metadata == {"ik": 1}
    rm.on_chain_end({})
    assert h_loc.events[0].tags == ("it", "lt")


def test_manager_explicit_run_id_and_async_manager() -> None:
    h = Recorder()
    rid = uuid.uuid4()
    rm = CallbackManager(handlers=[h]).on_chain_start({"name": "x"}, 1, run_id=rid, name="x")
    assert rm.run_id == rid

    async def go() -> None:
        am = AsyncCallbackManager(handlers=[h])
        arm = await am.on_chain_start({"name": "y"}, 1, name="y")
        await arm.on_chain_end(1)
        assert arm.get_sync().run_id == arm.run_id

    asyncio.run(go())
    assert h.seq() == [("start", "x"), ("start", "y"), ("end", "y")]


def test_failure_helper_sanity() -> None:
    with pytest.raises(ValueError, match="f"):
        fail("f").invoke(1)
