"""R1 runtime-reach: handlers in the invocation's config reach every run of its tree."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, ChainShape, Registrations
from ._support import holds

RUNTIME_ONLY = Registrations(bound=False, constructor=False, tags=False)


@given(data=st.data())
def test_R1_runtime_handlers_reach_every_run(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Sequences, parallel branches, batch items, streams, dynamic children, tools."""
    holds(request, adapter, data, RUNTIME_ONLY)


@pytest.mark.needs(implicit_context=True)
@given(data=st.data())
def test_R1_runtime_handlers_reach_children_invoked_without_config(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Functions and tools that invoke children without forwarding their config (implicit
    context propagation), in sync code, threads and asyncio tasks."""
    shape = ChainShape(kinds=frozenset({"dynamic", "tool", "lambda", "parallel", "sequence"}),
                       implicit_only=True)
    holds(request, adapter, data, RUNTIME_ONLY, shape)


@pytest.mark.needs(per_item_config=True)
@given(data=st.data())
def test_R1_each_batch_item_gets_its_own_config(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``batch(inputs, [config0, config1, ...])``: each input's runtime handlers see that input's
    tree and no other."""
    holds(request, adapter, data, replace(RUNTIME_ONLY, per_item_configs=True),
          modes=("batch", "abatch"))


@pytest.mark.needs(composed_kinds="any")
@given(data=st.data())
def test_R1_runtime_handlers_reach_composed_runnables(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """SPEC.md §8: every condition and chosen branch of a ``RunnableBranch``, every attempt of
    ``with_fallbacks`` (failed ones too), every non-chat LLM run, in every mode."""
    holds(request, adapter, data, replace(RUNTIME_ONLY, failures=True, fail_percent=30),
          COMPOSED_SHAPE)
