"""langchain_core's submodule paths: a scenario imports ``from langchain_core.messages.tool
import ToolMessage`` as often as from the package, so each name must import from the path it
has in langchain_core, and be the same object as at the package's path where langchain_core's
is. Also the names these paths brought in: ``InjectedToolCallId``, ``ToolOutputMixin``, the
tool-call constructors and parsers, ``runnables.schema``'s event types and ``agents``' records.
Written once against a package prefix, expected values by hand; where langchain-core 1.x is
installed they must hold on it too.

No ``from __future__ import annotations``: the tools here annotate parameters with local names.
"""

import asyncio
import typing
from typing import Annotated, Any

import pytest
from _lc_scenarios import HAVE_LANGCHAIN_CORE, load, recorder

PKGS = ["reference", *(["langchain_core"] if HAVE_LANGCHAIN_CORE else [])]

#: ``module: names [-> module]``: each name imports from ``module``; with ``-> other`` it is the
#: very object ``other`` gives (as in langchain_core 1.8.3). Indented lines continue a group.
TABLE = """
messages.base: BaseMessage BaseMessageChunk message_to_dict messages_to_dict -> messages
messages.chat: ChatMessage ChatMessageChunk -> messages
messages.function: FunctionMessage FunctionMessageChunk -> messages
messages.human: HumanMessage HumanMessageChunk -> messages
messages.modifier: RemoveMessage -> messages
messages.system: SystemMessage SystemMessageChunk -> messages
messages.tool: ToolMessage ToolMessageChunk ToolCall ToolCallChunk InvalidToolCall -> messages
messages.tool: ToolOutputMixin tool_call tool_call_chunk invalid_tool_call
messages.utils: AnyMessage MessageLikeRepresentation convert_to_messages filter_messages
    get_buffer_string merge_message_runs message_chunk_to_message messages_from_dict
    trim_messages -> messages
messages.ai: AIMessage AIMessageChunk UsageMetadata InputTokenDetails OutputTokenDetails
    -> messages
messages.ai: add_usage subtract_usage
outputs.chat_generation: ChatGeneration ChatGenerationChunk -> outputs
outputs.chat_result: ChatResult -> outputs
outputs.generation: Generation GenerationChunk -> outputs
outputs.llm_result: LLMResult -> outputs
outputs.run_info: RunInfo -> outputs
documents.base: Document -> documents
documents.compressor: BaseDocumentCompressor -> documents
documents.transformers: BaseDocumentTransformer -> documents
language_models.base: BaseLanguageModel LanguageModelInput LanguageModelLike
    LanguageModelOutput -> language_models
language_models.base: LanguageModelOutputVar
language_models.base: LangSmithParams -> language_models
language_models.chat_models: BaseChatModel SimpleChatModel -> language_models
language_models.llms: LLM BaseLLM -> language_models
language_models.fake: FakeListLLM FakeStreamingListLLM -> language_models
language_models.fake_chat_models: FakeListChatModel GenericFakeChatModel
    FakeMessagesListChatModel ParrotFakeChatModel -> language_models
runnables.schema: StreamEvent EventData StandardStreamEvent CustomStreamEvent BaseStreamEvent
runnables.utils: Input Output -> runnables.base
runnables.utils: AddableDict ConfigurableField ConfigurableFieldSpec aadd add -> runnables
runnables.base: RunnableLike
runnables.base: Runnable RunnableLambda RunnableSequence RunnableParallel RunnableGenerator
    RunnableSerializable RunnableBinding RunnableMap chain -> runnables
runnables.config: RunnableConfig ensure_config patch_config get_config_list run_in_executor
    -> runnables
runnables.config: merge_configs get_callback_manager_for_config
    get_async_callback_manager_for_config
runnables.passthrough: RunnablePassthrough RunnableAssign RunnablePick -> runnables
runnables.branch: RunnableBranch -> runnables
runnables.fallbacks: RunnableWithFallbacks -> runnables
runnables.retry: RunnableRetry
runnables.router: RouterRunnable RouterInput -> runnables
runnables.configurable: RunnableConfigurableFields RunnableConfigurableAlternatives
retrievers: RetrieverInput RetrieverOutput RetrieverLike RetrieverOutputLike BaseRetriever
tools: InjectedToolCallId FILTERED_ARGS InjectedToolArg BaseTool BaseToolkit ToolException
    -> tools.base
tools: ToolsRenderer render_text_description render_text_description_and_args -> tools.render
tools: convert_runnable_to_tool tool -> tools.convert
tools: StructuredTool -> tools.structured
tools: Tool -> tools.simple
tools: create_retriever_tool -> tools.retriever
exceptions: TracerException -> tracers.base
exceptions: OutputParserException LangChainException
utils: print_text get_colored_text get_bolded_text get_color_mapping -> utils.input
utils.json: parse_json_markdown parse_partial_json -> output_parsers.json
output_parsers.openai_tools: parse_tool_call make_invalid_tool_call parse_tool_calls
output_parsers.openai_tools: JsonOutputToolsParser JsonOutputKeyToolsParser -> output_parsers
output_parsers.json: JsonOutputParser SimpleJsonOutputParser -> output_parsers
output_parsers.string: StrOutputParser -> output_parsers
output_parsers.list: CommaSeparatedListOutputParser NumberedListOutputParser
    MarkdownListOutputParser -> output_parsers
output_parsers.base: BaseOutputParser BaseLLMOutputParser BaseGenerationOutputParser
    -> output_parsers
output_parsers.transform: BaseTransformOutputParser BaseCumulativeTransformOutputParser
    -> output_parsers
prompts.chat: MessageLike MessageLikeRepresentation
prompts.chat: ChatPromptTemplate MessagesPlaceholder HumanMessagePromptTemplate
    AIMessagePromptTemplate SystemMessagePromptTemplate ChatMessagePromptTemplate
    BaseChatPromptTemplate -> prompts
prompts.message: BaseMessagePromptTemplate -> prompts.chat
prompts.prompt: PromptTemplate -> prompts
prompts.base: BasePromptTemplate format_document aformat_document -> prompts
prompts.string: StringPromptTemplate get_template_variables -> prompts
prompts.few_shot: FewShotPromptTemplate FewShotChatMessagePromptTemplate -> prompts
prompt_values: ChatPromptValue StringPromptValue PromptValue
callbacks.base: BaseCallbackHandler AsyncCallbackHandler BaseCallbackManager -> callbacks
callbacks.manager: CallbackManager AsyncCallbackManager CallbackManagerForChainRun
    AsyncCallbackManagerForChainRun CallbackManagerForLLMRun CallbackManagerForToolRun
    dispatch_custom_event adispatch_custom_event -> callbacks
callbacks.manager: trace_as_chain_group
callbacks.stdout: StdOutCallbackHandler -> callbacks
callbacks.streaming_stdout: StreamingStdOutCallbackHandler -> callbacks
callbacks.usage: UsageMetadataCallbackHandler get_usage_metadata_callback -> callbacks
callbacks.file: FileCallbackHandler -> callbacks
tracers.base: BaseTracer -> tracers
tracers.base: AsyncBaseTracer TracerException
tracers.schemas: Run -> tracers
tracers.context: collect_runs
tracers.run_collector: RunCollectorCallbackHandler
tracers.stdout: ConsoleCallbackHandler -> tracers
globals: set_debug get_debug set_verbose get_verbose
agents: AgentAction AgentActionMessageLog AgentFinish AgentStep
"""


