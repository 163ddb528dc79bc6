"""What one runtime handler costs per node, against the cheapest possible loop.

The floor is a plain loop calling the same 100 identity functions and one
handler's ``on_chain_start`` before and ``on_chain_end`` after each (with the
same keyword arguments the engine passes). The reference runs
``RunnableSequence`` of 100 ``RunnableLambda`` with that handler in the
runtime config. Both run 100 nodes, so the ratio of their times is the
per-node ratio; the target is at most 10x.

Run: ``python -m pytest benchmarks/test_overhead_floor.py --benchmark-only -p no:cacheprovider``
"""

from __future__ import annotations

import os
import sys
import timeit
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.conftest import RATIOS
from reference.callbacks import BaseCallbackHandler
from reference.runnables import RunnableLambda, RunnableSequence

N = 100
GROUP = "seq100-one-handler"
TARGET = 10.0
LC_SITE = os.environ.get(
    "LANGCHAIN_SITE_PACKAGES", "/work/lcvenv/lib/python3.11/site-packages"
)


def identity(x: Any) -> Any:
    return x


class CountingHandler(BaseCallbackHandler):
    """Overrides exactly the two methods the floor calls."""

    def __init__(self) -> None:
        self.starts = 0

    def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
        self.starts += 1

    def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
        pass


def make_floor(handler: Any) -> Callable[[Any], Any]:
    funcs = [identity] * N
    serialized = {"name": "identity"}
    run_id = uuid.uuid4()
    tags: list[str] = []
    metadata: dict[str, Any] = {}

    def floor(x: Any) -> Any:
        for f in funcs:
            handler.on_chain_start(
                serialized, x, run_id=run_id, parent_run_id=None, tags=tags,
                metadata=metadata, name="identity",
            )
            x = f(x)
            handler.on_chain_end(
                x, run_id=run_id, parent_run_id=None, tags=tags, metadata=metadata
            )
        return x

    return floor


def make_reference(handler: Any) -> Callable[[Any], Any]:
    seq = RunnableSequence(*[RunnableLambda(identity) for _ in range(N)])
    config: Any = {"callbacks": [handler]}
    return lambda x: seq.invoke(x, config)


def import_langchain() -> Any:
    if LC_SITE not in sys.path and os.path.isdir(LC_SITE):
        sys.path.append(LC_SITE)
    try:
        import langchain_core.callbacks as lc_callbacks
        import langchain_core.runnables as lc_runnables
    except ImportError as e:  # pragma: no cover - depends on the environment
        pytest.skip(f"langchain_core not importable ({e}); set LANGCHAIN_SITE_PACKAGES")
    return lc_callbacks, lc_runnables


def make_langchain() -> Callable[[Any], Any]:
    lc_callbacks, lc_runnables = import_langchain()

    class LCHandler(lc_callbacks.BaseCallbackHandler):  # type: ignore[misc]
        def on_chain_start(self, serialized: Any, inputs: Any, **kwargs: Any) -> None:
            pass

        def on_chain_end(self, outputs: Any, **kwargs: Any) -> None:
            pass

    seq = lc_runnables.RunnableSequence(
        *[lc_runnables.RunnableLambda(identity) for _ in range(N)]
    )
    config = {"callbacks": [LCHandler()]}
    return lambda x: seq.invoke(x, config)


def best_time(fn: Callable[[Any], Any], number: int = 50, repeat: int = 15) -> float:
    return min(timeit.repeat(lambda: fn(1), number=number, repeat=repeat)) / number


@pytest.mark.benchmark(group=GROUP)
def test_floor_plain_loop(benchmark: Any) -> None:
    assert benchmark(make_floor(CountingHandler()), 1) == 1


@pytest.mark.benchmark(group=GROUP)
def test_reference_seq100(benchmark: Any) -> None:
    handler = CountingHandler()
    assert benchmark(make_reference(handler), 1) == 1
    assert handler.starts % (N + 1) == 0


@pytest.mark.benchmark(group=GROUP)
def test_langchain_core_seq100(benchmark: Any) -> None:
    assert benchmark(make_langchain(), 1) == 1


@pytest.mark.benchmark(group=GROUP)
def test_ratio_reference_vs_floor(benchmark: Any) -> None:
    """Measure floor and reference back to back (best of repeats) and check the 10x target."""
    floor = make_floor(CountingHandler())
    reference = make_reference(CountingHandler())
    ratio = best_time(reference) / best_time(floor)
    RATIOS["reference seq100 / floor"] = ratio
    print(f"\nreference / floor per node: {ratio:.2f}x (target <= {TARGET}x)")
    benchmark.extra_info["ratio"] = ratio
    benchmark.pedantic(reference, args=(1,), rounds=5, iterations=1)
    assert ratio <= TARGET, f"reference costs {ratio:.1f}x the floor per node (target {TARGET}x)"


@pytest.mark.benchmark(group=GROUP)
def test_ratio_langchain_vs_floor(benchmark: Any) -> None:
    lc = make_langchain()
    floor = make_floor(CountingHandler())
    ratio = best_time(lc, number=10, repeat=5) / best_time(floor)
    RATIOS["langchain_core seq100 / floor"] = ratio
    print(f"\nlangchain_core / floor per node: {ratio:.2f}x")
    benchmark.extra_info["ratio"] = ratio
    benchmark.pedantic(lc, args=(1,), rounds=3, iterations=1)
