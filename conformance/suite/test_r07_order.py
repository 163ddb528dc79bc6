"""R7 order: starts before children, terminals after them, sequence steps in order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@pytest.mark.rule("R7")
@given(data=st.data())
def test_R7_events_are_nested_and_ordered(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Per handler; pipelined streams may overlap steps; a failing parallel waits for its
    branches."""
    holds(request, adapter, "R7", data, Registrations(failures=True, tags=False))
