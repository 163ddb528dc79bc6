"""R14 root-config: run_name and run_id given at run time name the root run only; a run_name
bound with with_config names the bound object's run only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds


@pytest.mark.needs(root_config=True)
@given(data=st.data())
def test_R14_run_name_and_run_id_apply_to_root_only(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """The root gets the given name and id; no other run does."""
    holds(request, adapter, data, Registrations(root_config=True, tags=False))


@pytest.mark.needs(root_config=True)
@given(data=st.data())
def test_R14_run_id_is_the_roots_alone(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Single-input modes, where a run_id may be given: no run below the root reuses it."""
    holds(request, adapter, data, Registrations(root_config=True, tags=False),
          modes=("invoke", "ainvoke", "stream", "astream"))


@pytest.mark.needs(node_kinds=frozenset({"binding"}))
@given(data=st.data())
def test_R14_bound_run_name_names_the_bound_run_only(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``x.with_config(run_name="n")`` names x's run, not the runs x starts, in every mode; the
    name given nearest the caller wins: the invocation's run_name (where the binding is the
    root), an outer binding's over an inner one's."""
    holds(request, adapter, data, Registrations(root_config=True, tags=False, bind_percent=100,
                                                bound_run_name_percent=75))
