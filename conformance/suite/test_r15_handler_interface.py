"""R15 handler-interface: each call goes through its run type's method and carries the run's
name (``serialized`` and ``name``), the inputs, outputs and exception that flowed, and each token
once, in order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ..adapter import Adapter
from ..strategies import COMPOSED_SHAPE, ChainShape, Registrations
from ._support import holds


@given(data=st.data())
def test_R15_calls_carry_the_runs_name_inputs_outputs_and_error(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Every node kind, every mode, failing nodes included: start and terminal methods of the
    run's type, ``serialized['name']`` and ``name`` equal to the run's name, inputs and outputs
    as they flowed, the very exception raised."""
    holds(request, adapter, data, Registrations(failures=True, tags=False))


@given(data=st.data())
def test_R15_streamed_tokens_arrive_once_each_in_order(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Chat models streamed through sequences and parallels: the tokens a handler receives add
    up to the model's reply."""
    shape = ChainShape(kinds=frozenset({"chat_model", "prompt", "parser", "sequence",
                                        "parallel", "lambda", "binding"}))
    holds(request, adapter, data, Registrations(tags=False), shape,
          modes=("stream", "astream"))


@pytest.mark.needs(composed_kinds="any")
@given(data=st.data())
def test_R15_composed_llm_runs_use_the_llm_methods(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """A non-chat LLM starts through ``on_llm_start`` with its prompt strings and its name, and
    ends through ``on_llm_end``/``on_llm_error``; conditions and attempts carry their own
    inputs and outputs."""
    holds(request, adapter, data, Registrations(failures=True, fail_percent=30, tags=False),
          COMPOSED_SHAPE)


@pytest.mark.needs(node_kinds=frozenset({"streaming_llm"}))
@given(data=st.data())
def test_R15_streamed_llm_tokens_arrive_once_each_in_order(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Streaming (non-chat) LLMs streamed alone and through sequences, parallels and bindings,
    given a string or a prompt: the tokens a handler receives add up to the LLM's reply (the
    chat models' test above draws no LLM)."""
    shape = ChainShape(kinds=frozenset({"streaming_llm", "prompt", "parser", "sequence",
                                        "parallel", "lambda", "binding"}),
                       require_kinds=frozenset({"streaming_llm"}))
    holds(request, adapter, data, Registrations(tags=False), shape,
          modes=("stream", "astream"))


@given(data=st.data())
def test_R15_prompts_and_the_models_they_feed_carry_what_flowed(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """The seeds' shape (a prompt, then a chat model, maybe a parser), mostly, alone or nested,
    by every route, in the modes where every start is judged: the prompt ends with its prompt
    value, the chat model starts with the prompt's messages and ends with its reply (the first
    test draws a prompt feeding a model in about one chain in eight)."""
    shape = ChainShape(kinds=frozenset({"prompt", "chat_model", "parser", "sequence",
                                        "parallel", "lambda", "binding"}), seed_percent=80)
    holds(request, adapter, data, Registrations(failures=True, tags=False), shape,
          modes=("invoke", "ainvoke", "batch", "abatch"))


@pytest.mark.needs(node_kinds=frozenset({"assign"}))
@given(data=st.data())
def test_R15_what_a_call_carried_stays_as_it_was(
    adapter: Adapter, request: pytest.FixtureRequest, data: st.DataObject
) -> None:
    """Dicts handed from step to step (parallels feeding assigns, assigns feeding assigns),
    every mode: the inputs a start carried and the outputs an end carried read the same once
    the call is over, as a handler that keeps them sees them (in the quick profile's draws the
    other R15 tests show an assign that changes its input in place in none of 25)."""
    shape = ChainShape(kinds=frozenset({"lambda", "sequence", "parallel", "assign", "binding"}),
                       require_kinds=frozenset({"assign"}))
    holds(request, adapter, data, Registrations(tags=False), shape)
