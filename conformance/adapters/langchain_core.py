"""The built-in adapter for langchain-core (the real thing), release lines 0.2, 0.3 and 1.x.

What each line supports was checked by hand against 0.2.0, 0.2.43, 0.3.86, 1.7.2 and 1.8.2 (see
``COMPATIBILITY.md`` and ``expectations/``); the adapter reads the installed version and declares
its capabilities from it, so a line that lacks something is reported as "not applicable" rather
than failing for the wrong reason:

* **constructor route** (``callbacks=``, ``tags=`` and ``metadata=`` on the constructor): chat
  models and tools take all three in every line. Retrievers and prompt templates take ``tags=``
  and ``metadata=`` but no ``callbacks=``; output parsers, ``RunnableLambda``,
  ``RunnableSequence`` and ``RunnableParallel`` take none. The suite draws constructor callbacks,
  tags and metadata together, so only chat models and tools are declared.
* **failing nodes**: every leaf can be made to fail with a small subclass of the object it
  normally is (a ``FakeListChatModel`` whose generation raises, a ``ChatPromptTemplate`` whose
  formatting raises, a ``StrOutputParser`` whose parsing raises, a ``BaseRetriever`` whose search
  raises); lambdas, dynamic functions and tools raise from their function.
* **tools that forward their config**: from some 0.2.x release on, a tool function declares a
  ``config: RunnableConfig`` parameter and langchain-core passes the config in; older releases
  (0.2.0 among them) do not, and treat such a parameter as a tool argument. There the adapter
  forwards what those releases hand in instead: a ``callbacks`` parameter (the tool run's child
  callback manager), passed on as ``{"callbacks": callbacks}``. The adapter finds out which by
  building a probe tool.
* **implicit context**: every line hands the run context to callees invoked without a config
  (``contextvars``), in sync code and in thread-pool branches; inside asyncio code that needs
  ``asyncio.create_task(..., context=)``, i.e. Python 3.11 or later.

Automatic garbage collection is paused while an invocation runs, and the invocation's garbage is
collected when it returns. A stream that fails leaves upstream generators unfinished;
langchain-core reports their end from the generator's finaliser, whenever the collector happens
to run. With an async handler attached and an event loop running, that report goes through a
thread pool's ``submit``, and if the collector ran *inside* another ``submit`` (which holds the
``concurrent.futures.thread`` module's global lock) the process deadlocks (seen with 0.2.43 and
1.7.2). Collecting at the end of each invocation makes those late events arrive at a fixed point,
inside the invocation they belong to, and keeps the suite from hanging. For the same reason the
adapter keeps asyncio from logging the failures of tasks langchain-core abandons (see
``_quiet_about_abandoned_tasks``).

Generators the caller's exception still holds (through its traceback) survive that collection.
Finalised by a collection in a later scenario, closing them could block for good in
``RunnableParallel``'s wait for its branches (random seeds 43 and 66 on 1.8.3: a hang blamed
on an innocent scenario). So once the harness has taken the observation and dropped its
tracebacks, ``collect_leftovers`` collects the young generations: they are finalised there,
inside the scenario that left them (where, on those seeds, they ran to their end), and their
late events reach no observation, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import shlex
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final

from ..adapter import AdapterError, Capabilities
from ..model import CLASSIC_KINDS, COMPOSED_KINDS, Invocation, Node, NodeKind
from ..observed import Outcome
from ..versions import version_numbers
from .langchain_like import (
    BUILDERS,
    LangChainLikeAdapter,
    NodeBuilder,
    Parts,
    acall_children,
    call_children,
)

__all__ = ["LangChainCoreAdapter", "capabilities_for", "release_line"]

#: Kinds whose constructor takes callbacks=, tags= and metadata= in every supported line.
_CONSTRUCTOR_KINDS: Final[frozenset[NodeKind]] = frozenset(
    {"chat_model", "tool", "llm", "streaming_llm"})

_INSTALL_HINT: Final = (
    "langchain_core is not installed in this Python environment: "
    f"{shlex.quote(sys.executable)} -m pip install langchain-core "
    "(a release line: 'langchain-core>=1,<2', 'langchain-core==0.3.*', 'langchain-core==0.2.*')"
)


_gc_lock = threading.Lock()
_gc_pausers = 0


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No automatic garbage collection while any invocation runs; the young generation is
    collected when the last one ends, then automatic collection resumes (see the module
    docstring)."""
    global _gc_pausers
    with _gc_lock:
        _gc_pausers += 1
        gc.disable()
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            last = _gc_pausers == 0
        if last:
            # Everything the invocation allocated is still in the youngest generation (nothing
            # was collected meanwhile), so collecting that one generation is enough and cheap.
            gc.collect(0)
            with _gc_lock:
                if _gc_pausers == 0:
                    gc.enable()


