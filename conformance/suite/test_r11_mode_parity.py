"""R11 mode-parity: every invocation mode builds the same run trees."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@given(data=st.data())
def test_R11_all_modes_match_invoke(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """ainvoke, batch, abatch, stream and astream give every handler the runs invoke gives
    (token events aside), per batch item."""
    holds(request, adapter, data, Registrations(), modes=["invoke"])
