"""More of langchain_core's public names used by callback scenarios, on the reference.

``with_alisteners``, usage metadata and its callback, the console and file handlers,
``AddableDict`` chunks, ``with_types`` and ``as_tool``. Each scenario is written once against
a package prefix, its expected values by hand; where langchain-core 1.x is installed it must
hold on langchain_core too.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]


# -- with_alisteners ---------------------------------------------------------------------------


def _alistened(pkg: str) -> list[tuple[Any, ...]]:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[tuple[Any, ...]] = []

    def ended(tag: str) -> Any:
        async def listener(run: Any, config: Any) -> None:
            await asyncio.sleep(0)
            got.append((tag, run.name, run.run_type, run.inputs, run.outputs,
                        bool(run.error), [c.name for c in run.child_runs], config["tags"]))
        return listener

    async def started(run: Any) -> None:
        got.append(("start", run.name, run.inputs))

    inner = lam(lambda x: x + 1, name="inner")

    def outer_f(x: int) -> int:
        got.append(("body", x))
        return inner.invoke(x) * 2  # type: ignore[no-any-return]

    def bad(x: int) -> int:
        raise ValueError("boom")

    outer = lam(outer_f, name="outer").with_alisteners(
        on_start=started, on_end=ended("end"), on_error=ended("error"))
    assert (lam(lambda x: x, name="first") | outer).invoke(1, {"tags": ["t"]}) == 4
    with pytest.raises(ValueError, match="boom"):
        lam(bad).with_alisteners(on_end=ended("end"), on_error=ended("error")).invoke(1)
    assert asyncio.run(outer.ainvoke(5)) == 12
    # on a binding, a new binding around it: its listener's config is the outer call's
    assert outer.with_config(tags=["w"]).with_alisteners(on_end=ended("end2")).invoke(1) == 4
    assert outer.with_alisteners(on_end=ended("end3")).with_listeners(
        on_end=lambda run: got.append(("sync", run.name))).invoke(1) == 4
    return got


@pytest.mark.parametrize("pkg", PKGS)
def test_alisteners_are_awaited_around_the_bound_run_in_both_modes(pkg: str) -> None:
    assert _alistened(pkg) == [
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["t"]),
        ("error", "bad", "chain", {"input": 1}, {}, True, [], []),
        ("start", "outer", {"input": 5}),
        ("body", 5),
        ("end", "outer", "chain", {"input": 5}, {"output": 12}, False, ["inner"], []),
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("end2", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], ["w"]),
        ("start", "outer", {"input": 1}),
        ("body", 1),
        ("sync", "outer"),
        ("end3", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
        ("end", "outer", "chain", {"input": 1}, {"output": 4}, False, ["inner"], []),
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_alisteners_per_batch_item_and_in_streams(pkg: str) -> None:
    """Streamed: only the end is compared (langchain_core's start shows ``{'input': ''}``)."""
    lam = load(pkg, "runnables", "RunnableLambda")
    ends: list[tuple[Any, Any]] = []

    async def end(run: Any) -> None:
        ends.append((run.inputs, run.outputs))

    r = lam(lambda x: x * 2, name="double").with_alisteners(on_end=end)
    assert r.batch([1, 2]) == [2, 4]
    assert asyncio.run(r.abatch([3])) == [6]
    assert list(r.stream(4)) == [8]

    async def astream() -> list[Any]:
        return [c async for c in r.astream(5)]

    assert asyncio.run(astream()) == [10]
    assert sorted(ends, key=repr) == [
        ({"input": 1}, {"output": 2}), ({"input": 2}, {"output": 4}),
        ({"input": 3}, {"output": 6}), ({"input": 4}, {"output": 8}),
        ({"input": 5}, {"output": 10})]


@pytest.mark.parametrize("pkg", PKGS)
def test_listeners_on_a_map_see_each_items_run(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[tuple[Any, ...]] = []

    async def aend(run: Any) -> None:
        got.append(("async", run.name, run.inputs))

    each = lam(lambda x: x + 1, name="inc").map()
    assert each.with_listeners(
        on_end=lambda run: got.append(("sync", run.name, run.inputs))).invoke([1, 2]) == [2, 3]
    assert each.with_alisteners(on_end=aend).invoke([3]) == [4]
    assert sorted(got, key=repr) == [
        ("async", "inc", {"input": 3}), ("sync", "inc", {"input": 1}),
        ("sync", "inc", {"input": 2})]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_failing_or_sync_async_listener_is_contained_after_it_ran(
    pkg: str, caplog: pytest.LogCaptureFixture
) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    got: list[str] = []

    async def boom(run: Any) -> None:
        got.append("boom")
        raise RuntimeError("listener boom")

    r = lam(lambda x: x, name="lx")
    assert r.with_alisteners(on_end=boom).invoke(1) == 1
    assert asyncio.run(r.with_alisteners(on_end=boom).ainvoke(2)) == 2
    # a plain function is called, and its None then fails to be awaited
    assert r.with_alisteners(on_end=lambda run: got.append("plain")).invoke(3) == 3
    assert got == ["boom", "boom", "plain"]
    assert "listener boom" in caplog.text and "await" in caplog.text


def test_an_alistener_that_is_not_callable_is_rejected() -> None:
    lam = load("reference", "runnables", "RunnableLambda")
    with pytest.raises(TypeError, match=r"with_alisteners\(on_start=...\) must be callable"):
        lam(lambda x: x).with_alisteners(on_start=1)


def test_async_root_listeners_tracer_module() -> None:
    from reference.tracers.base import AsyncBaseTracer
    from reference.tracers.root_listeners import AsyncRootListenersTracer

    assert issubclass(AsyncRootListenersTracer, AsyncBaseTracer)


# -- usage metadata -----------------------------------------------------------------------------

U1 = {"input_tokens": 3, "output_tokens": 2, "total_tokens": 5,
      "input_token_details": {"cache_read": 1}}


def _usage_model(pkg: str) -> Any:
    """A custom chat model reporting usage, whole and in streamed chunks (the second chunk
    names the model, so only the added-up message has both)."""
    base = load(pkg, "language_models", "BaseChatModel")
    ai, ai_chunk = load(pkg, "messages", "AIMessage"), load(pkg, "messages", "AIMessageChunk")
    result, gen = load(pkg, "outputs", "ChatResult"), load(pkg, "outputs", "ChatGeneration")
    gen_chunk = load(pkg, "outputs", "ChatGenerationChunk")

    class Counted(base):  # type: ignore[misc, valid-type]
        model_name: str = "m1"

        @property
        def _llm_type(self) -> str:
            return "counted"

        def _generate(self, messages: Any, stop: Any = None, run_manager: Any = None,
                      **kwargs: Any) -> Any:
            return result(generations=[gen(message=ai(
                "hi", usage_metadata=dict(U1),
                response_metadata={"model_name": self.model_name}))])

        def _stream(self, messages: Any, stop: Any = None, run_manager: Any = None,
                    **kwargs: Any) -> Any:
            yield gen_chunk(message=ai_chunk("h", usage_metadata={
                "input_tokens": 3, "output_tokens": 1, "total_tokens": 4}))
            yield gen_chunk(message=ai_chunk("i", usage_metadata={
                "input_tokens": 0, "output_tokens": 1, "total_tokens": 1,
                "output_token_details": {"reasoning": 1}},
                response_metadata={"model_name": self.model_name}))

    return Counted


@pytest.mark.parametrize("pkg", PKGS)
def test_usage_handler_sums_each_models_usage_from_its_llm_end(pkg: str) -> None:
    model = _usage_model(pkg)
    handler = load(pkg, "callbacks", "UsageMetadataCallbackHandler")()
    m1, m2 = model(), model(model_name="m2")
    assert m1.invoke("x").usage_metadata == U1
    for m in (m1, m2, m1):
        m.invoke("x", {"callbacks": [handler]})
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    (prompt | m2).invoke({"q": "x"}, {"callbacks": [handler]})
    twice = {"input_tokens": 6, "output_tokens": 4, "total_tokens": 10,
             "input_token_details": {"cache_read": 2}}
    assert handler.usage_metadata == {"m1": twice, "m2": twice}
    assert repr(handler) == str(handler.usage_metadata)


@pytest.mark.parametrize("pkg", PKGS)
def test_get_usage_metadata_callback_counts_calls_in_its_block_in_every_mode(pkg: str) -> None:
    model = _usage_model(pkg)
    get_cb = load(pkg, "callbacks", "get_usage_metadata_callback")
    m1, m2 = model(), model(model_name="m2")
    with get_cb() as cb:
        m1.invoke("x")
        chunks = list(m2.stream("x"))
        asyncio.run(m1.ainvoke("x"))
        m1.batch(["a", "b"])
        with get_cb("inner") as inner:
            m2.invoke("y")
    m1.invoke("after the block")
    # streamed: the chunks' usage added up (the closing empty chunk has none)
    assert [(c.content, c.usage_metadata) for c in chunks] == [
        ("h", {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}),
        ("i", {"input_tokens": 0, "output_tokens": 1, "total_tokens": 1,
               "output_token_details": {"reasoning": 1}}),
        ("", None)]
    assert cb.usage_metadata == {
        "m1": {"input_tokens": 12, "output_tokens": 8, "total_tokens": 20,
               "input_token_details": {"cache_read": 4}},
        "m2": {"input_tokens": 6, "output_tokens": 4, "total_tokens": 10,
               "input_token_details": {"cache_read": 1},
               "output_token_details": {"reasoning": 1}}}
    assert inner.usage_metadata == {"m2": U1}


@pytest.mark.parametrize("pkg", PKGS)
def test_fake_chat_models_report_no_usage_but_pass_a_given_messages_on(pkg: str) -> None:
    ai = load(pkg, "messages", "AIMessage")
    get_cb = load(pkg, "callbacks", "get_usage_metadata_callback")
    usage = {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}
    replies = iter([ai("a b", usage_metadata=usage, response_metadata={"model_name": "g"}),
                    ai("c", usage_metadata=usage, response_metadata={"model_name": "g"})])
    generic = load(pkg, "language_models", "GenericFakeChatModel")(messages=replies)
    listed = load(pkg, "language_models", "FakeListChatModel")(responses=["r"])
    with get_cb() as cb:
        assert generic.invoke("x").usage_metadata == usage
        # streamed, the text is cut into new chunks: the usage is not carried
        assert [(c.content, c.usage_metadata) for c in generic.stream("x")] == [("c", None)]
        assert listed.invoke("x").usage_metadata is None
        assert [c.usage_metadata for c in listed.stream("x")] == [None]
    assert cb.usage_metadata == {"g": usage}


@pytest.mark.parametrize("pkg", PKGS)
def test_usage_arithmetic(pkg: str) -> None:
    add, sub = load(pkg, "messages.ai", "add_usage"), load(pkg, "messages.ai", "subtract_usage")
    chunk = load(pkg, "messages", "AIMessageChunk")
    zero = {"input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
    left = {"input_tokens": 5, "output_tokens": 10, "total_tokens": 15,
            "input_token_details": {"cache_read": 4}}
    right = {"input_tokens": 3, "output_tokens": 8, "total_tokens": 11,
             "output_token_details": {"reasoning": 4}}
    assert add(None, None) == zero
    assert add(left, None) is left
    assert add(left, right) == {"input_tokens": 8, "output_tokens": 18, "total_tokens": 26,
                                "input_token_details": {"cache_read": 4},
                                "output_token_details": {"reasoning": 4}}
    assert sub(left, right) == {"input_tokens": 2, "output_tokens": 2, "total_tokens": 4,
                                "input_token_details": {"cache_read": 4},
                                "output_token_details": {"reasoning": 0}}
    assert (chunk("a") + chunk("b")).usage_metadata is None
    assert (chunk("a") + chunk("b", usage_metadata=right)).usage_metadata == right
    assert (chunk("a", usage_metadata=left) + chunk("b", usage_metadata=right)
            ).usage_metadata == add(left, right)
    assert load(pkg, "messages", "AIMessage")("x").usage_metadata is None


def test_usage_module_names() -> None:
    from reference.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback, usage
    from reference.messages import InputTokenDetails, OutputTokenDetails, UsageMetadata, ai

    assert usage.UsageMetadataCallbackHandler is UsageMetadataCallbackHandler
    assert usage.get_usage_metadata_callback is get_usage_metadata_callback
    assert ai.UsageMetadata is UsageMetadata
    assert (ai.InputTokenDetails, ai.OutputTokenDetails) == (InputTokenDetails,
                                                             OutputTokenDetails)


def test_usage_blocks_reuse_their_context_variables() -> None:
    """A block per call must not register one more configure hook each time."""
    from reference.callbacks._hooks import HOOKS
    from reference.callbacks.usage import get_usage_metadata_callback

    with get_usage_metadata_callback(), get_usage_metadata_callback():
        pass
    before = len(HOOKS)
    for _ in range(5):
        with get_usage_metadata_callback(), get_usage_metadata_callback():
            pass
    assert len(HOOKS) == before


# -- ConsoleCallbackHandler, FunctionCallbackHandler, FileCallbackHandler -----------------------


def _label(text: str, color: str) -> str:
    code = {"green": "32;1", "blue": "36;1", "red": "31;1"}[color]
    return f"\x1b[{code}m\x1b[1;3m{text}\x1b[0m"


def _bold(text: str) -> str:
    return f"\x1b[1m{text}\x1b[0m"


def _timeless(text: str) -> str:
    """Elapsed times and message ids replaced (langchain_core's ids are ``lc_run--<uuid>-0``,
    the reference's ``run-<uuid>-0``)."""
    return re.sub(r"(lc_)?run-+[0-9a-f-]+-0", "ID", re.sub(r"\] \[\d+(ms|\.\d\ds)\]", "] [T]",
                                                          text))


@pytest.mark.parametrize("pkg", PKGS)
def test_console_handler_prints_each_run_with_breadcrumbs_and_json(
    pkg: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    console = load(pkg, "tracers.stdout", "ConsoleCallbackHandler")

    def bad(x: Any) -> Any:
        raise ValueError("no good")

    chain = lam(lambda x: {"n": [x, "é"]}, name="wrap") | lam(lambda d: object(), name="obj")
    chain.invoke(1, {"callbacks": [console()]})
    with pytest.raises(ValueError):
        lam(bad, name="bad").invoke(2, {"callbacks": [console()]})
    out = _timeless(capsys.readouterr().out)
    out = out[:out.index("Traceback") + len("Traceback")]  # the frames are the engine's
    assert out == (
        _label("[chain/start]", "green") + " "
        + _bold("[chain:RunnableSequence] Entering Chain run with input:\n")
        + '{\n  "input": 1\n}\n'
        + _label("[chain/start]", "green") + " "
        + _bold("[chain:RunnableSequence > chain:wrap] Entering Chain run with input:\n")
        + '{\n  "input": 1\n}\n'
        + _label("[chain/end]", "blue") + " "
        + _bold("[chain:RunnableSequence > chain:wrap] [T] Exiting Chain run with output:\n")
        + '{\n  "n": [\n    1,\n    "é"\n  ]\n}\n'
        + _label("[chain/start]", "green") + " "
        + _bold("[chain:RunnableSequence > chain:obj] Entering Chain run with input:\n")
        + '{\n  "n": [\n    1,\n    "é"\n  ]\n}\n'
        + _label("[chain/end]", "blue") + " "
        + _bold("[chain:RunnableSequence > chain:obj] [T] Exiting Chain run with output:\n")
        + "[outputs]\n"
        + _label("[chain/end]", "blue") + " "
        + _bold("[chain:RunnableSequence] [T] Exiting Chain run with output:\n")
        + "[outputs]\n"
        + _label("[chain/start]", "green") + " "
        + _bold("[chain:bad] Entering Chain run with input:\n")
        + '{\n  "input": 2\n}\n'
        + _label("[chain/error]", "red") + " "
        + _bold("[chain:bad] [T] Chain run errored with error:\n")
        + "\"ValueError('no good')Traceback")


@pytest.mark.parametrize("pkg", PKGS)
def test_function_handler_shows_models_as_llm_runs_and_tools(pkg: str) -> None:
    texts: list[str] = []
    handler = load(pkg, "tracers.stdout", "FunctionCallbackHandler")(texts.append)
    prompt = load(pkg, "prompts", "ChatPromptTemplate").from_messages([("human", "{q}")])
    model = load(pkg, "language_models", "FakeListChatModel")(responses=["hello"])
    llm = load(pkg, "language_models", "FakeListLLM")(responses=["done"])
    tool = load(pkg, "tools", "Tool")(name="echo", func=lambda s: f" <{s}> ", description="e")
    (prompt | model).invoke({"q": "hi"}, {"callbacks": [handler]})
    llm.invoke("  padded \n", {"callbacks": [handler]})
    tool.invoke("  x ", {"callbacks": [handler]})
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", _timeless(t)) for t in texts]
    message = ('{\n          "lc": 1,\n          "type": "constructor",\n          "id": [\n'
               '            "langchain",\n            "schema",\n            "messages",\n'
               '            "AIMessage"\n          ],\n          "kwargs": {\n'
               '            "content": "hello",\n            "type": "ai",\n'
               '            "id": "ID",\n            "tool_calls": [],\n'
               '            "invalid_tool_calls": []\n          }\n        }')
    assert plain == [
        '[chain/start] [chain:RunnableSequence] Entering Chain run with input:\n'
        '{\n  "q": "hi"\n}',
        '[chain/start] [chain:RunnableSequence > prompt:ChatPromptTemplate] Entering Prompt run'
        ' with input:\n{\n  "q": "hi"\n}',
        '[chain/end] [chain:RunnableSequence > prompt:ChatPromptTemplate] [T] Exiting Prompt run'
        ' with output:\n[outputs]',
        '[llm/start] [chain:RunnableSequence > llm:FakeListChatModel] Entering LLM run with '
        'input:\n{\n  "prompts": [\n    "Human: hi"\n  ]\n}',
        '[llm/end] [chain:RunnableSequence > llm:FakeListChatModel] [T] Exiting LLM run with '
        'output:\n{\n  "generations": [\n    [\n      {\n        "text": "hello",\n'
        '        "generation_info": null,\n        "type": "ChatGeneration",\n'
        f'        "message": {message}\n      }}\n    ]\n  ],\n  "llm_output": null,\n'
        '  "run": null,\n  "type": "LLMResult"\n}',
        '[chain/end] [chain:RunnableSequence] [T] Exiting Chain run with output:\n[outputs]',
        '[llm/start] [llm:FakeListLLM] Entering LLM run with input:\n'
        '{\n  "prompts": [\n    "padded"\n  ]\n}',
        '[llm/end] [llm:FakeListLLM] [T] Exiting LLM run with output:\n{\n  "generations": [\n'
        '    [\n      {\n        "text": "done",\n        "generation_info": null,\n'
        '        "type": "Generation"\n      }\n    ]\n  ],\n  "llm_output": null,\n'
        '  "run": null,\n  "type": "LLMResult"\n}',
        '[tool/start] [tool:echo] Entering Tool run with input:\n"x"',
        '[tool/end] [tool:echo] [T] Exiting Tool run with output:\n"<  x >"',
    ]


@pytest.mark.parametrize("pkg", PKGS)
def test_file_handler_writes_chain_lines_and_tool_output(pkg: str, tmp_path: Any) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    file_handler = load(pkg, "callbacks", "FileCallbackHandler")
    tool = load(pkg, "tools", "Tool")(name="echo", func=lambda s: s * 2, description="e")
    path = tmp_path / "out.txt"
    with file_handler(str(path), mode="w") as h:
        (lam(lambda x: x, name="first") | tool).invoke("ab", {"callbacks": [h]})
        h.on_text("note", end="\n")
    assert h.file.closed
    assert path.read_text(encoding="utf-8") == (
        "\n\n> Entering new RunnableSequence chain...\n"
        "\n\n> Entering new first chain...\n\n> Finished chain.\n"
        "abab\n> Finished chain.\nnote\n")
    # after close, writing fails inside the handler: contained, the run goes on
    assert lam(lambda x: x, name="late").invoke(1, {"callbacks": [h]}) == 1
    with file_handler(str(path)) as h2:  # mode "a": appends
        lam(lambda x: x, name="more").invoke(1, {"callbacks": [h2]})
    assert path.read_text(encoding="utf-8").endswith(
        "note\n\n\n> Entering new more chain...\n\n> Finished chain.\n")


def test_file_handler_outside_a_with_block_warns() -> None:
    """The reference's own check (langchain_core warns once per process, so a test run
    that used it before would see nothing)."""
    import tempfile

    from reference.callbacks import file as file_module

    file_module._warned = False
    with tempfile.TemporaryDirectory() as d:
        h = file_module.FileCallbackHandler(f"{d}/log.txt")
        with pytest.warns(PendingDeprecationWarning, match="without a context manager"):
            h.on_text("x")
        h.close()
        h.close()


def test_printing_handlers_module_names() -> None:
    from reference.callbacks import FileCallbackHandler
    from reference.callbacks.file import FileCallbackHandler as from_file
    from reference.tracers import ConsoleCallbackHandler
    from reference.tracers.base import BaseTracer
    from reference.tracers.stdout import ConsoleCallbackHandler as from_stdout
    from reference.tracers.stdout import FunctionCallbackHandler

    assert FileCallbackHandler is from_file and ConsoleCallbackHandler is from_stdout
    assert issubclass(ConsoleCallbackHandler, FunctionCallbackHandler)
    assert issubclass(FunctionCallbackHandler, BaseTracer)


# -- AddableDict ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_addable_dict_merges_key_by_key(pkg: str) -> None:
    addable = load(pkg, "runnables", "AddableDict")
    assert load(pkg, "runnables.utils", "AddableDict") is addable
    total = addable(a="x", b=None, c=[1]) + addable(a="y", b=2, c=None, d=3)
    assert type(total) is addable and total == {"a": "xy", "b": 2, "c": [1], "d": 3}
    flipped = {"a": [1]} + addable(a=[2])
    assert type(flipped) is addable and flipped == {"a": [1, 2]}
    assert addable(a=1) + {"a": 2} == {"a": 3}
    with pytest.raises(TypeError, match="Cannot add incompatible types for key 'a'"):
        addable(a=1) + addable(a="x")


@pytest.mark.parametrize("pkg", PKGS)
def test_pick_of_keys_gives_an_addable_dict_in_every_mode(pkg: str) -> None:
    addable = load(pkg, "runnables", "AddableDict")
    passthrough = load(pkg, "runnables", "RunnablePassthrough")
    base = load(pkg, "callbacks", "BaseCallbackHandler")
    ends: list[str] = []

    class Ends(base):  # type: ignore[misc, valid-type]
        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            ends.append(type(outputs).__name__)

    picked = passthrough().pick(["a"])
    out = picked.invoke({"a": 1, "b": 2}, {"callbacks": [Ends()]})
    assert type(out) is addable and out == {"a": 1}
    assert ends == ["dict", "AddableDict", "AddableDict"]
    assert [type(c) for c in picked.stream({"a": 1})] == [addable]
    assert type(asyncio.run(picked.ainvoke({"a": 1}))) is addable
    assert passthrough().pick("a").invoke({"a": 1}) == 1


@pytest.mark.parametrize("pkg", PKGS)
def test_addable_dict_chunks_add_up_for_the_next_step(pkg: str) -> None:
    addable = load(pkg, "runnables", "AddableDict")
    gen = load(pkg, "runnables", "RunnableGenerator")
    lam = load(pkg, "runnables", "RunnableLambda")
    seen: list[Any] = []

    def chunks(it: Any) -> Any:
        for _ in it:
            pass
        yield addable(a="x", n=None)
        yield addable(a="y", n=[1])
        yield {"a": "z"}

    def look(d: Any) -> Any:
        seen.append((type(d).__name__, d))
        return d

    assert list((gen(chunks) | lam(look)).stream(1)) == [{"a": "xyz", "n": [1]}]
    assert seen == [("AddableDict", {"a": "xyz", "n": [1]})]


# -- with_types, as_tool -------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_with_types_is_a_transparent_binding(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    rec = recorder(pkg)
    typed = lam(lambda x: x + 1, name="inc").with_types(input_type=int, output_type=int)
    assert type(typed).__name__ == "RunnableBinding"
    assert typed.with_config(tags=["t"]).with_types(output_type=str).invoke(
        1, {"callbacks": [rec]}) == 2
    assert rec.seen == [("on_chain_start", "inc", None, "int"),
                        ("on_chain_end", "inc", None, "int")]


def _up(s: str) -> str:
    return s.upper()


@pytest.mark.parametrize("pkg", PKGS)
def test_as_tool_runs_the_runnable_as_the_tools_child(pkg: str) -> None:
    lam = load(pkg, "runnables", "RunnableLambda")
    to_str = lam(_up).as_tool(name="upper", description="Upper-cases")
    assert (type(to_str).__name__, to_str.name, to_str.description) == (
        "Tool", "upper", "Upper-cases")
    rec = recorder(pkg)
    assert to_str.invoke("abc", {"callbacks": [rec]}) == "ABC"
    assert rec.seen == [
        ("on_tool_start", "upper", None, "'abc'"),
        ("on_chain_start", "_up", "upper", "'abc'"),
        ("on_chain_end", "_up", "upper", "'ABC'"),
        ("on_tool_end", "upper", None, "'ABC'")]

    doubled = lam(lambda d: d["x"] * 2, name="dbl").as_tool(
        name="double", description="Doubles x", arg_types={"x": int})
    assert type(doubled).__name__ == "StructuredTool"
    rec = recorder(pkg)
    assert doubled.invoke({"x": 5, "y": 1}, {"callbacks": [rec]}) == 10  # y is dropped
    assert asyncio.run(doubled.ainvoke({"x": 4})) == 8
    assert rec.seen == [
        ("on_tool_start", "double", None, "\"{'x': 5, 'y': 1}\""),
        ("on_chain_start", "dbl", "double", "{'x': int}"),
        ("on_chain_end", "dbl", "double", "int"),
        ("on_tool_end", "double", None, "int")]

    seq = (lam(lambda s: s + "!", name="bang") | lam(_up)).with_types(input_type=str)
    rec = recorder(pkg)
    assert seq.as_tool(description="d").invoke("q", {"callbacks": [rec]}) == "Q!"
    assert [s[:3] for s in rec.seen] == [
        ("on_tool_start", "RunnableSequence", None),
        ("on_chain_start", "RunnableSequence", "RunnableSequence"),
        ("on_chain_start", "bang", "RunnableSequence"),
        ("on_chain_end", "bang", "RunnableSequence"),
        ("on_chain_start", "_up", "RunnableSequence"),
        ("on_chain_end", "_up", "RunnableSequence"),
        ("on_chain_end", "RunnableSequence", "RunnableSequence"),
        ("on_tool_end", "RunnableSequence", None)]


def test_as_tool_forms_the_reference_cannot_build_say_so() -> None:
    lam = load("reference", "runnables", "RunnableLambda")
    with pytest.raises(NotImplementedError, match="description"):
        lam(_up).as_tool()
    with pytest.raises(NotImplementedError, match="arg_types"):
        lam(lambda d: d).as_tool(description="d")
    with pytest.raises(NotImplementedError, match="args_schema"):
        lam(_up).as_tool(dict, description="d")
    tool = lam(lambda d: d["x"]).as_tool(description="d", arg_types={"x": int})
    with pytest.raises(TypeError, match="does not coerce"):
        tool.invoke({"x": "5"})
