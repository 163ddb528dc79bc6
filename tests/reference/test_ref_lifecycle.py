"""The run lifecycle (SPEC.md §6): every started run ends exactly once, whatever happens,
and what functions and handlers receive is their own. One regression test per defect of
issue 15."""

from __future__ import annotations

import asyncio
import gc
import threading
import uuid
import warnings
from collections import Counter
from typing import Any

import pytest
from _ref_helpers import Recorder, lam

from reference.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from reference.language_models import FakeListChatModel, FakeListLLM, GenericFakeChatModel
from reference.output_parsers import StrOutputParser, XMLOutputParser
from reference.runnables import RunnableLambda, RunnableParallel, ensure_config


def closed_once(rec: Recorder) -> dict[uuid.UUID, str]:
    """Each run's terminal event, asserting every started run has exactly one."""
    starts = Counter(e.run_id for e in rec.events if e.kind.endswith("_start"))
    ends = Counter(e.run_id for e in rec.events if e.kind.endswith(("_end", "_error")))
    assert set(starts.values()) <= {1}, starts
    assert ends == starts, f"started {dict(starts)}, ended {dict(ends)}"
    return {e.run_id: e.kind for e in rec.events if e.kind.endswith(("_end", "_error"))}


class Errors(Recorder):
    """A recorder that also keeps the error objects."""

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[BaseException] = []

    def on_chain_error(self, error: BaseException, **kw: Any) -> None:
        self.errors.append(error)
        super().on_chain_error(error, **kw)


class SlowAsync(AsyncCallbackHandler):
    """Sleeps in one event (so a timeout hits while it is awaited)."""

    def __init__(self, event: str) -> None:
        self.event = event

    async def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        if self.event == "start" and kw["name"] == "b":
            await asyncio.sleep(10)

    async def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        if self.event == "end":
            await asyncio.sleep(10)


# ----------------------------------------------------------------- cancellation, BaseException


@pytest.mark.parametrize("event", ["start", "end"])
def test_lifecycle_timeout_while_async_handler_awaited_closes_every_run(event: str) -> None:
    rec = Errors()
    chain = lam("a") | lam("b") | lam("c")

    async def main() -> None:
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(chain.ainvoke(1, {"callbacks": [SlowAsync(event), rec]}), 0.2)

    asyncio.run(main())
    terminal = closed_once(rec)
    assert "on_chain_error" in terminal.values()
    assert all(isinstance(e, asyncio.CancelledError) for e in rec.errors)


def test_lifecycle_cancelled_task_closes_its_runs() -> None:
    rec = Errors()

    async def slow(x: Any) -> Any:
        await asyncio.sleep(10)

    chain = lam("a") | RunnableLambda(slow, name="slow")

    async def main() -> None:
        task = asyncio.create_task(chain.ainvoke(1, {"callbacks": [rec]}))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    closed_once(rec)
    assert rec.terminal() == {"a": "end", "slow": "error", "RunnableSequence": "error"}


class ExitIn(BaseCallbackHandler):
    def __init__(self, event: str) -> None:
        self.event = event

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        if self.event == "start" and kw["name"] == "b":
            raise SystemExit(3)

    def on_chain_end(self, outputs: Any, **kw: Any) -> None:
        if self.event == "end":
            raise SystemExit(3)


@pytest.mark.parametrize("event", ["start", "end"])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_lifecycle_system_exit_in_a_handler_closes_every_run(event: str, mode: str) -> None:
    rec = Recorder()
    chain = lam("a") | lam("b") | lam("c")
    config: Any = {"callbacks": [ExitIn(event), rec]}
    with pytest.raises(SystemExit):
        if mode == "invoke":
            chain.invoke(1, config)
        else:
            asyncio.run(chain.ainvoke(1, config))
    closed_once(rec)
    assert "c" not in rec.names()


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream"])
def test_lifecycle_base_exception_in_a_lambda_is_reported_and_propagates(mode: str) -> None:
    def stop(x: Any) -> Any:
        raise KeyboardInterrupt

    rec = Errors()
    chain = lam("a") | RunnableLambda(stop, name="stop") | lam("c")
    with pytest.raises(KeyboardInterrupt):
        if mode == "invoke":
            chain.invoke(1, {"callbacks": [rec]})
        elif mode == "ainvoke":
            asyncio.run(chain.ainvoke(1, {"callbacks": [rec]}))
        else:
            list(chain.stream(1, {"callbacks": [rec]}))
    closed_once(rec)
    assert rec.terminal()["stop"] == "error"
    assert all(isinstance(e, KeyboardInterrupt) for e in rec.errors)


