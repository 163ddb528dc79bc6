"""R6 (and R1, R7, R8) for ``astream_events`` (version v2): its events agree with the callback
events of the same invocation (SPEC.md §8): every run the callbacks saw start is in the stream,
with the same id, name and run type, ``parent_ids`` its ancestors root first, starting after its
parent, ending when the callbacks saw it end and not when they saw it fail."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..model import Mode
from ..strategies import COMPOSED_SHAPE, Registrations
from ._support import holds

STREAM_EVENTS: tuple[Mode, ...] = ("astream_events",)


@pytest.mark.needs(modes=frozenset(STREAM_EVENTS))
@given(data=st.data())
def test_R6_astream_events_agree_with_the_callbacks(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """The classic chains with every route and failing nodes: the handlers in the config get
    what ``astream`` gives them, and the event stream names the same runs."""
    holds(request, adapter, data, Registrations(failures=True), modes=STREAM_EVENTS)


@pytest.mark.needs(modes=frozenset(STREAM_EVENTS), composed_kinds="any")
@given(data=st.data())
def test_R6_astream_events_agree_on_composed_runnables(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Branches, fallbacks, retries, maps, assigns, generators and LLMs under astream_events."""
    holds(request, adapter, data, Registrations(failures=True, fail_percent=30), COMPOSED_SHAPE,
          modes=STREAM_EVENTS)
