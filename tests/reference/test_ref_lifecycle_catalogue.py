"""Every run ends exactly once (SPEC.md §6) for the constructs added after the lifecycle work
of issue 15, whatever cuts a call short: each stream closed after every chunk (``stream``,
``astream``), ``astream_log`` closed after every patch (``diff`` true and false),
``astream_events`` after every event, ``ainvoke`` cancelled after every loop step, and a
``raise_error`` handler raising ``KeyboardInterrupt`` (sync) or ``CancelledError`` /
``SystemExit`` (async) at every event. Each scenario builds its construct afresh; the
exception a call raises must be the one that cut it short, and no handler fault is logged.

A deterministic, fast subset of the reliability probe that checked this property over the
whole catalogue (about 20,000 scenarios on 39 constructs); the recorder runs inline so the
loop steps are the same on every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from typing import Annotated, Any

import pytest

from reference.caches import InMemoryCache
from reference.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from reference.callbacks._hooks import HOOKS
from reference.callbacks.manager import atrace_as_chain_group, trace_as_chain_group
from reference.chat_history import InMemoryChatMessageHistory
from reference.embeddings import DeterministicFakeEmbedding
from reference.language_models.fake_chat_models import GenericFakeChatModel
from reference.messages import AIMessage, HumanMessage, ToolMessage, trim_messages
from reference.output_parsers import StrOutputParser, XMLOutputParser
from reference.prompts import ChatPromptTemplate, MessagesPlaceholder
from reference.runnables import RunnableLambda, RunnableParallel
from reference.runnables.history import RunnableWithMessageHistory
from reference.tools import InjectedToolCallId, ToolException, tool
from reference.tracers.context import register_configure_hook
from reference.vectorstores import InMemoryVectorStore

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

_EVENTS = [f"on_{kind}_{phase}" for kind in ("chain", "llm", "tool", "retriever")
           for phase in ("start", "end", "error")] + ["on_chat_model_start"]


class Rec(BaseCallbackHandler):
    """Each event's kind and run id; called on the loop (deterministic loop steps)."""

    run_inline = True

    def __init__(self) -> None:
        self.events: list[tuple[str, uuid.UUID]] = []
        self.lock = threading.Lock()


def _record(kind: str) -> Callable[..., None]:
    def method(self: Rec, *args: Any, run_id: uuid.UUID, **kw: Any) -> None:
        with self.lock:
            self.events.append((kind, run_id))
    return method


for _kind in _EVENTS:
    setattr(Rec, _kind, _record(_kind))


class Boom(BaseCallbackHandler):
    """Raises ``exc`` at its ``n``-th event (tokens included)."""

    raise_error = True
    run_inline = True

    def __init__(self, n: int, exc: type[BaseException]) -> None:
        self.n, self.exc, self.count = n, exc, 0

    def _hit(self, *args: Any, **kw: Any) -> None:
        self.count += 1
        if self.count == self.n:
            raise self.exc()


class ABoom(AsyncCallbackHandler):
    """Async :class:`Boom`, awaiting the loop once per event."""

    raise_error = True

    def __init__(self, n: int, exc: type[BaseException]) -> None:
        self.n, self.exc, self.count = n, exc, 0

    async def _hit(self, *args: Any, **kw: Any) -> None:
        self.count += 1
        await asyncio.sleep(0)
        if self.count == self.n:
            raise self.exc()


for _kind in [*_EVENTS, "on_llm_new_token"]:
    setattr(Boom, _kind, Boom._hit)
    setattr(ABoom, _kind, ABoom._hit)


#: The recorder also held here sees every run its call starts, chain group runs included
#: (which start with no other handler).
_ALSO: ContextVar[Rec | None] = ContextVar("lifecycle_catalogue_rec", default=None)


@pytest.fixture(autouse=True, scope="module")
def _registered() -> Iterator[None]:
    """The hook for this module's tests only: a registered hook costs every configured run
    of the process a lookup, and other tests check the engine with none."""
    register_configure_hook(_ALSO, True)
    yield
    HOOKS[:] = [h for h in HOOKS if h[0] is not _ALSO]