def _paths() -> list[tuple[str, str, str | None]]:
    groups: list[str] = []
    for line in TABLE.strip().splitlines():
        if line.startswith(" "):
            groups[-1] += line
        else:
            groups.append(line)
    out = []
    for group in groups:
        module, rest = group.split(":")
        names, _, same = rest.partition("->")
        out += [(module, name, same.strip() or None) for name in names.split()]
    return out


PATHS = _paths()


def test_the_table_covers_enough_paths() -> None:
    assert len(PATHS) > 150
    assert len(set(PATHS)) == len(PATHS)


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize(("module", "name", "same"), PATHS)
def test_the_name_imports_from_langchain_cores_path(
    pkg: str, module: str, name: str, same: str | None
) -> None:
    obj = load(pkg, module, name)
    if same is not None:
        assert obj is load(pkg, same, name), f"{pkg}.{module}.{name} is not {pkg}.{same}.{name}"


# --- InjectedToolCallId -------------------------------------------------------------------


def _echo_id_tool(pkg: str) -> Any:
    tool = load(pkg, "tools", "tool")
    injected = load(pkg, "tools", "InjectedToolCallId")

    @tool
    def echo(x: int, tool_call_id: Annotated[str, injected]) -> str:
        """Echo x with the call's id."""
        return f"{x}:{tool_call_id}"

    return echo


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_injected_tool_call_id_gets_the_calls_id_and_is_hidden(pkg: str, mode: str) -> None:
    echo = _echo_id_tool(pkg)
    assert issubclass(load(pkg, "tools", "InjectedToolCallId"), load(pkg, "tools",
                                                                     "InjectedToolArg"))
    assert echo.args == {"x": {"title": "X", "type": "integer"}}
    rec = recorder(pkg)
    call = {"type": "tool_call", "name": "echo", "args": {"x": 1}, "id": "c1"}
    config = {"callbacks": [rec]}
    out = echo.invoke(call, config) if mode == "invoke" else asyncio.run(
        echo.ainvoke(call, config))
    assert (type(out).__name__, out.content, out.tool_call_id, out.name) == (
        "ToolMessage", "1:c1", "c1", "echo")
    assert rec.seen == [("on_tool_start", "echo", None, "\"{'x': 1}\""),
                        ("on_tool_end", "echo", None, "ToolMessage('1:c1')")]


