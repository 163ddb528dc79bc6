"""R11 mode-parity: every invocation mode builds the same run trees."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..model import MODES
from ..strategies import COMPOSED_SHAPE, Registrations
from ._support import holds

#: The modes drawn: each example compares one with invoke (an alias of invoke, drawn, has every
#: mode compared; ``Capabilities.parity_modes``).
OTHER_MODES = tuple(m for m in MODES if m != "invoke")


@pytest.mark.needs(parity_modes="any")
@given(data=st.data())
def test_R11_all_modes_match_invoke(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """ainvoke, batch, abatch, stream and astream (and the modes SPEC.md §8 adds) give every
    handler the runs invoke gives (token events aside), per batch item: each example compares
    one drawn mode with invoke."""
    holds(request, adapter, data, Registrations(), modes=OTHER_MODES)


@pytest.mark.needs(composed_kinds="any", parity_modes="any")
@given(data=st.data())
def test_R11_composed_runnables_in_every_mode(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Branches, fallbacks (with failing attempts) and LLMs build the same trees in every mode
    as in invoke: a stream still falls back, a batch item's fallbacks are its own."""
    # No parallels: a failing branch of a streamed parallel is R7's and R8's own case.
    shape = replace(COMPOSED_SHAPE, kinds=COMPOSED_SHAPE.kinds - {"parallel"})
    holds(request, adapter, data, Registrations(failures=True, fail_percent=30), shape,
          modes=OTHER_MODES)
