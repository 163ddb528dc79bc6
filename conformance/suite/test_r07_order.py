"""R7 order: starts before children, terminals after them, sequence steps in order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, ChainShape, Registrations
from ._support import holds


@given(data=st.data())
def test_R7_events_are_nested_and_ordered(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Per handler; pipelined streams may overlap steps; a failing parallel waits for its
    branches."""
    holds(request, adapter, data, Registrations(failures=True, tags=False))


@pytest.mark.needs(failing_kinds="any")
@given(data=st.data())
def test_R7_failing_parallel_waits_for_its_branches(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A parallel whose branch fails still waits for the others before its error (R7.6), and
    no event arrives after the call returned."""
    shape = ChainShape(kinds=frozenset({"parallel", "lambda", "sequence"}), slow_percent=50)
    holds(request, adapter, data,
          Registrations(failures=True, fail_percent=35, tags=False), shape,
          modes=["invoke", "batch", "ainvoke", "abatch"])


@pytest.mark.needs(composed_kinds="any")
@given(data=st.data())
def test_R7_composed_runnables_run_their_parts_in_turn(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Conditions in declaration order before the chosen branch; fallback attempts one after
    another, each ended before the next starts; all nested in the construct's run."""
    holds(request, adapter, data, Registrations(failures=True, fail_percent=30, tags=False),
          COMPOSED_SHAPE)


@given(data=st.data())
def test_R7_streamed_tokens_fall_inside_their_run(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Chat models streamed alone and through sequences and bindings (no parallels: their
    branches are not streamed), with coroutine handlers more often than elsewhere (SPEC.md §6
    delivers their events on the loop, the others' in the executor): every token a handler
    receives comes after its run's start and before its end or error (R7.2), and after its
    parent's start."""
    shape = ChainShape(kinds=frozenset({"chat_model", "prompt", "parser", "sequence", "lambda",
                                        "binding"}), require_kinds=frozenset({"chat_model"}))
    holds(request, adapter, data,
          Registrations(failures=True, tags=False, async_handler_percent=60), shape,
          modes=("stream", "astream"))
