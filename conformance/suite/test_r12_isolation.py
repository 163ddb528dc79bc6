"""R12 isolation: concurrent invocations never see each other's runs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import ChainShape, Registrations
from ._support import holds

ISOLATED = Registrations(bound=False, constructor=False)
#: Many slow lambdas, so the two invocations really overlap in time.
OVERLAPPING = ChainShape(slow_percent=60)


@pytest.mark.needs(threads=True)
@given(data=st.data())
def test_R12_concurrent_threads_are_isolated(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Two invocations of one chain in two threads, each with its own runtime handlers."""
    holds(request, adapter, data, ISOLATED, OVERLAPPING, modes=["invoke", "batch", "stream"])


@pytest.mark.needs(tasks=True)
@given(data=st.data())
def test_R12_concurrent_asyncio_tasks_are_isolated(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Two invocations of one chain as two asyncio tasks, each with its own runtime handlers."""
    holds(request, adapter, data, ISOLATED, OVERLAPPING,
          modes=["ainvoke", "abatch", "astream"])


@pytest.mark.needs(implicit_context=True)
@given(data=st.data())
def test_R12_dynamic_children_of_concurrent_invocations_are_isolated(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Functions that invoke slow children without forwarding config, in two invocations at
    once: implicit context must not leak from one to the other."""
    shape = ChainShape(kinds=frozenset({"dynamic", "lambda", "sequence", "parallel"}),
                       slow_percent=80, implicit_only=True)
    holds(request, adapter, data, ISOLATED, shape)
