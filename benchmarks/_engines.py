"""The implementations under benchmark, behind one small interface.

Every suite asks an engine for a :class:`Workload` (a zero-argument ``run`` plus the handlers it
feeds) and times ``run``. Three engines answer:

- ``floor``: plain Python doing the same work with no engine at all: the same functions in a loop
  (or nested calls, a thread pool, asyncio tasks, a generator), each handler's start method called
  before and its end method after each node. Nothing can be cheaper, so it is the yardstick. In
  the width suites it is the **API floor**: each handler method is called with the keywords the
  callback API requires (``serialized, inputs, run_id=, parent_run_id=, tags=, metadata=,
  name=`` for starts, ``outputs, run_id=, parent_run_id=, tags=, metadata=`` for ends), with
  constant values, so it does none of an engine's work (no run ids, no copies). With no handler
  it is the **bare loop**: the functions alone.
- ``reference`` and ``langchain_core``: the same chains built with each package's public runnables
  (they spell their classes alike under different prefixes), so one builder serves both.

Building happens here, outside the timed region; only ``run`` is timed.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any, Final, Literal, Protocol

__all__ = [
    "ENGINES",
    "Engine",
    "EngineUnavailable",
    "Workload",
    "load_engine",
    "stream_text",
]

#: Every engine, floor first: the order of columns in the report.
ENGINES: Final = ("floor", "reference", "langchain_core")

Route = Literal["runtime", "bound"]
FanMode = Literal["threads", "tasks"]

#: The default number of pool threads in concurrent.futures: the floor's (and langchain's) pool.
_POOL_THREADS: Final = (os.cpu_count() or 1) + 4


class EngineUnavailable(RuntimeError):
    """The engine cannot be imported in this interpreter; the message says how to get it."""


def identity(x: Any) -> Any:
    """The node function: as cheap as a call gets, so what is measured is the engine."""
    return x


async def aidentity(x: Any) -> Any:
    """Async twin of :func:`identity`, so async branches run as tasks, not worker threads."""
    return x


def stream_text(tokens: int) -> str:
    """A reply of exactly ``tokens`` characters: fake chat models stream one token per char."""
    words = "the quick brown fox jumps over the lazy dog "
    return (words * (tokens // len(words) + 1))[:tokens]


def counting_handler_class(base: type) -> type:
    """A handler class deriving from ``base`` that overrides every method the suites trigger.

    Overriding matters: an engine may skip a method a handler inherits as a no-op, which would
    measure nothing. The bodies only count, so the handler itself costs next to nothing.
    """

    class CountingHandler(base):  # type: ignore[misc]
        """Counts start, end and token events."""

        def __init__(self) -> None:
            super().__init__()
            self.starts = 0
            self.ends = 0
            self.tokens = 0

        def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
            self.starts += 1

        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            self.ends += 1

        def on_chain_error(self, error: BaseException, **kwargs: Any) -> None:
            self.ends += 1

        def on_chat_model_start(self, serialized: Any, messages: Any, **kwargs: Any) -> None:
            self.starts += 1

        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.tokens += 1

        def on_llm_end(self, response: Any, **kwargs: Any) -> None:
            self.ends += 1

        def on_llm_error(self, error: BaseException, **kwargs: Any) -> None:
            self.ends += 1

    return CountingHandler


@dataclass
class Workload:
    """What a suite times (``run``) and what it checks afterwards (the handlers' counts)."""

    run: Callable[[], object]
    handlers: Sequence[Any]
    #: Start events all handlers together receive in one ``run``.
    starts: int
    #: Runs (nodes) one ``run`` creates: the denominator of "per node".
    nodes: int
    #: Tokens one ``run`` streams (streaming suite only).
    tokens: int = 0
    close: Callable[[], None] = field(default=lambda: None)

    def check(self, exact: bool = True) -> int:
        """How many times ``run`` ran, judged by the handlers; raise if their counts are off.

        This proves the benchmark measured what it claims: every handler got every event.
        ``exact=False`` (thread pools) only asks for at least one run's worth.
        """
        if not self.handlers:
            return 0
        seen: int = sum(h.starts for h in self.handlers)
        ends = sum(h.ends for h in self.handlers)
        if seen == 0 or ends != seen:
            raise AssertionError(f"handlers saw {seen} starts and {ends} ends")
        if exact and seen % self.starts:
            raise AssertionError(f"{seen} start events is not a multiple of {self.starts} per run")
        if not exact and seen < self.starts:
            raise AssertionError(f"{seen} start events, expected at least {self.starts}")
        return seen // self.starts


class Engine(Protocol):
    """Builds each suite's workload; see the module docstring."""

    name: str
    version: str

    def width(self, nodes: int, handlers: int) -> Workload: ...

    def depth(self, levels: int, route: Route) -> Workload: ...

    def fanout(self, branches: int, mode: FanMode) -> Workload: ...

    def stream(self, tokens: int, handlers: int) -> Workload: ...

    def awidth(self, nodes: int, handlers: int) -> Workload: ...


# --- the floor ---------------------------------------------------------------------------------

_RUN_ID: Final = uuid.uuid4()
_SER: Final = {"name": "identity"}
_NO_TAGS: Final[list[str]] = []
_NO_META: Final[dict[str, Any]] = {}


class FloorEngine:
    """Plain Python: the same functions, with each handler called before and after each node."""

    name = "floor"
    version = "-"

    def __init__(self) -> None:
        self._handler = counting_handler_class(object)

    def _handlers(self, n: int) -> list[Any]:
        return [self._handler() for _ in range(n)]

    def width(self, nodes: int, handlers: int) -> Workload:
        funcs = [identity] * nodes
        hs = self._handlers(handlers)
        starts = [h.on_chain_start for h in hs]
        ends = [h.on_chain_end for h in hs]

        def run() -> Any:
            x: Any = 1
            for f in funcs:
                for s in starts:
                    s(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                      metadata=_NO_META, name="identity")
                x = f(x)
                for e in ends:
                    e(x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS, metadata=_NO_META)
            return x

        return Workload(run, hs, starts=nodes * handlers, nodes=nodes)

    def awidth(self, nodes: int, handlers: int) -> Workload:
        """The async API floor: ``await`` each async function, handlers called around it."""
        hs = self._handlers(handlers)
        starts = [h.on_chain_start for h in hs]
        ends = [h.on_chain_end for h in hs]

        async def main() -> Any:
            x: Any = 1
            for _ in range(nodes):
                for s in starts:
                    s(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                      metadata=_NO_META, name="identity")
                x = await aidentity(x)
                for e in ends:
                    e(x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS, metadata=_NO_META)
            return x

        loop = asyncio.new_event_loop()
        return Workload(lambda: loop.run_until_complete(main()), hs, starts=nodes * handlers,
                        nodes=nodes, close=loop.close)

    def depth(self, levels: int, route: Route) -> Workload:
        hs = self._handlers(levels if route == "bound" else 1)
        # The handlers in scope at each level (index 0 = innermost): a bound handler of level k
        # sees level k and everything inside it; the runtime one sees everything.
        scopes = [hs[k:] for k in range(levels)] if route == "bound" else [hs] * levels

        def node(scope: Sequence[Any], x: Any) -> Any:
            for h in scope:
                h.on_chain_start(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                                 metadata=_NO_META, name="identity")
            x = identity(x)
            for h in scope:
                h.on_chain_end(x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                               metadata=_NO_META)
            return x

        def level(k: int, x: Any) -> Any:
            scope = scopes[k]
            for h in scope:  # the level's own (sequence) run
                h.on_chain_start(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                                 metadata=_NO_META, name="level")
            x = node(scope, x)
            x = node(scope, x) if k == 0 else level(k - 1, x)
            for h in scope:
                h.on_chain_end(x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                               metadata=_NO_META)
            return x

        return Workload(lambda: level(levels - 1, 1), hs, starts=_depth_starts(levels, route),
                        nodes=2 * levels + 1)

    def fanout(self, branches: int, mode: FanMode) -> Workload:
        hs = self._handlers(1)
        (h,) = hs

        def branch(x: Any) -> Any:
            h.on_chain_start(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                             metadata=_NO_META, name="identity")
            y = identity(x)
            h.on_chain_end(y, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                           metadata=_NO_META)
            return y

        def start(x: Any) -> None:
            h.on_chain_start(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                             metadata=_NO_META, name="parallel")

        def end(y: Any) -> None:
            h.on_chain_end(y, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                           metadata=_NO_META)

        inputs = [1] * branches
        if mode == "threads":

            def run() -> Any:
                start(1)
                with ThreadPoolExecutor(max_workers=min(branches, _POOL_THREADS)) as pool:
                    out = list(pool.map(branch, inputs))
                end(out)
                return out

            return Workload(run, hs, starts=branches + 1, nodes=branches + 1)

        async def abranch(x: Any) -> Any:
            h.on_chain_start(_SER, x, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                             metadata=_NO_META, name="identity")
            y = await aidentity(x)
            h.on_chain_end(y, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                           metadata=_NO_META)
            return y

        async def main() -> Any:
            start(1)
            out = await asyncio.gather(*(abranch(x) for x in inputs))
            end(out)
            return out

        loop = asyncio.new_event_loop()
        return Workload(lambda: loop.run_until_complete(main()), hs, starts=branches + 1,
                        nodes=branches + 1, close=loop.close)

    def stream(self, tokens: int, handlers: int) -> Workload:
        text = stream_text(tokens)
        hs = self._handlers(handlers)
        messages = [["hi"]]

        def generate() -> Any:
            for h in hs:
                h.on_chat_model_start(_SER, messages, run_id=_RUN_ID, parent_run_id=None,
                                      tags=_NO_TAGS, metadata=_NO_META, name="model")
            for token in text:
                for h in hs:
                    h.on_llm_new_token(token, run_id=_RUN_ID, parent_run_id=None,
                                       tags=_NO_TAGS, metadata=_NO_META)
                yield token
            for h in hs:
                h.on_llm_end(text, run_id=_RUN_ID, parent_run_id=None, tags=_NO_TAGS,
                             metadata=_NO_META)

        def run() -> int:
            n = 0
            for _ in generate():
                n += 1
            return n

        return Workload(run, hs, starts=handlers, nodes=1, tokens=tokens)


def _depth_starts(levels: int, route: Route) -> int:
    """Start events per run of the nested chain: level k holds 2k+1 runs (1-based)."""
    if route == "runtime":
        return 2 * levels + 1
    return sum(2 * k + 1 for k in range(1, levels + 1))


# --- engines with a langchain_core-shaped API --------------------------------------------------


class RunnablesEngine:
    """The suites built from ``{prefix}.runnables`` and friends (reference or langchain_core)."""

    def __init__(self, name: str, prefix: str, distribution: str) -> None:
        self.name = name
        try:
            mod = importlib.import_module
            runnables = mod(f"{prefix}.runnables")
            callbacks = mod(f"{prefix}.callbacks")
            chat_model = mod(f"{prefix}.language_models").FakeListChatModel
        except ImportError as exc:
            raise EngineUnavailable(
                f"{name} is not importable in this interpreter ({exc}); install it "
                f"(pip install 'callback-conformance[langchain]') or run under a venv that has it"
            ) from exc
        try:
            self.version = metadata.version(distribution)
        except metadata.PackageNotFoundError:
            self.version = "unknown"
        self._Lambda = runnables.RunnableLambda
        self._Sequence = runnables.RunnableSequence
        self._Parallel = runnables.RunnableParallel
        self._ChatModel = chat_model
        self._handler = counting_handler_class(callbacks.BaseCallbackHandler)

    def _handlers(self, n: int) -> list[Any]:
        return [self._handler() for _ in range(n)]

    @staticmethod
    def _config(hs: list[Any]) -> Any:
        return {"callbacks": hs} if hs else None

    def width(self, nodes: int, handlers: int) -> Workload:
        seq = self._Sequence(*[self._Lambda(identity) for _ in range(nodes)])
        hs = self._handlers(handlers)
        config = self._config(hs)
        # "Per node" divides by the lambdas, as for the floor: the root run is overhead too.
        return Workload(lambda: seq.invoke(1, config), hs, starts=(nodes + 1) * handlers,
                        nodes=nodes)

    def awidth(self, nodes: int, handlers: int) -> Workload:
        """``ainvoke`` of a sequence of N async lambdas (tasks, the executor for sync handlers)."""
        seq = self._Sequence(*[self._Lambda(aidentity) for _ in range(nodes)])
        hs = self._handlers(handlers)
        config = self._config(hs)
        loop = asyncio.new_event_loop()
        return Workload(lambda: loop.run_until_complete(seq.ainvoke(1, config)), hs,
                        starts=(nodes + 1) * handlers, nodes=nodes, close=loop.close)

    def depth(self, levels: int, route: Route) -> Workload:
        hs = self._handlers(levels if route == "bound" else 1)
        # Level 1 is (f, f); level k is (f, level k-1). Each inner level goes through a binding:
        # bound handlers ride on it, and even an empty one stops langchain_core from flattening
        # the inner sequence into its parent (which would leave it without a run of its own).
        chain: Any = self._Sequence(self._Lambda(identity), self._Lambda(identity), name="level")
        for k in range(levels):
            bound = chain.with_config(callbacks=[hs[k]]) if route == "bound" else chain
            if k == levels - 1:
                chain = bound
                break
            inner = bound if route == "bound" else chain.with_config({})
            chain = self._Sequence(self._Lambda(identity), inner, name="level")
        root = chain
        config = None if route == "bound" else self._config(hs)
        return Workload(lambda: root.invoke(1, config), hs, starts=_depth_starts(levels, route),
                        nodes=2 * levels + 1)

    def fanout(self, branches: int, mode: FanMode) -> Workload:
        hs = self._handlers(1)
        config = self._config(hs)
        if mode == "threads":
            par = self._Parallel({f"b{i}": self._Lambda(identity) for i in range(branches)})
            return Workload(lambda: par.invoke(1, config), hs, starts=branches + 1,
                            nodes=branches + 1)
        apar = self._Parallel(
            {f"b{i}": self._Lambda(identity, afunc=aidentity) for i in range(branches)}
        )
        loop = asyncio.new_event_loop()
        return Workload(lambda: loop.run_until_complete(apar.ainvoke(1, config)), hs,
                        starts=branches + 1, nodes=branches + 1, close=loop.close)

    def stream(self, tokens: int, handlers: int) -> Workload:
        model = self._ChatModel(responses=[stream_text(tokens)])
        hs = self._handlers(handlers)
        config = self._config(hs)

        def run() -> int:
            n = 0
            for _ in model.stream("hi", config):
                n += 1
            return n

        return Workload(run, hs, starts=handlers, nodes=1, tokens=tokens)


@cache
def load_engine(name: str) -> Engine:
    """The engine called ``name`` (one of :data:`ENGINES`); raises :class:`EngineUnavailable`."""
    if name == "floor":
        return FloorEngine()
    if name == "reference":
        return RunnablesEngine("reference", "reference", "callback-conformance")
    if name == "langchain_core":
        return RunnablesEngine("langchain_core", "langchain_core", "langchain-core")
    raise ValueError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")