NEEDS_CALL = (
    "When tool includes an InjectedToolCallId argument, tool must always be invoked with a "
    "full model ToolCall of the form: {'args': {...}, 'name': '...', 'type': 'tool_call', "
    "'tool_call_id': '...'}")


@pytest.mark.parametrize("pkg", PKGS)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
@pytest.mark.parametrize("given", [
    {"x": 1},
    {"x": 1, "tool_call_id": "mine"},
    {"type": "tool_call", "name": "echo", "args": {"x": 1}, "id": None},
])
def test_injected_tool_call_id_without_a_calls_id_fails_the_run(
    pkg: str, mode: str, given: dict[str, Any]
) -> None:
    echo = _echo_id_tool(pkg)
    rec = recorder(pkg)
    config = {"callbacks": [rec]}
    with pytest.raises(ValueError) as caught:
        echo.invoke(given, config) if mode == "invoke" else asyncio.run(
            echo.ainvoke(given, config))
    assert str(caught.value) == NEEDS_CALL
    assert rec.seen == [("on_tool_start", "echo", None, "\"{'x': 1}\""),
                        ("on_tool_error", "echo", None, f"ValueError({NEEDS_CALL})")]


# --- ToolOutputMixin and a call without an id -------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tool_output_mixin_answers_a_tool_call_as_it_is(pkg: str) -> None:
    mixin = load(pkg, "messages.tool", "ToolOutputMixin")
    tool = load(pkg, "tools", "tool")
    assert issubclass(load(pkg, "messages", "ToolMessage"), mixin)

    class Command(mixin):  # type: ignore[misc, valid-type]
        def __init__(self, goto: str) -> None:
            self.goto = goto

    @tool
    def jump(to: str) -> Any:
        """Jump."""
        return Command(to)

    @tool
    def jumps(to: str) -> Any:
        """Jump twice."""
        return [Command(to), Command(to)]

    call = {"type": "tool_call", "name": "jump", "args": {"to": "b"}, "id": "c1"}
    out = jump.invoke(call)
    assert type(out) is Command and out.goto == "b"
    outs = jumps.invoke({**call, "name": "jumps"})
    assert [type(o) for o in outs] == [Command, Command]


