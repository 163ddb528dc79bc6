"""R10 handler-faults: a raising handler is contained, unless it asks to raise."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import ChainShape, Registrations
from ._support import holds


@given(data=st.data())
def test_R10_raising_handler_is_contained(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """With raise_error=False: the run goes on, its output is unchanged, and every other handler
    (and the faulty one) still receives every event."""
    holds(request, adapter, data, Registrations(faults=True, tags=False))


@pytest.mark.needs(raise_error=True)
@given(data=st.data())
def test_R10_raise_error_handler_reaches_caller_and_closes_runs(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """With raise_error=True: the caller gets the handler's exception, and no handler is left
    with a run that started but never ended."""
    holds(request, adapter, data, Registrations(faults=True, raise_error=True, tags=False))


@given(data=st.data())
def test_R10_raising_handler_is_contained_in_streams(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """With raise_error=False, a stream of chat-model tokens: a handler that raises (on every
    event, tokens included, in a third of the cases) still gets every later token, start and
    end, and the stream yields what it yields without the fault (the first test streams a
    model to a faulty handler in about one case in 25)."""
    shape = ChainShape(kinds=frozenset({"chat_model", "prompt", "parser", "sequence", "lambda",
                                        "binding"}), require_kinds=frozenset({"chat_model"}))
    holds(request, adapter, data, Registrations(faults=True, tags=False), shape,
          modes=("stream", "astream"))
