"""The sink's checks of each record (conformance/events.py): a malformed record is the adapter's
bug, named with the field to fix; a well-formed one is normalised the same way whatever
container types the adapter used."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

import pytest

from conformance.events import NOT_REPORTED, EventSink, MalformedEvent

RUN = uuid.uuid4()
PARENT = uuid.uuid4()
GOOD: dict[str, Any] = {"run_id": RUN, "parent_run_id": PARENT, "run_type": "chain",
                        "name": "fn1", "tags": ["a"], "metadata": {"k": 1},
                        "method": "on_chain_start", "serialized": {"name": "fn1"},
                        "payload": {"input": "x"}}


@pytest.mark.parametrize("change, message", [
    ({"kind": "begin"}, "kind must be one of"),
    ({"run_type": "agent"}, "run_type 'agent' not in"),
    ({"run_id": None}, "run_id must be a UUID or its text, got NoneType None"),
    ({"run_id": ""}, "run_id must be a UUID or its text"),
    ({"run_id": 7}, "run_id must be a UUID or its text, got int 7"),
    ({"parent_run_id": 7}, "parent_run_id must be a UUID or its text"),
    ({"method": "on_start"}, "method 'on_start' is not a handler method"),
    ({"name": 3}, "name must be a string or None"),
    ({"name": None, "serialized": NOT_REPORTED}, "start events must carry the run's name"),
    ({"tags": "a"}, "tags must be a sequence of strings"),
    ({"tags": {"a"}}, "tags must be a sequence of strings"),
    ({"tags": ["a", 1]}, "tags must be strings, got ['a', 1]"),
    ({"metadata": ["k"]}, "metadata must be a mapping"),
    ({"metadata": []}, "metadata must be a mapping"),
    ({"payload": {"x": object()}}, "payload is not a canonical JSON value"),
])
def test_a_malformed_record_names_its_field(change: dict[str, Any], message: str) -> None:
    sink = EventSink()
    fields = {**GOOD, **change}
    kind = fields.pop("kind", "start")
    with pytest.raises(MalformedEvent, match="handler 'h1', " + kind + " event: " + message[:12]):
        sink.record("h1", kind, **fields)
    assert sink.problems and message in sink.problems[0]
    assert sink.count == 0


def test_records_normalise_alike_whatever_the_containers() -> None:
    sink = EventSink()
    sink.record("h1", "start", **GOOD)
    sink.record("h1", "start", **{**GOOD, "run_id": str(RUN), "parent_run_id": str(PARENT),
                                  "tags": ("a",), "metadata": OrderedDict(k=1),
                                  "serialized": OrderedDict(name="fn1")})
    first, second = sink.events
    assert first.run_id == second.run_id == str(RUN)
    assert first.parent_run_id == second.parent_run_id == str(PARENT)
    assert first.tags == second.tags == ("a",)
    assert first.metadata == second.metadata == (("k", "1"),)
    assert first.serialized == second.serialized == (("name", "fn1"),)
    assert (first.seq, second.seq) == (0, 1)


def test_end_events_need_no_name_and_keep_no_tags() -> None:
    sink = EventSink()
    sink.record("h1", "end", run_id=RUN, run_type="chain", payload="out")
    (event,) = sink.events
    assert event.name is None and event.tags == () and event.metadata == ()
    assert event.parent_run_id is None and event.payload == "out"