@pytest.mark.parametrize("pkg", PKGS)
def test_a_tool_call_without_an_id_gets_the_plain_output(pkg: str) -> None:
    tool = load(pkg, "tools", "tool")

    @tool
    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    rec = recorder(pkg)
    out = add.invoke({"type": "tool_call", "name": "add", "args": {"a": 1, "b": 2}, "id": None},
                     {"callbacks": [rec]})
    assert out == 3
    assert rec.seen == [("on_tool_start", "add", None, "\"{'a': 1, 'b': 2}\""),
                        ("on_tool_end", "add", None, "int")]


# --- tool-call constructors and parsers -----------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_tool_call_constructors_set_the_type(pkg: str) -> None:
    def make(constructor: str, **kw: Any) -> Any:
        return load(pkg, "messages.tool", constructor)(**kw)

    assert make("tool_call", name="a", args={"x": 1}, id="c1") == {
        "name": "a", "args": {"x": 1}, "id": "c1", "type": "tool_call"}
    assert make("tool_call_chunk", name="a", args='{"x', index=0) == {
        "name": "a", "args": '{"x', "id": None, "index": 0, "type": "tool_call_chunk"}
    assert make("invalid_tool_call", args="{", error="bad") == {
        "name": None, "args": "{", "id": None, "error": "bad", "type": "invalid_tool_call"}
    with pytest.raises(TypeError):
        make("tool_call", name="a", args={})  # id is required


