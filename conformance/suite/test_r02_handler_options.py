"""R2 with SPEC.md §1's local handlers: a callback manager bound with ``with_config`` holds
local handlers next to inheritable ones; the local ones reach the bound object's run only."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds

BOUND_MANAGERS = Registrations(runtime=False, constructor=False, tags=False, require_bound=True,
                               manager_percent=100, local_percent=100)
BOUND_IGNORING = replace(BOUND_MANAGERS, manager_percent=50, local_percent=40, ignore_percent=80,
                         inline_percent=30)


@pytest.mark.needs(local_handlers=True, manager_form=True)
@given(data=st.data())
def test_R2_local_bound_handlers_reach_the_bound_run_only(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``x.with_config(callbacks=manager)`` with a local handler: x's run only (through nested
    bindings too), while the manager's inheritable handlers see x's whole subtree."""
    holds(request, adapter, data, BOUND_MANAGERS)


@pytest.mark.needs(ignore_flags="any")
@given(data=st.data())
def test_R2_ignore_flags_narrow_bound_handlers(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A bound handler with ``ignore_*`` flags sees the bound subtree's runs of the other
    types, and nothing outside it."""
    holds(request, adapter, data, BOUND_IGNORING)
