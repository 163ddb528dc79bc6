"""R2 bound-reach: handlers bound with with_config reach exactly the bound subtree."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, Registrations
from ._support import holds


@pytest.mark.needs(node_kinds=frozenset({"binding"}))
@given(data=st.data())
def test_R2_bound_handlers_reach_exactly_the_bound_subtree(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Bound handlers see the bound object's runs and descendants, nothing else (not even other
    uses of the same object outside the binding), also when runs fail."""
    holds(request, adapter, data,
          Registrations(runtime=False, constructor=False, tags=False, require_bound=True,
                        failures=True, fail_percent=15))


@pytest.mark.needs(node_kinds=frozenset({"binding"}))
@given(data=st.data())
def test_R2_nested_bindings_each_reach_their_subtree(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``x.with_config(callbacks=[a]).with_config(callbacks=[b])``: a and b both reach x's
    subtree (an outer binding adds to the inner one's handlers, it does not replace them)."""
    holds(request, adapter, data,
          Registrations(runtime=False, constructor=False, tags=False, require_bound=True,
                        nested_bound=True))


@pytest.mark.needs(node_kinds=frozenset({"binding"}), composed_kinds="any")
@given(data=st.data())
def test_R2_bound_handlers_reach_composed_runnables(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A handler bound on a branch, a fallbacks runnable or what they contain sees exactly that
    subtree: conditions, chosen branches and every attempt below the binding."""
    holds(request, adapter, data,
          Registrations(runtime=False, constructor=False, tags=False, require_bound=True,
                        failures=True, fail_percent=30), COMPOSED_SHAPE)
