"""Broken engines that deliver the right runs with the wrong payloads (SPEC R15, and R10's warning).

Each one is the reference engine whose deliveries are distorted on the way to the handler: the
handler classes the adapter makes are subclassed so that every call arrives as a broken engine
would make it (serialized=None, the wrong method, a copy of the exception, tokens twice). Handler
code cannot tell such an engine from a real one, which is the point: the suite must.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, ClassVar

from ._patching import Patch
from .catalogue import BrokenAdapter

__all__ = ["PAYLOAD_ENGINES"]

Distortion = Callable[[str, tuple[Any, ...], dict[str, Any]],
                      Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]]


def _distorted(base: type, distort: Distortion, asynchronous: bool) -> type:
    """A subclass of the recording handler ``base`` whose methods receive the calls that
    ``distort`` turns each real call into (zero, one or several)."""
    namespace: dict[str, Any] = {}
    for method in ("on_chain_start", "on_chain_end", "on_chain_error", "on_chat_model_start",
                   "on_llm_start", "on_llm_new_token", "on_llm_end", "on_llm_error",
                   "on_tool_start", "on_tool_end", "on_tool_error", "on_retriever_start",
                   "on_retriever_end", "on_retriever_error"):
        if asynchronous:
            async def amethod(self: Any, *args: Any, _m: str = method, **kw: Any) -> None:
                for name, a, k in distort(_m, args, kw):
                    await getattr(base, name)(self, *a, **k)

            namespace[method] = amethod
        else:
            def smethod(self: Any, *args: Any, _m: str = method, **kw: Any) -> None:
                for name, a, k in distort(_m, args, kw):
                    getattr(base, name)(self, *a, **k)

            namespace[method] = smethod
    return type(f"Distorted{base.__name__}", (base,), namespace)


class _DistortedDeliveries(BrokenAdapter):
    """The reference, with every handler call passed through :meth:`distort` on delivery."""

    def __init__(self) -> None:
        super().__init__()
        assert self.async_recorder is not None
        self.recorder = _distorted(self.recorder, self.distort, False)
        self.async_recorder = _distorted(self.async_recorder, self.distort, True)

    def patches(self) -> Iterable[Patch]:
        return ()

    def distort(self, method: str, args: tuple[Any, ...], kw: dict[str, Any]
                ) -> Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        raise NotImplementedError


class ChainStartsWithoutSerialized(_DistortedDeliveries):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("chain starts get serialized=None, so the seeds' handler "
                          "(serialized.get('name')) raises")

    def distort(self, method: str, args: tuple[Any, ...], kw: dict[str, Any]
                ) -> Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        if method == "on_chain_start":
            args = (None, *args[1:])
        yield method, args, kw


class EverythingEndsAsChain(_DistortedDeliveries):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = ("chat model, tool and retriever runs end through "
                          "on_chain_end/on_chain_error")

    def distort(self, method: str, args: tuple[Any, ...], kw: dict[str, Any]
                ) -> Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        for family in ("llm", "tool", "retriever"):
            for kind in ("end", "error"):
                if method == f"on_{family}_{kind}":
                    method = f"on_chain_{kind}"
        yield method, args, kw


class ErrorIsACopy(_DistortedDeliveries):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = "on_*_error receives a copy of the exception, not the one raised"

    def distort(self, method: str, args: tuple[Any, ...], kw: dict[str, Any]
                ) -> Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        if method.endswith("_error") and args:
            args = (copy.copy(args[0]), *args[1:])
        yield method, args, kw


class TokensTwice(_DistortedDeliveries):
    BREAKS: ClassVar[tuple[str, ...]] = ("R15",)
    BUG: ClassVar[str] = "every token is delivered twice"

    def distort(self, method: str, args: tuple[Any, ...], kw: dict[str, Any]
                ) -> Iterable[tuple[str, tuple[Any, ...], dict[str, Any]]]:
        yield method, args, kw
        if method == "on_llm_new_token":
            yield method, args, kw


class FaultsSwallowedSilently(BrokenAdapter):
    BREAKS: ClassVar[tuple[str, ...]] = ("R10",)
    BUG: ClassVar[str] = "a contained handler fault is swallowed without the required warning"

    def patches(self) -> Iterable[Patch]:
        return ()

    #: Engine blocks in effect (concurrent invocations overlap them), and the loggers' states
    #: before the first: restored when the last ends. Each block restoring what it saw on entry
    #: left the loggers disabled after two overlapping ainvoke calls, and every later R10 check
    #: in the process then failed the reference for logging nothing.
    _active: ClassVar[int] = 0
    _saved: ClassVar[list[tuple[logging.Logger, bool]]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    @contextlib.contextmanager
    def engine(self) -> Iterator[None]:
        cls = FaultsSwallowedSilently
        with cls._lock:
            if cls._active == 0:
                names = [n for n in logging.root.manager.loggerDict
                         if n.split(".")[0] == "reference"]
                cls._saved = [(lg, lg.disabled) for lg in map(logging.getLogger, names)]
                for lg, _ in cls._saved:
                    lg.disabled = True
            cls._active += 1
        try:
            with super().engine():
                yield
        finally:
            with cls._lock:
                cls._active -= 1
                if cls._active == 0:
                    for lg, disabled in cls._saved:
                        lg.disabled = disabled


PAYLOAD_ENGINES: tuple[type[BrokenAdapter], ...] = (
    ChainStartsWithoutSerialized,
    EverythingEndsAsChain,
    ErrorIsACopy,
    TokensTwice,
    FaultsSwallowedSilently,
)
