"""The adapter protocol: how an implementation plugs into the suite.

An adapter does four things and nothing else:

1. ``build(chain, handlers, probe)`` turns a :class:`~conformance.model.Chain` into the
   implementation's runnables (one object per node; a label reused in several places is the same
   object), naming each object by its node label so its runs carry that name;
2. ``make_handler(spec, sink)`` returns a handler object of the implementation that records every
   callback it receives into ``sink`` (see :meth:`conformance.events.EventSink.record`);
3. ``invoke(root, invocation, handlers)`` / ``ainvoke(...)`` run the root in the invocation's mode
   with the runtime route's callbacks, tags, metadata, ``run_name`` and ``run_id``, and return one
   :class:`Outcome` per input (batch: per item, with ``return_exceptions=True``);
4. ``capabilities`` declares what the implementation supports; the suite generates only supported
   cases and reports the rest as not applicable, with the reason.

Optionally (:class:`Reproducing`), ``reproduction(scenario)`` writes a case as code in the
implementation's own API, which failure reports show; an adapter without it gets reports without
that code (the replay command is always there). Also optional, ``collect_leftovers()`` is called
once each call's observation is taken (and the tracebacks it holds dropped): an adapter whose
engine leaves garbage in reference cycles that does work when finalised (langchain-core's failed
streams) collects it there, inside the scenario that left it.

The data an invocation produces (:class:`Outcome`, :class:`Probe`, :class:`InjectedFailure`,
:class:`HandlerFault`) lives in :mod:`conformance.observed`, which the checker reads; this module
re-exports it for adapters.

Leaves behave as the :class:`Probe` says: a lambda returns its label (a slow one calls
``probe.pause()`` first: it returns once another slow lambda pauses too, where nothing can fail
once a handler event of another run is recorded, or after ``probe.delay`` seconds), a dynamic
function or tool
invokes its children one after another with its own input then returns its label, and a node with
``fail=True`` raises ``probe.failure(label)`` (after its children ran).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from .events import EventSink
from .model import (
    COMPOSED_KINDS,
    IGNORE_FLAGS,
    MODES,
    NODE_KINDS,
    Chain,
    HandlerSpec,
    IgnoreFlag,
    Invocation,
    Mode,
    NodeKind,
    Scenario,
)
from .observed import HandlerFault, InjectedFailure, Outcome, Probe

__all__ = [
    "BUILTIN_ADAPTERS",
    "Adapter",
    "AdapterError",
    "Capabilities",
    "HandlerFault",
    "InjectedFailure",
    "Outcome",
    "Probe",
    "Reproducing",
    "load_adapter",
]


class AdapterError(RuntimeError):
    """The adapter (not the implementation under test) is broken: it did not import, raised while
    building, or broke the protocol. The runner reports it with exit status 2."""


_ALL_KINDS: Final[frozenset[NodeKind]] = frozenset(NODE_KINDS)
_CONSTRUCTIBLE: Final[frozenset[NodeKind]] = _ALL_KINDS - {"binding"}


@dataclass(frozen=True)
class Capabilities:
    """What an implementation supports. Defaults describe a complete implementation.

    ``constructor_callbacks``: kinds whose constructor accepts ``callbacks=``, ``tags=`` and
    ``metadata=``.
    ``failing_kinds``: kinds the adapter can make fail.
    ``implicit_context``: callees invoked without the config reach the caller's tree (R1).
    ``async_handlers``: handlers may derive from the async handler base (coroutine methods).
    ``per_item_config``: batches accept one config per input; an adapter then passes the list
    built from ``Invocation.item_callbacks`` (see ``Invocation``).
    ``sync_only_callers``: functions and tools given only a sync body run in async modes (on a
    worker thread), and their callees join the caller's tree (``Node.sync_only``).
    ``sync_inside_loop``: sync modes may be called while an event loop is running in the
    calling thread (``Invocation.inside_loop``).
    ``ignore_flags``: the handlers' ``ignore_*`` flags the implementation has (``"chain"`` for
    ``ignore_chain``, ...; ``HandlerSpec.ignore``). ``run_inline``: handlers may set
    ``run_inline = True``. ``local_handlers``: a callback manager may hold local
    (non-inheritable) handlers next to inheritable ones (``Node.local``, ``Invocation.local``;
    needs ``manager_form``).
    """

    node_kinds: frozenset[NodeKind] = _ALL_KINDS
    modes: frozenset[Mode] = frozenset(MODES)
    constructor_callbacks: frozenset[NodeKind] = _CONSTRUCTIBLE
    failing_kinds: frozenset[NodeKind] = frozenset(
        {"lambda", "dynamic", "tool", "chat_model", "retriever", "llm", "generator",
         "streaming_llm"}
    )
    implicit_context: bool = True
    manager_form: bool = True
    async_handlers: bool = True
    raise_error: bool = True
    root_config: bool = True
    #: ``batch``/``abatch`` accept one config per input (``Invocation.item_callbacks``).
    per_item_config: bool = True
    threads: bool = True
    tasks: bool = True
    sync_only_callers: bool = True
    sync_inside_loop: bool = True
    ignore_flags: frozenset[IgnoreFlag] = frozenset(IGNORE_FLAGS)
    run_inline: bool = True
    local_handlers: bool = True
    notes: Mapping[str, str] = field(default_factory=dict)
    #: Modes that run the very same call as another mode: alias -> the mode it runs as (in an
    #: async-only language ``invoke`` is ``ainvoke``); mode parity (R11) never compares the two.
    mode_aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def composed_kinds(self) -> frozenset[NodeKind]:
        """The composed kinds of SPEC.md §8 declared (``llm``, ``branch``, ``fallbacks``,
        ``retry``, ...): their rule tests are not applicable without any."""
        return self.node_kinds & COMPOSED_KINDS

    def runs_as(self, mode: str) -> str:
        """The mode that ``mode`` really runs as (itself unless it is a declared alias)."""
        return self.mode_aliases.get(mode, mode)

    @property
    def parity_modes(self) -> tuple[Mode, ...]:
        """The modes mode parity (R11) compares with ``invoke``: each supported mode that runs
        a call of its own (one mode per call an alias names; never ``invoke``'s own)."""
        seen = {self.runs_as("invoke")}
        out: list[Mode] = []
        for mode in sorted(self.modes - {"invoke"}):
            if self.runs_as(mode) not in seen:
                seen.add(self.runs_as(mode))
                out.append(mode)
        return tuple(out)

    def missing(self, needs: Mapping[str, object]) -> list[str]:
        """Why ``needs`` (capability name → required value, or ``"any"`` for non-empty) is not
        met, as phrases for a "not applicable" report; empty when it is met."""
        reasons = []
        for name, wanted in needs.items():
            have = getattr(self, name)
            if wanted == "any":
                if not have:
                    reasons.append(f"{name} is empty")
            elif isinstance(wanted, frozenset | set):
                lacking = set(wanted) - set(have)
                if lacking:
                    reasons.append(f"{name} lacks {sorted(lacking)}")
            elif have != wanted:
                reasons.append(f"{name} is {have!r}")
        return reasons


@runtime_checkable
class Adapter(Protocol):
    """The protocol an implementation's adapter satisfies (see the module docstring)."""

    name: str
    version: str
    capabilities: Capabilities

    def make_handler(self, spec: HandlerSpec, sink: EventSink) -> object: ...

    def build(self, chain: Chain, handlers: Mapping[str, object], probe: Probe) -> object: ...

    def invoke(
        self, root: object, invocation: Invocation, handlers: Mapping[str, object]
    ) -> Sequence[Outcome]: ...

    async def ainvoke(
        self, root: object, invocation: Invocation, handlers: Mapping[str, object]
    ) -> Sequence[Outcome]: ...


@runtime_checkable
class Reproducing(Protocol):
    """The optional part of the protocol: code that reproduces a case by hand.

    ``reproduction(scenario)`` returns a program in the implementation's own API that builds and
    invokes ``scenario`` and prints every event each handler gets (None: this case cannot be
    written). Failure reports show it; the kit for langchain-like APIs
    (:mod:`conformance.adapters.langchain_like`) provides it.
    """

    def reproduction(self, scenario: Scenario) -> str | None: ...


#: Short names of the adapters shipped with the suite.
BUILTIN_ADAPTERS: Final[Mapping[str, str]] = {
    "reference": "conformance.adapters.reference:ReferenceAdapter",
    "langchain_core": "conformance.adapters.langchain_core:LangChainCoreAdapter",
}


def load_adapter(spec: str) -> Adapter:
    """Load ``reference``, ``langchain_core`` or ``package.module:Attribute`` and instantiate it.

    Every way this can go wrong becomes an :class:`AdapterError` that says what to fix.
    ``harness:COMMAND`` starts a harness process speaking the JSON harness protocol
    (:mod:`conformance.adapters.harness`).
    """
    if spec.startswith("harness:"):
        from .adapters.harness import load

        return load(spec)
    target = BUILTIN_ADAPTERS.get(spec, spec)
    module_name, sep, attr = target.partition(":")
    if not sep or not module_name or not attr:
        raise AdapterError(
            f"adapter {spec!r}: expected a built-in name ({', '.join(BUILTIN_ADAPTERS)}) "
            "or 'package.module:Adapter'"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterError(f"adapter {spec!r}: cannot import {module_name!r}: {exc}") from exc
    except Exception as exc:
        raise AdapterError(
            f"adapter {spec!r}: importing {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from exc
    try:
        factory = getattr(module, attr)
    except AttributeError:
        raise AdapterError(f"adapter {spec!r}: module {module_name!r} has no {attr!r}") from None
    try:
        adapter = factory() if isinstance(factory, type) or callable(factory) else factory
    except AdapterError:
        raise
    except Exception as exc:
        raise AdapterError(
            f"adapter {spec!r}: creating {attr} raised {type(exc).__name__}: {exc}"
        ) from exc
    required = ("name", "version", "capabilities", "make_handler", "build", "invoke", "ainvoke")
    problems = [f"missing {name!r}" for name in required if not hasattr(adapter, name)]
    if not problems and not isinstance(adapter.capabilities, Capabilities):
        problems.append("'capabilities' is not a conformance.Capabilities")
    if problems:
        raise AdapterError(f"adapter {spec!r} does not follow the protocol: {'; '.join(problems)}")
    return adapter  # type: ignore[no-any-return]
