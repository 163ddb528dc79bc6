"""R5 once-per-handler: a handler reached several ways gets each event once."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@given(data=st.data())
def test_R5_each_event_delivered_once_per_handler(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """The same handler twice in one list, in a list and a manager, through two routes."""
    holds(request, adapter, data, Registrations(max_handlers=2, duplicates=True,
                                                      tags=False))
