"""R9 transparency: handlers never change what a chain returns or raises."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@given(data=st.data())
def test_R9_handlers_change_no_output_or_exception(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """The same chain with and without every handler registration returns and raises the same."""
    holds(request, adapter, data, Registrations(failures=True))


@given(data=st.data())
def test_R9_handlers_change_no_returned_value(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Chains that succeed: every example compares returned values (a tracer that annotates an
    output in place, say, shows only when the run returns)."""
    holds(request, adapter, data, Registrations(failures=False))