# ------------------------------------------------------------------------------ early close


def _streaming_chain() -> Any:
    model = FakeListChatModel(responses=["hello there"], name="model")
    return (lam("a") | model | StrOutputParser(name="parser")).with_config(tags=["t"])


def test_lifecycle_sync_stream_closed_early_ends_every_run_with_generator_exit() -> None:
    rec = Errors()
    stream = _streaming_chain().stream("x", {"callbacks": [rec]})
    assert next(stream) == "h"
    stream.close()
    terminal = closed_once(rec)
    assert set(terminal.values()) >= {"on_chain_error", "on_llm_error"}
    assert all(isinstance(e, GeneratorExit) for e in rec.errors)
    # children close before their parent (R7)
    kinds = [(e.kind, e.name) for e in rec.events if e.kind.endswith("_error")]
    assert kinds[-1] == ("on_chain_error", "RunnableSequence")


@pytest.mark.parametrize("how", ["aclose", "break"])
def test_lifecycle_async_stream_closed_early_ends_every_run(how: str) -> None:
    rec = Errors()

    async def main() -> None:
        stream = _streaming_chain().astream("x", {"callbacks": [rec]})
        if how == "aclose":
            assert await anext(stream) == "h"
            await stream.aclose()
        else:
            async for _ in stream:
                break
            del stream
            gc.collect()
            for _ in range(20):  # the loop's finaliser closes the abandoned generator
                await asyncio.sleep(0.01)

    asyncio.run(main())
    closed_once(rec)
    assert rec.terminal()["RunnableSequence"] == "error"
    assert all(isinstance(e, GeneratorExit) for e in rec.errors)


def test_lifecycle_generator_exit_inside_astream_closes_its_run() -> None:
    rec = Errors()
    model = FakeListChatModel(responses=["abc"], name="model")

    async def main() -> None:
        stream = model.with_config(callbacks=[rec]).astream("x")
        await anext(stream)
        with pytest.raises(GeneratorExit):
            await stream.athrow(GeneratorExit())

    asyncio.run(main())
    closed_once(rec)
    assert rec.terminal() == {"model": "error"}


# ------------------------------------------------------------------------ config mutation


def test_lifecycle_function_gets_its_own_config_lists() -> None:
    shared: Any = {"tags": ["t"], "metadata": {"k": 1}}

    def meddle(x: Any, config: Any) -> Any:
        config["tags"].append("leak")
        config["metadata"]["leak"] = True
        return x

    chain = lam("a") | RunnableLambda(meddle, name="meddle")
    for _ in range(3):
        chain.invoke(1, shared)
    assert shared == {"tags": ["t"], "metadata": {"k": 1}}


def test_lifecycle_ensure_config_inside_a_function_is_a_copy() -> None:
    shared: Any = {"tags": ["t"]}

    def meddle(x: Any) -> Any:
        ensure_config()["tags"].append("leak")
        return x

    RunnableLambda(meddle).invoke(1, shared)
    assert shared == {"tags": ["t"]}


def test_lifecycle_callbacks_replaced_by_a_list_and_forwarded() -> None:
    outer, inner = Recorder("outer"), Recorder("inner")

    def swap(x: Any, config: Any) -> Any:
        config["callbacks"] = [inner]
        return lam("child").invoke(x, config)

    assert RunnableLambda(swap, name="swap").invoke(5, {"callbacks": [outer]}) == 5
    assert inner.names() == ["child"]
    assert outer.names() == ["swap"]


