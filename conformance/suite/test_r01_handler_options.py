"""R1 with SPEC.md §8's handler options and modes: ``ignore_*`` flags narrow a runtime handler's
scope to the runs of the types it does not ignore; a callback manager's local runtime handlers
reach each input's root run only (SPEC.md §1); ``batch_as_completed`` builds ``batch``'s trees."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..model import CLASSIC_KINDS, Mode
from ..strategies import ChainShape, Registrations
from ._support import holds

RUNTIME_ONLY = Registrations(bound=False, constructor=False, tags=False)
#: Every run type the model has: chains, chat models, LLMs, tools, retrievers.
EVERY_RUN_TYPE = ChainShape(kinds=CLASSIC_KINDS | {"llm"})
IGNORING = replace(RUNTIME_ONLY, ignore_percent=80, inline_percent=30, failures=True)
LOCAL_AT_RUN_TIME = replace(RUNTIME_ONLY, manager_percent=100, local_percent=100,
                            inline_percent=30)


@pytest.mark.needs(ignore_flags="any")
@given(data=st.data())
def test_R1_ignore_flags_silence_whole_runs_of_their_type(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A runtime handler with ``ignore_chain`` (``_llm``, ``_chat_model``, ``_agent``,
    ``_retriever``) gets no event of the runs those flags silence and every event of the
    others, their children included; ``run_inline`` changes nothing it gets."""
    holds(request, adapter, data, IGNORING, EVERY_RUN_TYPE)


@pytest.mark.needs(local_handlers=True, manager_form=True)
@given(data=st.data())
def test_R1_local_runtime_handlers_reach_the_root_only(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``config={"callbacks": manager}`` with a handler added by ``add_handler(h,
    inherit=False)``: it sees each input's root run, none of its children; the manager's
    inheritable handlers see the whole tree."""
    holds(request, adapter, data, LOCAL_AT_RUN_TIME)


AS_COMPLETED: tuple[Mode, ...] = ("batch_as_completed", "abatch_as_completed")


@pytest.mark.needs(modes=frozenset(AS_COMPLETED))
@given(data=st.data())
def test_R1_batch_as_completed_builds_the_trees_batch_builds(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``batch_as_completed`` / ``abatch_as_completed`` (SPEC.md §8): results arrive in
    completion order, but each input's tree is the one ``batch`` builds, with its own config
    (one per input, or one shared), failing items included."""
    holds(request, adapter, data, replace(RUNTIME_ONLY, failures=True, item_config_percent=50),
          modes=AS_COMPLETED)


BATCH_MODES_DRAWN: tuple[Mode, ...] = ("batch", "abatch", *AS_COMPLETED)
LIMITED = replace(RUNTIME_ONLY, failures=True, item_config_percent=75,
                  max_concurrency_percent=100)


@given(data=st.data())
def test_R1_max_concurrency_changes_no_run(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """``max_concurrency`` 1 or 2 in the config of a batch of several inputs (one config or one
    per input) or of a chain with parallel branches or concurrent callees (SPEC.md §8): fewer
    run at a time, each still in its own tree with its own handlers; R11 compares the same
    limit across modes."""
    holds(request, adapter, data, LIMITED, modes=BATCH_MODES_DRAWN)  # (those it has)