@pytest.mark.parametrize("pkg", PKGS)
def test_parse_tool_call_and_make_invalid_tool_call(pkg: str) -> None:
    parse = load(pkg, "output_parsers.openai_tools", "parse_tool_call")
    invalid = load(pkg, "output_parsers.openai_tools", "make_invalid_tool_call")
    raw = {"id": "c1", "function": {"name": "add", "arguments": '{"a": 1}'}}
    assert parse(raw) == {"name": "add", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    assert parse(raw, return_id=False) == {"name": "add", "args": {"a": 1}}
    assert parse({"id": "c1"}) is None
    cut = {"id": "c2", "function": {"name": "add", "arguments": '{"a": 1, "b'}}
    assert parse(cut, partial=True) == {"name": "add", "args": {"a": 1}, "id": "c2",
                                        "type": "tool_call"}
    with pytest.raises(load(pkg, "exceptions", "OutputParserException")) as caught:
        parse(cut)
    assert str(caught.value).startswith('Function add arguments:\n\n{"a": 1, "b\n\nare not valid '
                                        "JSON. Received JSONDecodeError ")
    assert invalid(cut, "bad") == {"name": "add", "args": '{"a": 1, "b', "id": "c2",
                                   "error": "bad", "type": "invalid_tool_call"}


# --- runnables.schema ------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_stream_event_types_name_the_keys_astream_events_gives(pkg: str) -> None:
    def keys(name: str) -> set[str]:
        return set(load(pkg, "runnables.schema", name).__annotations__)

    base = {"event", "run_id", "tags", "metadata", "parent_ids"}
    assert keys("BaseStreamEvent") == base
    assert keys("StandardStreamEvent") == keys("CustomStreamEvent") == base | {"data", "name"}
    assert keys("EventData") == {"input", "output", "chunk", "error", "tool_call_id"}
    assert set(typing.get_args(load(pkg, "runnables.schema", "StreamEvent"))) == {
        load(pkg, "runnables.schema", "StandardStreamEvent"),
        load(pkg, "runnables.schema", "CustomStreamEvent")}

    lam = load(pkg, "runnables", "RunnableLambda")(lambda x: x + 1)

    async def events() -> list[Any]:
        return [e async for e in lam.astream_events(1, version="v2")]

    for event in asyncio.run(events()):
        assert set(event) == keys("StandardStreamEvent")
        assert set(event["data"]) <= keys("EventData")


# --- small helpers at their paths ----------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_utils_text_and_json_helpers(pkg: str) -> None:
    assert load(pkg, "utils.input", "get_colored_text")("x", "green") == (
        "\x1b[32;1m\x1b[1;3mx\x1b[0m")
    assert load(pkg, "utils.input", "get_bolded_text")("x") == "\x1b[1mx\x1b[0m"
    mapping = load(pkg, "utils.input", "get_color_mapping")
    assert mapping(list("abcdef"), ["pink"]) == {
        "a": "blue", "b": "yellow", "c": "green", "d": "red", "e": "blue", "f": "yellow"}
    with pytest.raises(ValueError, match="No colors available"):
        mapping(["a"], ["blue", "yellow", "pink", "green", "red"])
    assert load(pkg, "utils.json", "parse_json_markdown")('```json\n{"a": 1}\n```') == {"a": 1}
    assert load(pkg, "utils.json", "parse_partial_json")('{"a": [1, 2') == {"a": [1, 2]}


@pytest.mark.parametrize("pkg", PKGS)
def test_tracer_exception_is_a_langchain_exception(pkg: str) -> None:
    assert issubclass(load(pkg, "exceptions", "TracerException"),
                      load(pkg, "exceptions", "LangChainException"))


@pytest.mark.parametrize("pkg", PKGS)
def test_convert_runnable_to_tool_is_what_as_tool_gives(pkg: str) -> None:
    convert = load(pkg, "tools", "convert_runnable_to_tool")
    lam = load(pkg, "runnables", "RunnableLambda")

    def shout(text: str) -> str:
        return text.upper()

    made = convert(lam(shout), name="shout", description="Shout it.")
    assert (type(made).__name__, made.name, made.description) == ("Tool", "shout", "Shout it.")
    assert made.invoke("hi") == "HI"


# --- agents ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pkg", PKGS)
def test_agent_records_reach_a_handler_through_a_chain_runs_manager(pkg: str) -> None:
    agents = {n: load(pkg, "agents", n) for n in
              ("AgentAction", "AgentActionMessageLog", "AgentFinish", "AgentStep")}
    base = load(pkg, "callbacks", "BaseCallbackHandler")
    seen: list[Any] = []

    class Handler(base):  # type: ignore[misc, valid-type]
        def on_agent_action(self, action: Any, **kw: Any) -> None:
            seen.append(("action", action.tool, action.tool_input, action.log, action.type))

        def on_agent_finish(self, finish: Any, **kw: Any) -> None:
            seen.append(("finish", finish.return_values, finish.log))

    manager = load(pkg, "runnables.config", "get_callback_manager_for_config")(
        {"callbacks": [Handler()]})
    run = manager.on_chain_start(None, {"q": "2+2?"}, name="agent")
    action = agents["AgentAction"]("calc", {"expr": "2+2"}, "I will add")
    run.on_agent_action(action)
    run.on_agent_finish(agents["AgentFinish"]({"output": 4}, "done"))
    run.on_chain_end({"output": 4})
    assert seen == [("action", "calc", {"expr": "2+2"}, "I will add", "AgentAction"),
                    ("finish", {"output": 4}, "done")]

    assert repr(action) == "AgentAction(tool='calc', tool_input={'expr': '2+2'}, log='I will add')"
    assert [(type(m).__name__, m.content) for m in action.messages] == [
        ("AIMessage", "I will add")]
    step = agents["AgentStep"](action=action, observation={"value": 4})
    assert [(type(m).__name__, m.content) for m in step.messages] == [
        ("HumanMessage", '{"value": 4}')]
    logged = agents["AgentActionMessageLog"](
        tool="calc", tool_input="2+2", log="", message_log=[])
    assert logged.type == "AgentActionMessageLog" and isinstance(logged, agents["AgentAction"])
    assert [(type(m).__name__, m.content, m.name) for m in
            agents["AgentStep"](action=logged, observation=4).messages] == [
        ("FunctionMessage", "4", "calc")]