def test_lifecycle_handlers_get_their_own_tags_and_metadata() -> None:
    class Mutator(BaseCallbackHandler):
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            kw["tags"].append("mutated")
            kw["metadata"]["mutated"] = True

    rec = Recorder()
    chain = lam("a") | lam("b")
    chain.invoke(1, {"callbacks": [Mutator(), rec], "tags": ["t"], "metadata": {"m": 1}})
    chain.invoke(1, {"callbacks": [Mutator(), rec], "tags": ["t"], "metadata": {"m": 1}})
    assert {t for e in rec.events for t in e.tags} == {"t"}
    assert all(e.metadata == {"m": 1} for e in rec.events)


# ------------------------------------------------------------- where sync handlers run


def test_lifecycle_sync_handlers_run_off_the_loop_in_async_modes() -> None:
    seen: dict[str, set[int]] = {"plain": set(), "inline": set()}

    class Where(BaseCallbackHandler):
        def __init__(self, label: str, inline: bool) -> None:
            self.label = label
            self.run_inline = inline

        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            seen[self.label].add(threading.get_ident())

    async def main() -> int:
        await (lam("a") | lam("b")).ainvoke(1, {"callbacks": [Where("plain", False),
                                                              Where("inline", True)]})
        return threading.get_ident()

    loop_thread = asyncio.run(main())
    assert seen["inline"] == {loop_thread}
    assert loop_thread not in seen["plain"]


def test_lifecycle_slow_sync_handler_does_not_stall_the_loop() -> None:
    """The loop keeps ticking while a sync handler sleeps (it runs in the executor). Judged by
    whether any tick falls inside the handler's sleep, which is impossible if the handler
    blocked the loop, not by the gaps between ticks, which a loaded machine stretches."""
    import time

    slept: list[float] = []

    class Slow(BaseCallbackHandler):
        def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
            slept.append(time.perf_counter())
            time.sleep(0.3)
            slept.append(time.perf_counter())

    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.01)

    async def call() -> None:
        try:
            await lam("a").ainvoke(1, {"callbacks": [Slow()]})
        finally:
            done.set()

    async def main() -> None:
        await asyncio.gather(call(), ticker())

    asyncio.run(main())
    start, end = slept
    assert any(start < t < end for t in ticks), (start, end, ticks)


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", ["x", 123, "6f1c1a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f"],
                         ids=["str", "int", "uuid-text"])
def test_lifecycle_bad_run_id_is_rejected_with_what_to_pass(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"run_id'\] must be a uuid.UUID or None.*uuid.uuid4\(\)"):
        lam("a").invoke(1, {"run_id": bad})
    with pytest.raises(TypeError, match=r"must be a uuid\.UUID"):
        lam("a").with_config(run_id=bad)


@pytest.mark.parametrize("bad", [object(), None, print, Recorder],
                         ids=["object", "None", "print", "class"])
def test_lifecycle_bad_callbacks_entry_is_rejected_with_what_to_pass(bad: Any) -> None:
    h = Recorder()
    with pytest.raises(TypeError, match=r"callbacks\[1\] is not a callback handler.*pass"):
        lam("a").invoke(1, {"callbacks": [h, bad]})
    with pytest.raises(TypeError, match="is not a callback handler"):
        RunnableLambda(lambda x: x, callbacks=[bad])
    assert h.events == []


def test_lifecycle_class_instead_of_handler_says_instantiate() -> None:
    with pytest.raises(TypeError, match=r"pass an instance, Recorder\(\), not the class"):
        lam("a").invoke(1, {"callbacks": [Recorder]})


def test_lifecycle_batch_with_a_string_config_says_what_to_pass() -> None:
    with pytest.raises(TypeError, match=r"batch\(\) config must be a dict.*got str 'x'"):
        lam("a").batch([1, 2], "x")  # type: ignore[arg-type]


# -------------------------------------------------------------------------------- run ids


def test_lifecycle_bound_run_id_on_a_step_used_twice_gives_unique_ids() -> None:
    u = uuid.uuid4()
    rec = Recorder()
    step = lam("s").with_config(run_id=u)
    (step | step).invoke(1, {"callbacks": [rec]})
    ids = [e.run_id for e in rec.events if e.kind == "on_chain_start"]
    assert len(set(ids)) == len(ids) == 3
    assert u not in ids


