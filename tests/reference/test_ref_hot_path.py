"""The lifecycle's hot path (``_lifecycle.run_steps``): a sequence's plain-function steps run
inline there, and a lone handler's method is called directly instead of through the shared
delivery loop. Whatever the handler does, it must see what it sees beside another handler
(where the shared loop runs), and run ids must still behave as ``uuid.UUID``s."""

from __future__ import annotations

import copy
import logging
import pickle
import uuid
from typing import Any

import pytest
from _ref_helpers import AsyncRecorder, Boom, Recorder, lam

from reference.callbacks._ids import new_run_id


class Faulty(Recorder):
    """Records every event, then raises ``exc`` from ``event`` ("start"/"end") of step b."""

    def __init__(self, event: str, exc: BaseException, *, raise_error: bool = False) -> None:
        super().__init__("faulty", raise_error=raise_error)
        self.event = event
        self.exc = exc

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        super().on_chain_start(serialized, inputs, **kw)
        if self.event == "start" and kw["name"] == "b":
            raise self.exc

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        super().on_chain_end(outputs, **kw)
        if self.event == "end" and self._names.get(kw["run_id"]) == "b":
            raise self.exc


def _run(handler: Faulty, alone: bool) -> tuple[list[tuple[str, str | None]], Any]:
    """(what ``handler`` saw, the result or the exception's type) for a | b | c."""
    handlers: list[Any] = [handler] if alone else [handler, Recorder()]
    try:
        outcome: Any = (lam("a") | lam("b") | lam("c")).invoke(1, {"callbacks": handlers})
    except BaseException as exc:  # the outcome is compared, whatever it is
        outcome = type(exc)
    return handler.seq(), outcome


SEQ = "RunnableSequence"
CASES = {
    "contained-start": (("start", Boom("x")), False, 1, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"),
        ("start", "c"), ("end", "c"), ("end", SEQ)]),
    "contained-end": (("end", Boom("x")), False, 1, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"),
        ("start", "c"), ("end", "c"), ("end", SEQ)]),
    "raise-error-start": (("start", Boom("x")), True, Boom, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("error", "b"),
        ("error", SEQ)]),
    "raise-error-end": (("end", Boom("x")), True, Boom, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"),
        ("error", SEQ)]),
    "interrupt-start": (("start", KeyboardInterrupt()), False, KeyboardInterrupt, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("error", "b"),
        ("error", SEQ)]),
    "interrupt-end": (("end", SystemExit(3)), False, SystemExit, [
        ("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"), ("end", "b"),
        ("error", SEQ)]),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("alone", [True, False], ids=["alone", "with-another"])
def test_hot_path_lone_handler_fault_is_handled_as_in_the_shared_loop(
    case: str, alone: bool, caplog: pytest.LogCaptureFixture
) -> None:
    (event, exc), raise_error, outcome, seen = CASES[case]
    handler = Faulty(event, exc, raise_error=raise_error)
    with caplog.at_level(logging.WARNING, logger="reference.callbacks"):
        assert _run(handler, alone) == (seen, outcome)
    logged = [r.getMessage() for r in caplog.records if r.name == "reference.callbacks"]
    assert len(logged) == (1 if case.startswith("contained") else 0)


def test_hot_path_lone_async_handler_in_sync_invoke_gets_every_event() -> None:
    h = AsyncRecorder()
    assert (lam("a") | lam("b")).invoke(1, {"callbacks": [h]}) == 1
    assert h.events == [("start", SEQ), ("start", "a"), ("end", "a"), ("start", "b"),
                        ("end", "b"), ("end", SEQ)]


def test_hot_path_lone_handler_gets_its_own_tags_and_metadata_per_event() -> None:
    seen: list[tuple[list[str], dict[str, Any]]] = []

    class Mutator(Recorder):
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            seen.append((kw["tags"], kw["metadata"]))
            kw["tags"].append("mine")
            kw["metadata"]["mine"] = 1

    (lam("a") | lam("b")).invoke(1, {"callbacks": [Mutator()], "tags": ["t"],
                                      "metadata": {"k": 1}})
    assert [tags for tags, _ in seen] == [["t", "mine"]] * 3
    assert len({id(tags) for tags, _ in seen}) == 3
    assert len({id(meta) for _, meta in seen}) == 3


def test_run_ids_behave_as_uuids() -> None:
    rid = new_run_id()
    plain = uuid.UUID(str(rid))
    assert isinstance(rid, uuid.UUID) and rid.version == 4
    assert rid == plain and hash(rid) == hash(plain) and repr(rid) == repr(plain)
    assert rid.is_safe is uuid.SafeUUID.unknown
    for twin in (copy.copy(rid), copy.deepcopy(rid), pickle.loads(pickle.dumps(rid))):
        assert type(twin) is uuid.UUID and twin == rid
    with pytest.raises(TypeError):
        rid.int = 0  # type: ignore[misc]