#: What asyncio says when the collector finalises a task or generator whose failure nobody read.
_ABANDONED: Final = (
    "exception was never retrieved",
    "error occurred during closing of asynchronous generator",
)


def _quiet_about_abandoned_tasks(loop: asyncio.AbstractEventLoop,
                                 context: dict[str, Any]) -> None:
    """The event loop's exception handler during ``ainvoke``: drops asyncio's reports of tasks
    and async generators that langchain-core abandons when a parallel branch or a stream step
    fails (their failure also reached the callbacks and the caller), passes on everything else.

    The default handler formats the exception's traceback, which Python 3.11 does with
    ``ast.parse``; the report comes from a finaliser, at any point the garbage collector runs,
    including in the middle of another ``ast.parse`` (pytest rewriting a module Hypothesis
    imports when it reports a failure), and nesting the two raises ``SystemError: AST constructor
    recursion depth mismatch``, which aborts the whole run.
    """
    message = str(context.get("message", ""))
    if "exception" in context and any(text in message for text in _ABANDONED):
        return
    loop.default_exception_handler(context)


def release_line(version: str) -> str:
    """``"1.7.2"`` -> ``"1.x"``, ``"0.3.86"`` -> ``"0.3"``: the line an expectation file covers."""
    parts = version.split(".")
    try:
        major, minor = int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return version
    return f"{major}.x" if major >= 1 else f"{major}.{minor}"


