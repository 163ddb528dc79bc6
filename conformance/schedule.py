"""The order the rule tests start in: the longest first, so that pytest-xdist's workers end
together.

``worksteal`` hands each worker a contiguous share of the collection and lets an idle worker take
half of another's queue, but a test already started cannot be shared: a long one started last
(R11, when it ran every mode per example) kept one worker busy 2-4 s after the other had ended,
in a run of under 20 s on two workers. Started first, the long tests run beside each other and
the short ones fill the end.

:data:`COSTS` are CPU seconds per test on the reference in the default profile, measured by
``python -m benchmarks.suite_costs`` (which prints a new table to paste here: the longer half of
the tests); a test not listed starts after those listed. A stale table costs balance, never a
verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Protocol, TypeVar

__all__ = ["COSTS", "longest_first"]

#: Test function name -> CPU seconds (reference, default profile, one process).
COSTS: Final[dict[str, float]] = {
    "test_R6_run_ids_and_parent_links": 1.09,
    "test_R12_dynamic_children_of_concurrent_invocations_are_isolated": 1.06,
    "test_R6_astream_events_agree_with_the_callbacks": 0.99,
    "test_R15_what_a_call_carried_stays_as_it_was": 0.95,
    "test_R6_parent_links_of_dynamic_children": 0.95,
    "test_R10_raising_handler_is_contained": 0.89,
    "test_R6_astream_events_agree_on_composed_runnables": 0.80,
    "test_R15_streamed_llm_tokens_arrive_once_each_in_order": 0.79,
    "test_R10_raising_handler_is_contained_in_streams": 0.78,
    "test_R12_concurrent_threads_are_isolated": 0.73,
    "test_R15_streamed_tokens_arrive_once_each_in_order": 0.71,
    "test_R6_composed_runnables_parent_their_parts": 0.70,
    "test_R8_retried_failures_in_batches_are_each_items_own": 0.65,
    "test_R11_all_modes_match_invoke": 0.63,
    "test_R15_composed_llm_runs_use_the_llm_methods": 0.62,
    "test_R8_failing_parallel_branches_in_every_mode": 0.62,
    "test_R12_concurrent_asyncio_tasks_are_isolated": 0.62,
    "test_R10_raise_error_handler_reaches_caller_and_closes_runs": 0.61,
    "test_R9_handlers_change_no_output_or_exception": 0.60,
    "test_R7_failing_parallel_waits_for_its_branches": 0.59,
    "test_R4_routes_add_up": 0.59,
    "test_R2_nested_bindings_each_reach_their_subtree": 0.54,
    "test_R9_handlers_change_no_returned_value": 0.53,
    "test_R1_runtime_handlers_reach_every_run": 0.50,
    "test_R7_composed_runnables_run_their_parts_in_turn": 0.50,
    "test_R7_streamed_tokens_fall_inside_their_run": 0.50,
    "test_R1_max_concurrency_changes_no_run": 0.50,
    "test_R14_bound_run_name_names_the_bound_run_only": 0.47,
    "test_R13_nested_bindings_tags_add_up": 0.47,
    "test_R2_bound_handlers_reach_exactly_the_bound_subtree": 0.46,
    "test_R14_run_id_is_the_roots_alone": 0.46,
    "test_R13_tags_and_metadata_in_scope": 0.46,
    "test_R13_tags_and_metadata_reach_composed_runnables": 0.45,
    "test_R1_runtime_handlers_reach_children_invoked_without_config": 0.44,
    "test_R1_each_batch_item_gets_its_own_config": 0.44,
    "test_R8_composed_failing_conditions_and_fallbacks": 0.43,
    "test_R2_bound_handlers_reach_composed_runnables": 0.42,
    "test_R7_events_are_nested_and_ordered": 0.41,
    "test_R11_composed_runnables_in_every_mode": 0.40,
    "test_R15_calls_carry_the_runs_name_inputs_outputs_and_error": 0.40,
}


class _Item(Protocol):
    @property
    def name(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Item)


def longest_first(items: Sequence[ItemT]) -> list[ItemT]:
    """``items`` by :data:`COSTS`, longest first, the tests not listed (the shorter half) last;
    equal costs keep their order, so every pytest-xdist worker, which must collect the same
    list, computes the same one."""
    return sorted(items, key=lambda item: -COSTS.get(item.name, 0.0))
