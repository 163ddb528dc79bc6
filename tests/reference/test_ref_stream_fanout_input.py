"""A streamed parallel or assign reads its input stream whole, in its consumer's thread or task,
before its branches start (SPEC.md §8, R8).

Read by the branches instead, from their pool threads or tasks, an upstream step failing there
delivered its error event while the consumer was still passing an earlier chunk on, so a later
step of the sequence could start after the failure: the suite caught it as R8
``ran-after-failure``, intermittently, in a ``par | assign | pick`` chain.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from _ref_helpers import Boom, Recorder, lam

from reference.runnables import RunnableGenerator, RunnableParallel, RunnablePassthrough


def _upstream(pulls: list[int]) -> RunnableGenerator:
    """Yields two chunks, noting the thread of each pull, then fails."""

    def gen(input: Iterator[Any]) -> Iterator[dict[str, Any]]:
        for _ in input:
            pass
        pulls.append(threading.get_ident())
        yield {"a": 1}
        pulls.append(threading.get_ident())
        yield {"b": 2}
        pulls.append(threading.get_ident())
        raise Boom("upstream fails after two chunks")

    async def agen(input: AsyncIterator[Any]) -> AsyncIterator[dict[str, Any]]:
        async for _ in input:
            pass
        pulls.append(threading.get_ident())
        yield {"a": 1}
        pulls.append(threading.get_ident())
        yield {"b": 2}
        pulls.append(threading.get_ident())
        raise Boom("upstream fails after two chunks")

    return RunnableGenerator(gen, agen, name="up")


def _downstream(kind: str) -> Any:
    if kind == "parallel":
        return RunnableParallel(x=lam("x"), y=lam("y"))
    return RunnablePassthrough.assign(x=lam("x"), y=lam("y"))


@pytest.mark.parametrize("kind", ["parallel", "assign"])
@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_the_input_is_read_in_the_consumers_thread_and_a_failure_starts_nothing_after_it(
        kind: str, mode: str) -> None:
    pulls: list[int] = []
    rec = Recorder()
    chain = _upstream(pulls) | _downstream(kind) | lam("after")
    with pytest.raises(Boom):
        if mode == "stream":
            list(chain.stream("go", {"callbacks": [rec]}))
        else:
            async def consume() -> None:
                async for _ in chain.astream("go", {"callbacks": [rec]}):
                    pass

            asyncio.run(consume())
    assert len(pulls) == 3 and len(set(pulls)) == 1, pulls  # one thread pulled it all
    names = [(e.kind, e.name) for e in rec.events]
    failed = names.index(("on_chain_error", "up"))
    # nothing of the downstream step's branches nor of the step after it starts after the
    # upstream failure: the branches never start, as the input never completes
    assert not [n for n in names[failed:] if n[0] == "on_chain_start"], names
    assert ("on_chain_start", "x") not in names and ("on_chain_start", "after") not in names
