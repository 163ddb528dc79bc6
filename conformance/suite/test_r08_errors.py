"""R8 errors: a failure is reported by the failing run and every ancestor it passes through."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, RETRY_SHAPE, ChainShape, Registrations
from ._support import holds


@pytest.mark.needs(failing_kinds="any")
@given(data=st.data())
def test_R8_errors_propagate_as_error_events(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Error events (never end events) up the chain, later steps never start, and the caller
    gets the original exception object."""
    holds(request, adapter, data, Registrations(failures=True, tags=False))


@pytest.mark.needs(failing_kinds="any")
@given(data=st.data())
def test_R8_failing_parallel_branches_in_every_mode(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Parallels with several failing and slow branches: the caller gets the first failing
    branch's exception in declaration order, and the other branches are not cut short."""
    shape = ChainShape(kinds=frozenset({"parallel", "lambda", "sequence"}), slow_percent=50)
    holds(request, adapter, data,
          Registrations(failures=True, fail_percent=50, tags=False), shape)


@pytest.mark.needs(composed_kinds="any", failing_kinds="any")
@given(data=st.data())
def test_R8_composed_failing_conditions_and_fallbacks(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A branch whose condition raises fails with that exception and starts nothing more; a
    fallbacks runnable whose attempts all fail fails with the first attempt's exception, which
    the caller gets; a failing LLM reports its error."""
    holds(request, adapter, data, Registrations(failures=True, fail_percent=40,
                                                attempt_fail_percent=75, tags=False),
          COMPOSED_SHAPE)


@pytest.mark.needs(node_kinds=frozenset({"retry"}), failing_kinds=frozenset({"lambda"}))
@given(data=st.data())
def test_R8_retried_failures_in_batches_are_each_items_own(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """SPEC.md §8 ``with_retry`` in ``batch`` and ``abatch``: each item whose attempt fails is
    retried under its own retry run, which then ends normally; the other items are not
    affected. Whatever order the engine gives the items' calls (a sequence's batch may run
    step by step, a retry's batch retry only the failed items): a lambda failing on its first
    attempt is reached by each item with a value of its own (model.py ``flaky``)."""
    holds(request, adapter, data,
          Registrations(failures=True, fail_percent=15, flaky_percent=90, tags=False),
          RETRY_SHAPE,
          modes=("batch", "abatch"))
