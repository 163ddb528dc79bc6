"""R8 errors: a failure is reported by the failing run and every ancestor it passes through."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@pytest.mark.rule("R8")
@pytest.mark.needs(failing_kinds="any")
@given(data=st.data())
def test_R8_errors_propagate_as_error_events(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Error events (never end events) up the chain, later steps never start, and the caller
    gets the original exception object."""
    holds(request, adapter, "R8", data, Registrations(failures=True, tags=False))
