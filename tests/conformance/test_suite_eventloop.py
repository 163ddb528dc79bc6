"""The harness's reused event loop keeps what ``asyncio.run`` promises each call."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator

import pytest

from conformance import eventloop

_VAR: contextvars.ContextVar[str] = contextvars.ContextVar("_VAR", default="unset")


async def _loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_one_loop_per_thread_is_reused() -> None:
    first, second = eventloop.run(_loop()), eventloop.run(_loop())
    assert first is second
    other: list[asyncio.AbstractEventLoop] = []
    thread = threading.Thread(target=lambda: other.append(eventloop.run(_loop())))
    thread.start()
    thread.join()
    assert other and other[0] is not first


def test_tasks_left_pending_are_cancelled_before_the_call_returns() -> None:
    ended: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            ended.append("cancelled")

    async def abandon() -> None:
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(0)

    eventloop.run(abandon())
    assert ended == ["cancelled"]
    assert not asyncio.all_tasks(eventloop.run(_loop()))


def test_each_call_has_its_own_context() -> None:
    async def set_it() -> str:
        _VAR.set("set by the first call")
        return _VAR.get()

    async def read_it() -> str:
        return _VAR.get()

    assert eventloop.run(set_it()) == "set by the first call"
    assert eventloop.run(read_it()) == "unset"


def test_an_exception_reaches_the_caller_and_the_loop_stays_usable() -> None:
    async def fail() -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        eventloop.run(fail())
    assert eventloop.run(_loop()).is_running() is False


def test_sync_work_in_the_default_executor_runs_on_the_harness_threads() -> None:
    async def where() -> str:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: threading.current_thread().name)

    assert eventloop.run(where()).startswith(eventloop.EXECUTOR_THREAD_PREFIX)


def test_a_loop_closed_by_the_code_it_ran_is_replaced() -> None:
    loop = eventloop.run(_loop())

    async def close_later() -> None:
        asyncio.get_running_loop().call_soon(lambda: None)

    eventloop.run(close_later())
    loop.close()
    assert eventloop.run(_loop()) is not loop


def test_async_generators_left_open_are_closed_before_the_call_returns() -> None:
    closed: list[str] = []
    kept: list[object] = []

    async def stream() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            closed.append("closed")

    async def read_one() -> None:
        generator = stream()
        kept.append(generator)  # still referenced: only the loop's shutdown step closes it
        await generator.__anext__()

    eventloop.run(read_one())
    assert closed == ["closed"]