def closed_once(rec: Rec, what: str) -> None:
    starts = Counter(r for k, r in rec.events if k.endswith("_start"))
    ends = Counter(r for k, r in rec.events if k.endswith(("_end", "_error")))
    assert set(starts.values()) <= {1} and ends == starts, what


# ------------------------------------------------------------------------------ constructs


def _model(text: str = "hello there world", **kw: Any) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=itertools.repeat(AIMessage(content=text)), **kw)


_PROMPT = ChatPromptTemplate.from_messages([("human", "{q}")])
_SESSION = {"configurable": {"session_id": "s"}}


def history() -> Any:
    store: dict[str, InMemoryChatMessageHistory] = {}
    prompt = ChatPromptTemplate.from_messages([MessagesPlaceholder("h"), ("human", "{q}")])
    wrapped = RunnableWithMessageHistory(
        prompt | _model(), lambda session_id: store.setdefault(session_id,
                                                                InMemoryChatMessageHistory()),
        input_messages_key="q", history_messages_key="h")
    return RunnableLambda(lambda x: {"q": x}) | wrapped | StrOutputParser()


def retriever() -> Any:
    store = InMemoryVectorStore(DeterministicFakeEmbedding(size=4))
    store.add_texts(["apple pie", "banana split", "cherry tart"])
    return store.as_retriever(search_kwargs={"k": 2}) | RunnableLambda(
        lambda docs: " ".join(d.page_content for d in docs))


def returns_runnable() -> Any:
    return RunnableLambda(lambda x: _PROMPT | _model() | StrOutputParser()) | RunnableLambda(
        lambda s: s + "!")


def cache_miss_then_hit() -> Any:
    model = _model(cache=InMemoryCache())
    return (_PROMPT | model | StrOutputParser() | RunnableLambda(lambda s: {"q": "x"})
            | _PROMPT | model | StrOutputParser())


def xml() -> Any:
    return _model("<r><a>1</a><b>two words</b></r>") | XMLOutputParser(parser="xml")


@tool
def _injected(a: int, tool_call_id: Annotated[str, InjectedToolCallId]) -> Any:
    """Answer with a ToolMessage."""
    return ToolMessage(str(a), tool_call_id=tool_call_id)


def injected_tool() -> Any:
    call = {"name": "_injected", "args": {"a": 1}, "id": "c1", "type": "tool_call"}
    return RunnableLambda(lambda x: call) | _injected | RunnableLambda(lambda m: m.content)


def tool_error_handled() -> Any:
    @tool(handle_tool_error=True)
    def failing(a: int) -> int:
        """Fail."""
        raise ToolException("nope")

    return RunnableLambda(lambda x: {"a": 1}) | failing


def alisteners() -> Any:
    async def listener(run: Any) -> None:
        await asyncio.sleep(0)

    return (RunnableLambda(lambda x: x + "1") | _model() | StrOutputParser()).with_alisteners(
        on_start=listener, on_end=listener, on_error=listener)


def chain_group() -> Any:
    inner = _model() | StrOutputParser()

    def grouped(x: str, config: Any) -> str:
        with trace_as_chain_group("g") as group:
            callbacks = group.merge(config["callbacks"])
            out: str = inner.invoke(x, {"callbacks": callbacks})
            callbacks.on_chain_end({"out": out})
        return out

    async def agrouped(x: str, config: Any) -> str:
        async with atrace_as_chain_group("g") as group:
            callbacks = group.merge(config["callbacks"])
            out: str = await inner.ainvoke(x, {"callbacks": callbacks})
            await callbacks.on_chain_end({"out": out})
        return out

    return RunnableLambda(grouped, afunc=agrouped)


