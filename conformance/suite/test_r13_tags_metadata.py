"""R13 tags-metadata: tags and metadata follow the routes and scopes of handlers."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, Registrations
from ._support import holds


@given(data=st.data())
def test_R13_tags_and_metadata_in_scope(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Runtime tags everywhere, bound tags in the subtree, constructor tags on the object only."""
    holds(request, adapter, data, Registrations(tags=True))


@pytest.mark.needs(node_kinds=frozenset({"binding"}))
@given(data=st.data())
def test_R13_nested_bindings_tags_add_up(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``x.with_config(tags=[a]).with_config(tags=[b])``: x's runs carry both a and b (and both
    bindings' metadata), like handlers bound twice."""
    holds(request, adapter, data,
          Registrations(tags=True, tag_every_route=True, require_bound=True, nested_bound=True))


@pytest.mark.needs(composed_kinds="any")
@given(data=st.data())
def test_R13_tags_and_metadata_reach_composed_runnables(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Branch conditions, fallback and retry attempts (failed and retried ones included), map
    items, assign branches, generators and LLMs carry the tags and metadata in scope, as any
    run does (the tests above draw none of them)."""
    holds(request, adapter, data, Registrations(tags=True, failures=True, fail_percent=30),
          COMPOSED_SHAPE)
