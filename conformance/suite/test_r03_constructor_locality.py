"""R3 constructor-locality: constructor handlers see only their own object's runs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, Registrations
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


@pytest.mark.needs(constructor_callbacks="any", composed_kinds="any")
@given(data=st.data())
def test_R3_constructor_handlers_in_composed_runnables(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Constructor handlers of an LLM, a chat model or an attempt of a fallbacks runnable see
    that object's runs only (every attempt of it), not the branch or fallbacks around it."""
    holds(request, adapter, data,
          Registrations(runtime=False, bound=False, tags=False, require_constructor=True,
                        failures=True, fail_percent=30), COMPOSED_SHAPE)
