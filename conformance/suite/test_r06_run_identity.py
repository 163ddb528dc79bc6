"""R6 run-identity: unique run ids, the same id for every handler, correct parent links."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, ChainShape, Registrations
from ._support import holds


@given(data=st.data())
def test_R6_run_ids_and_parent_links(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Including dynamic children, failing runs, and bindings (which create no run)."""
    holds(request, adapter, data, Registrations(failures=True, tags=False))


@given(data=st.data())
def test_R6_parent_links_of_dynamic_children(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Children invoked by functions and tools (forwarding config or not) link to their run."""
    shape = ChainShape(kinds=frozenset({"dynamic", "tool", "lambda", "sequence", "parallel"}))
    holds(request, adapter, data, Registrations(tags=False), shape)


@pytest.mark.needs(composed_kinds="any")
@given(data=st.data())
def test_R6_composed_runnables_parent_their_parts(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A branch's conditions and chosen branch, and every attempt of a fallbacks runnable, are
    child runs of it, each with its own id; an LLM reports run type ``llm``."""
    holds(request, adapter, data, Registrations(failures=True, fail_percent=30, tags=False),
          COMPOSED_SHAPE)