def _declared(version: str, python: tuple[int, int] | None = None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """What langchain-core ``version`` lacks on Python ``python`` (default: this one), as the
    kit's ``supports``, and the notes saying why."""
    py = python or (sys.version_info.major, sys.version_info.minor)
    async_context = py >= (3, 11)
    if version_numbers(version) < (0, 2):
        raise AdapterError(f"langchain-core {version} is older than 0.2, which the adapter "
                           "does not support: pip install 'langchain-core>=0.2'")
    notes = {
        "constructor_callbacks": "langchain-core's chat models and tools take callbacks=, tags= "
        "and metadata= in their constructor; retrievers and prompt templates take tags= and "
        "metadata= only; output parsers, RunnableLambda, RunnableSequence and RunnableParallel "
        "take none",
    }
    supports: dict[str, Any] = {}
    if not async_context:
        supports["implicit_context"] = False
        notes["implicit_context"] = (
            f"on Python {py[0]}.{py[1]} langchain-core cannot hand the run context to callees "
            "invoked without a config inside asyncio code (it needs asyncio.create_task(context=),"
            " Python 3.11+)"
        )
    return supports, notes


def capabilities_for(version: str, python: tuple[int, int] | None = None) -> Capabilities:
    """What langchain-core ``version`` supports on Python ``python`` (default: this one): what
    :class:`LangChainCoreAdapter` declares, without importing langchain-core."""
    supports, notes = _declared(version, python)
    return Capabilities(node_kinds=_KINDS, constructor_callbacks=_CONSTRUCTOR_KINDS,
                        failing_kinds=frozenset(k for k, b in _BUILDERS.items()
                                                if b.fail and k in _KINDS),
                        notes=notes, **supports)


# -- builders: every leaf can fail through a small subclass of what it normally is ----------------

def _chat_model(adapter: Any, node: Node, parts: Parts) -> Any:
    cls = adapter.derived("ProbeChatModel", _chat_model_class)
    model = cls(responses=[f"{node.label} says hi"], name=node.label, **parts.local)
    model.label, model.fail, model.probe = node.label, node.fail, parts.probe
    return model


def _prompt(adapter: Any, node: Node, parts: Parts) -> Any:
    prompt = adapter.derived("ProbePrompt", _prompt_class).from_messages([("human", "{input}")])
    prompt.name = prompt.label = node.label
    prompt.fail, prompt.probe = node.fail, parts.probe
    return prompt


def _parser(adapter: Any, node: Node, parts: Parts) -> Any:
    parser = adapter.derived("ProbeParser", _parser_class)()
    parser.name = parser.label = node.label
    parser.fail, parser.probe = node.fail, parts.probe
    return parser


def _tool(adapter: Any, node: Node, parts: Parts) -> Any:
    if not (node.forward_config and not adapter.tool_config_injection):
        return BUILDERS["tool"].build(adapter, node, parts)
    func, afunc = _tool_forwarding_callbacks(node, parts.children, parts.probe)
    return adapter.api["StructuredTool"].from_function(
        func=func, coroutine=afunc, name=node.label, description=f"tool {node.label}",
        **parts.local)


#: The node kinds the adapter declares.
_KINDS: Final[frozenset[NodeKind]] = CLASSIC_KINDS | COMPOSED_KINDS

_BUILDERS: Final = {
    **BUILDERS,
    "chat_model": NodeBuilder(("FakeListChatModel",), _chat_model, fail=_chat_model),
    "prompt": NodeBuilder(("ChatPromptTemplate",), _prompt, fail=_prompt),
    "parser": NodeBuilder(("StrOutputParser",), _parser, fail=_parser),
    "tool": NodeBuilder(BUILDERS["tool"].uses, _tool, fail=_tool),
}


class LangChainCoreAdapter(LangChainLikeAdapter):
    """langchain-core, with capabilities read from the installed version."""

    name = "langchain_core"
    prefix = "langchain_core"
    kinds = _KINDS
    constructor_kinds = _CONSTRUCTOR_KINDS
    builders = _BUILDERS
    #: Whether tool functions get their config through a ``config: RunnableConfig`` parameter.
    tool_config_injection: bool = True

    def __init__(self) -> None:
        try:
            lc = importlib.import_module("langchain_core")
        except ImportError:
            raise AdapterError(_INSTALL_HINT) from None
        version = getattr(lc, "__version__", None)
        if not isinstance(version, str):
            from importlib import metadata

            try:
                version = metadata.version("langchain-core")
            except metadata.PackageNotFoundError:
                raise AdapterError(_INSTALL_HINT) from None
        self.version = version
        self.line = release_line(version)
        self.supports, self.notes = _declared(version)
        try:
            super().__init__()
            self.tool_config_injection = self._tool_injects_config()
        except (ImportError, AttributeError) as exc:
            raise AdapterError(f"langchain-core {version}: an object the adapter needs is "
                               f"missing or moved ({exc}); the adapter supports 0.2 and later"
                               ) from exc

    # -- invoking, with the collector paused ----------------------------------------------------
    def invoke(self, root: Any, invocation: Invocation,
               handlers: Mapping[str, object]) -> Sequence[Outcome]:
        with _collector_paused():
            return super().invoke(root, invocation, handlers)

    async def ainvoke(self, root: Any, invocation: Invocation,
                      handlers: Mapping[str, object]) -> Sequence[Outcome]:
        asyncio.get_running_loop().set_exception_handler(_quiet_about_abandoned_tasks)
        with _collector_paused():
            return await super().ainvoke(root, invocation, handlers)

    def collect_leftovers(self) -> None:
        """Collect the young generations once the harness has taken the observation and
        dropped its tracebacks (see the module docstring): a failed stream's unfinished
        generators, freed then, are finalised here, inside the scenario that left them."""
        gc.collect(1)

    def _tool_injects_config(self) -> bool:
        """Whether this release passes a ``config: RunnableConfig`` parameter into a tool's
        function (rather than asking the caller for a ``config`` argument)."""

        def probe(value: str, config: Any) -> str:
            return value

        probe.__annotations__["config"] = self.api["RunnableConfig"]
        tool = self.api["StructuredTool"].from_function(func=probe, name="probe",
                                                       description="probe")
        return "config" not in tool.args


def _tool_forwarding_callbacks(node: Node, children: Sequence[Any],
                               probe: Any) -> tuple[Any, Any]:
    """Tool functions for releases without config injection: they take the ``callbacks``
    langchain-core hands in and pass them on as the callees' config."""
    label, fail, concurrent = node.label, node.fail, node.concurrent

    def func(value: str, callbacks: Any = None) -> str:
        call_children(children, label, ({"callbacks": callbacks},), concurrent)
        if fail:
            raise probe.failure(label)
        return label

    async def afunc(value: str, callbacks: Any = None) -> str:
        await acall_children(children, label, ({"callbacks": callbacks},), concurrent)
        if fail:
            raise probe.failure(label)
        return label

    func.__name__ = afunc.__name__ = label
    return func, (None if node.sync_only else afunc)


def _chat_model_class(adapter: Any) -> type:
    base = adapter.api["FakeListChatModel"]
    # FakeListChatModel overrides batch/abatch with a loop of invokes that ignores
    # return_exceptions (a test double's shortcut no real chat model has): the probe model
    # batches as every chat model does, through the class above it.
    inherited = {name: next(c.__dict__[name] for c in base.__mro__[1:] if name in c.__dict__)
                 for name in ("batch", "abatch")}

    class ProbeChatModel(base):  # type: ignore[misc, valid-type]
        """A FakeListChatModel that raises the node's failure instead of answering, and
        batches like any chat model."""

        label: str = ""
        fail: bool = False
        probe: Any = None
        batch = inherited["batch"]
        abatch = inherited["abatch"]

        def _check(self) -> None:
            if self.fail:
                raise self.probe.failure(self.label)

        def _call(self, *args: Any, **kwargs: Any) -> Any:
            self._check()
            return super()._call(*args, **kwargs)

        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            self._check()
            yield from super()._stream(*args, **kwargs)

        async def _astream(self, *args: Any, **kwargs: Any) -> Any:
            self._check()
            async for chunk in super()._astream(*args, **kwargs):
                yield chunk

    return ProbeChatModel


def _prompt_class(adapter: Any) -> type:
    base = adapter.api["ChatPromptTemplate"]

    class ProbePrompt(base):  # type: ignore[misc, valid-type]
        """A ChatPromptTemplate whose formatting raises the node's failure."""

        label: str = ""
        fail: bool = False
        probe: Any = None

        def format_prompt(self, **kwargs: Any) -> Any:
            if self.fail:
                raise self.probe.failure(self.label)
            return super().format_prompt(**kwargs)

        async def aformat_prompt(self, **kwargs: Any) -> Any:
            if self.fail:
                raise self.probe.failure(self.label)
            return await super().aformat_prompt(**kwargs)

    return ProbePrompt


def _parser_class(adapter: Any) -> type:
    base = adapter.api["StrOutputParser"]

    class ProbeParser(base):  # type: ignore[misc, valid-type]
        """A StrOutputParser whose parsing raises the node's failure."""

        label: str = ""
        fail: bool = False
        probe: Any = None

        def parse(self, text: str) -> Any:
            if self.fail:
                raise self.probe.failure(self.label)
            return super().parse(text)

    return ProbeParser
