"""The matcher's shortcuts give what its dynamic programmes give (so they only save time).

``_Matcher._assign`` skips its subset programme where no two children fit one place and none
fits two, and ``_Matcher._align`` skips its table where every child fits its step at no cost.
Both must keep the programmes' choice among equally good placements, tie-breaks included: a
change to a programme's tie-break that its shortcut does not follow fails here.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.matching import _UNPLACED, _Fit, _Matcher

Key = tuple[int, ...]

_COSTS = st.integers(0, 6)
#: What leaving a place without a run costs (how many watched handlers it has).
_MISS = st.integers(0, 4)


def _matcher(miss: dict[Key, int], fits: dict[tuple[str, Key], _Fit | None]) -> _Matcher:
    """A matcher that knows only what each place costs left unseen and each pair's fit."""
    matcher = object.__new__(_Matcher)
    matcher.miss = miss
    matcher._left_out = lambda rid, level: _UNPLACED  # type: ignore[method-assign]
    matcher._size = lambda rid: 1  # type: ignore[method-assign]
    matcher.wrapped = frozenset()
    matcher._pair = lambda rid, key: fits[(rid, key)]  # type: ignore[method-assign]
    return matcher


@st.composite
def _apart(draw: st.DrawFn) -> tuple[list[list[tuple[int, _Fit]]], list[Key], dict[Key, int]]:
    """Children that each fit one place at most, no place fitted by two: per child, its
    place and fit, if any."""
    keys: list[Key] = [(0, j) for j in range(draw(st.integers(0, 5)))]
    children = draw(st.integers(1, 5))
    places = draw(st.permutations([*range(len(keys)), *[None] * children]))[:children]
    options: list[list[tuple[int, _Fit]]] = [
        [] if j is None else [(j, (draw(_COSTS), ((f"r{i}", keys[j]),)))]
        for i, j in enumerate(places)]
    return options, keys, {key: draw(_MISS) for key in keys}


@settings(max_examples=400, deadline=None)
@given(_apart())
def test_assign_of_children_apart_is_the_subset_programmes(
        case: tuple[list[list[tuple[int, _Fit]]], list[Key], dict[Key, int]]) -> None:
    options, keys, miss = case
    matcher = _matcher(miss, {})
    assert matcher._assign_apart(options, keys) == matcher._assign_by_subsets(options, keys)


@st.composite
def _steps(draw: st.DrawFn) -> tuple[list[str], list[Key], dict[tuple[str, Key], _Fit | None],
                                     dict[Key, int]]:
    """As many children as steps, any fits (often perfect on the diagonal)."""
    n = draw(st.integers(1, 5))
    kids = [f"r{i}" for i in range(n)]
    keys: list[Key] = [(0, j) for j in range(n)]
    fits: dict[tuple[str, Key], _Fit | None] = {}
    for i, kid in enumerate(kids):
        for j, key in enumerate(keys):
            cost = draw(st.just(0) if i == j else st.none() | _COSTS)
            fits[(kid, key)] = None if cost is None else (cost, ((kid, key),))
    return kids, keys, fits, {key: draw(_MISS) for key in keys}


@settings(max_examples=400, deadline=None)
@given(_steps())
def test_align_of_perfect_steps_is_the_tables(
        case: tuple[list[str], list[Key], dict[tuple[str, Key], _Fit | None],
                    dict[Key, int]]) -> None:
    kids, keys, fits, miss = case
    matcher = _matcher(miss, fits)
    assert matcher._align(kids, keys) == matcher._align_by_table(kids, keys)
