"""R3 with SPEC.md §1 and §8's handler options: a constructor handler with ``ignore_*`` flags
sees its object's runs unless its flags silence their type; a constructor's callback manager may
hold local handlers, whose scope is the constructor's (the object's own runs)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import Registrations
from ._support import holds

CONSTRUCTOR_OPTIONS = Registrations(runtime=False, bound=False, tags=False,
                                    require_constructor=True, ignore_percent=60,
                                    local_percent=50, inline_percent=30)


@pytest.mark.needs(ignore_flags="any", constructor_callbacks="any")
@given(data=st.data())
def test_R3_ignore_flags_and_local_handlers_of_constructors(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``Model(callbacks=[h])`` with ``h.ignore_llm`` sees nothing of the model; a manager
    holding ``h`` as local gives it the model's own runs, as a list does."""
    holds(request, adapter, data, CONSTRUCTOR_OPTIONS)
