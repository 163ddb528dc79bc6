"""The runner side of the harness protocol (conformance/adapters/harness.py), in process.

Against the Python harness (the reference engine behind the protocol) a case observes what the
in-process adapter observes; against harnesses that crash, hang or answer garbage
(``bad_harness.py``) the case raises AdapterError (the test is errored, never failed), and the
next case gets a fresh harness process.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conformance.adapter import AdapterError, InjectedFailure, load_adapter
from conformance.adapters.harness import HarnessAdapter
from conformance.harness import run_concurrently, run_scenario
from conformance.model import Scenario

HERE = Path(__file__).resolve().parent
GOOD = f"{sys.executable} -m conformance.harnesses.python reference"


def bad(how: str, nth: int = 1) -> str:
    return f"{sys.executable} {HERE / 'bad_harness.py'} {how} {nth}"


SCENARIO = Scenario.from_json({
    "chain": {"root": "s", "nodes": [
        {"label": "s", "kind": "sequence", "children": ["p", "m", "b"]},
        {"label": "p", "kind": "prompt"},
        {"label": "m", "kind": "chat_model", "callbacks": ["h2"]},
        {"label": "b", "kind": "binding", "children": ["f"], "callbacks": ["h2"],
         "tags": ["bound"]},
        {"label": "f", "kind": "dynamic", "children": ["x"], "fail": True},
        {"label": "x", "kind": "lambda"}]},
    "handlers": [{"id": "h1"}, {"id": "h2", "asynchronous": True}],
    "invocation": {"mode": "invoke", "callbacks": ["h1"], "tags": ["rt"]}})


@pytest.fixture(scope="module")
def harness() -> Iterator[HarnessAdapter]:
    adapter = HarnessAdapter(GOOD)
    yield adapter
    adapter.close()


def _view(obs: object) -> list[tuple[object, ...]]:
    events = obs.events  # type: ignore[attr-defined]
    order = {}
    for ev in events:
        order.setdefault(ev.run_id, len(order))
    return [(ev.handler, ev.kind, ev.run_type, ev.name, order[ev.run_id],
             None if ev.parent_run_id is None else order.get(ev.parent_run_id), ev.tags,
             ev.method, ev.serialized, ev.payload) for ev in events]


def test_harness_handshake_names_the_implementation(harness: HarnessAdapter) -> None:
    assert (harness.name, harness.language, harness.package) == ("reference", "python",
                                                                  "reference")
    # Everything the reference declares, but astream_events: protocol 1's results cannot carry
    # its stream events, so the Python harness leaves that mode out.
    reference = load_adapter("reference").capabilities
    assert harness.capabilities == dataclasses.replace(
        reference, modes=reference.modes - {"astream_events"})


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
def test_harness_observes_what_the_in_process_adapter_observes(harness: HarnessAdapter,
                                                               mode: str) -> None:
    scenario = SCENARIO.with_invocation(mode=mode)
    remote, local = run_scenario(harness, scenario), run_scenario(load_adapter("reference"),
                                                                  scenario)
    assert _view(remote) == _view(local)
    assert remote.returned == local.returned
    [outcome] = remote.outcomes
    # the failure the harness reports as the very object thrown is the probe's own (R8)
    assert isinstance(outcome.error, InjectedFailure) and outcome.error.label == "f"
    assert remote.probe.was_raised(outcome.error)


def test_harness_batch_and_concurrent_runs(harness: HarnessAdapter) -> None:
    scenario = SCENARIO.with_invocation(mode="abatch", inputs=("a", "b"))
    obs = run_scenario(harness, scenario)
    assert len(obs.outcomes) == 2 and all(o.error for o in obs.outcomes)
    plain = Scenario.from_json({
        "chain": {"root": "s", "nodes": [{"label": "s", "kind": "parallel",
                                          "children": ["a", "b"]},
                                         {"label": "a", "kind": "lambda", "slow": True},
                                         {"label": "b", "kind": "lambda"}]},
        "handlers": [{"id": "h1"}], "invocation": {"mode": "ainvoke", "callbacks": ["h1"]}})
    first, second = run_concurrently(harness, [plain, plain.with_invocation(mode="astream")])
    assert first.outcomes[0].value == {"a": "a", "b": "b"}
    assert len(first.events) == len(second.events) == 6


def test_harness_requests_in_flight(harness: HarnessAdapter) -> None:
    with ThreadPoolExecutor(8) as pool:
        observations = list(pool.map(lambda _: run_scenario(harness, SCENARIO), range(32)))
    assert {len(o.events) for o in observations} == {len(observations[0].events)}


def test_harness_that_cannot_start_is_an_adapter_error() -> None:
    with pytest.raises(AdapterError, match="exited with status 4"):
        load_adapter(f"harness:{bad('start-crash')}")
    with pytest.raises(AdapterError, match="did not start"):
        load_adapter("harness:/nonexistent/harness")


@pytest.mark.parametrize(("how", "why"), [
    ("crash", "exited with status 3"),
    ("garbage", "not JSON"),
    ("schema", "breaks the protocol"),
    ("unknown-id", "not pending"),
    ("failed", "could not carry out run .invoke.: cannot build this"),
])
def test_harness_broken_answer_errors_the_case_and_the_next_case_runs(
        how: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCE", str(tmp_path / "once"))
    adapter = HarnessAdapter(bad(how, 2), timeout=5)
    try:
        run_scenario(adapter, SCENARIO)
        with pytest.raises(AdapterError, match=why) as info:
            run_scenario(adapter, SCENARIO)
        if how == "crash":
            assert "bad harness: crash on run 2" in str(info.value)  # the harness's stderr
        obs = run_scenario(adapter, SCENARIO)  # a fresh process (or the same one, after failed)
        assert obs.events
        assert adapter.connection.restarts == (0 if how == "failed" else 1)
    finally:
        adapter.close()


def test_harness_hang_errors_the_case_at_the_deadline(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONCE", str(tmp_path / "once"))
    adapter = HarnessAdapter(bad("hang"), timeout=1.0)
    try:
        start = time.monotonic()
        with pytest.raises(AdapterError, match=r"no answer to run \(invoke\) within 1 s"):
            run_scenario(adapter, SCENARIO)
        assert time.monotonic() - start < 5
        assert run_scenario(adapter, SCENARIO).events
    finally:
        adapter.close()