def test_lifecycle_bound_run_id_names_a_root_run_and_only_the_first_batch_input() -> None:
    u = uuid.uuid4()
    rec = Recorder()
    bound = (lam("a") | lam("b")).with_config(run_id=u)
    bound.invoke(1, {"callbacks": [rec]})
    roots = [e.run_id for e in rec.events
             if e.kind == "on_chain_start" and e.parent_run_id is None]
    assert roots == [u]
    rec2 = Recorder()
    bound.batch([1, 2, 3], {"callbacks": [rec2]})
    roots = [e.run_id for e in rec2.events
             if e.kind == "on_chain_start" and e.parent_run_id is None]
    assert len(set(roots)) == 3 and roots.count(u) == 1


# ----------------------------------------------------------------------------------- batch


def _exit_on_two(x: int) -> int:
    if x == 2:
        raise SystemExit(2)
    if x == 3:
        raise ValueError(3)
    return x


@pytest.mark.parametrize("inputs", [[2], [1, 2], [1, 2, 3]])
def test_lifecycle_batch_return_exceptions_raises_base_exceptions_whatever_the_size(
    inputs: list[int],
) -> None:
    r = RunnableLambda(_exit_on_two)
    with pytest.raises(SystemExit):
        r.batch(inputs, return_exceptions=True)
    with pytest.raises(SystemExit):
        asyncio.run(r.abatch(inputs, return_exceptions=True))
    out = r.batch([1, 3], return_exceptions=True)
    assert out[0] == 1 and isinstance(out[1], ValueError)


def test_lifecycle_abatch_creates_no_coroutine_before_its_turn() -> None:
    started: list[int] = []

    async def slow(x: int) -> int:
        started.append(x)
        await asyncio.sleep(10)
        return x

    async def main() -> None:
        task = asyncio.create_task(
            RunnableLambda(slow).abatch(list(range(5)), {"max_concurrency": 1})
        )
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        asyncio.run(main())
        gc.collect()
    assert started == [0]
    assert not [w for w in caught if "never awaited" in str(w.message)]


# ------------------------------------------------------------------------------- lambdas


def test_lifecycle_generator_function_lambda_is_consumed() -> None:
    def words(x: str) -> Any:
        yield from x.split()

    async def awords(x: str) -> Any:
        for w in x.split():
            yield w

    rec = Recorder()
    assert RunnableLambda(words).invoke("a b c", {"callbacks": [rec]}) == "abc"
    assert asyncio.run(RunnableLambda(awords).ainvoke("a b c")) == "abc"
    assert RunnableLambda(lambda x: {"k": x}).invoke(1) == {"k": 1}
    closed_once(rec)


def test_lifecycle_parallel_branch_interrupt_still_closes_siblings() -> None:
    rec = Recorder()

    def stop(x: Any) -> Any:
        raise KeyboardInterrupt

    par = RunnableParallel(a=lam("a", delay=0.05), b=RunnableLambda(stop, name="stop"))
    with pytest.raises(KeyboardInterrupt):
        par.invoke(1, {"callbacks": [rec]})
    closed_once(rec)


# ------------------------------------------------------------- model options checked when made


@pytest.mark.parametrize("make", [
    lambda: FakeListChatModel(responses=["a"], cache="junk"),
    lambda: FakeListChatModel(responses=["a"], rate_limiter="junk"),
    lambda: GenericFakeChatModel(messages=iter([]), cache=3),
    lambda: FakeListLLM(responses=["a"], cache=object()),
])
def test_lifecycle_bad_cache_or_rate_limiter_is_rejected_when_the_model_is_made(make: Any) -> None:
    """Not at the first call, inside a run (an AttributeError after the start event)."""
    with pytest.raises(TypeError, match=r"\((cache|rate_limiter)=\.\.\.\) takes a Base"):
        make()


def test_lifecycle_unknown_xml_parser_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"'defusedxml' .* or 'xml'"):
        XMLOutputParser(parser="bogus")
