"""R3 constructor-locality: constructor handlers see only their own object's runs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@pytest.mark.needs(constructor_callbacks="any")
@given(data=st.data())
def test_R3_constructor_handlers_fire_only_for_their_object(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Not for children (also those a tool's function invokes), parents or siblings; for every
    place a reused object runs; also when runs fail."""
    holds(request, adapter, data,
          Registrations(runtime=False, bound=False, tags=False, require_constructor=True,
                        failures=True, fail_percent=15))
