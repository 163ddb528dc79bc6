"""R4 additivity: registrations add up; none replaces or drops another's handlers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@given(data=st.data())
def test_R4_routes_add_up(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """What each handler observes with every registration present equals what it observes with
    each of its registrations alone, united."""
    holds(request, adapter, data, Registrations(max_handlers=3, tags=False,
                                                      require_bound=True))


@given(data=st.data())
def test_R4_nested_bindings_add_up(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``x.with_config(callbacks=[a]).with_config(callbacks=[b])``: both reach x's subtree."""
    holds(request, adapter, data,
          Registrations(runtime=False, constructor=False, tags=False, require_bound=True,
                        nested_bound=True, max_handlers=2, duplicates=False))