def messages_step() -> Any:
    trim = trim_messages(max_tokens=2, token_counter=len, strategy="last")
    return RunnableParallel(
        a=RunnableLambda(lambda x: [HumanMessage(x), AIMessage("a"), HumanMessage("b")]) | trim
        | _model() | StrOutputParser(),
        b=RunnableLambda(lambda x: x))


CONSTRUCTS: dict[str, tuple[Callable[[], Any], Any, dict[str, Any]]] = {
    "history": (history, "hi", _SESSION),
    "retriever": (retriever, "pie", {}),
    "returns_runnable": (returns_runnable, {"q": "x"}, {}),
    "cache": (cache_miss_then_hit, {"q": "x"}, {}),
    "xml": (xml, "x", {}),
    "injected_tool": (injected_tool, "x", {}),
    "tool_error_handled": (tool_error_handled, "x", {}),
    "alisteners": (alisteners, "x", {}),
    "chain_group": (chain_group, "x", {}),
    "messages_step": (messages_step, "x", {}),
}

# ---------------------------------------------------------------------------------- cutting


def _cut(r: Any, inp: Any, config: dict[str, Any], mode: str, k: int) -> bool:
    """Run ``r`` cut short at ``k`` as ``mode`` says; whether the cut happened (False: the
    call completed first, so larger ``k`` are pointless)."""
    if mode == "stream":
        stream = r.stream(inp, config)
        for i, _ in enumerate(stream, 1):
            if i >= k:
                stream.close()
                return True
        return False
    if mode == "boom":
        boom = Boom(k, KeyboardInterrupt)
        config["callbacks"].append(boom)
        with contextlib.suppress(KeyboardInterrupt):
            r.invoke(inp, config)
        return boom.count >= k
    if mode == "aboom":
        # SystemExit raised in a task (a parallel step's) leaves the event loop itself
        exc = asyncio.CancelledError if k % 2 else SystemExit
        aboom = ABoom(k, exc)
        config["callbacks"].append(aboom)
        with contextlib.suppress(exc):
            asyncio.run(r.ainvoke(inp, config))
        return aboom.count >= k
    return asyncio.run(_acut(r, inp, config, mode, k))


class _InlineExecutor(ThreadPoolExecutor):
    """The loop's default executor for ``cancel``: it runs each call at once, on the loop's
    thread. A sync function or handler sent to a real executor takes as many loop steps as
    its thread needs on a loaded machine (``alisteners`` once needed more than 300 steps),
    so ``k`` steps would cut a call at a different point each time; inline, they cut at the
    same point on every run."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the caller's await raises it, as from a thread
            future.set_exception(exc)
        return future


async def _acut(r: Any, inp: Any, config: dict[str, Any], mode: str, k: int) -> bool:
    if mode == "cancel":
        asyncio.get_running_loop().set_default_executor(_InlineExecutor())
        task = asyncio.ensure_future(r.ainvoke(inp, config))
        for _ in range(k):
            await asyncio.sleep(0)
        cut = not task.done()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return cut
    if mode == "astream":
        stream = r.astream(inp, config)
    elif mode == "events":
        stream = r.astream_events(inp, config, version="v2")
    else:
        stream = r.astream_log(inp, config, diff=mode == "log")
    i = 0
    async for _ in stream:
        i += 1
        if i >= k:
            await stream.aclose()
            return True
    return False


MODES = ["stream", "astream", "log", "logfull", "events", "cancel", "boom", "aboom"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(CONSTRUCTS))
def test_every_run_ends_once_whatever_cuts_the_call_short(
    name: str, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, inp, extra = CONSTRUCTS[name]
    k = 0
    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        while True:
            k += 1
            rec = Rec()
            token = _ALSO.set(rec)
            try:
                cut = _cut(make(), inp, {**extra, "callbacks": [rec]}, mode, k)
            finally:
                _ALSO.reset(token)
            closed_once(rec, f"{name} {mode} k={k}")
            if not cut:
                break
            assert k < 300
    assert k > 1
    assert [r.getMessage() for r in caplog.records] == []
