"""How streamed message chunks add up: their contents, their metadata dicts and their lists.

langchain_core's rules, which code summing chunks observes: strings join, dicts merge key by
key (counts add, except identifying ones: ``index``, ``created``, ``timestamp``), and list
items carrying the same ``index`` (content blocks, tool call chunks) merge into one item
instead of following each other. A value missing (``None``) on one side gives way.
"""

from __future__ import annotations

from typing import Any

__all__ = ["best_chunk_id", "merge_content", "merge_dicts", "merge_lists"]

#: String keys a merge keeps once when both sides agree (an identity, not text to join).
_SAME_STR = frozenset({"id", "output_version", "model_provider"})
#: Int keys the later side replaces (positions and times, not counts).
_LATEST_INT = frozenset({"index", "created", "timestamp"})


def merge_dicts(left: dict[str, Any], *others: dict[str, Any]) -> dict[str, Any]:
    """``left`` with each of ``others`` merged in, key by key (a new dict)."""
    merged = dict(left)
    for right in others:
        for key, value in right.items():
            merged[key] = _merge_value(key, merged[key], value) if key in merged else value
    return merged


def _merge_value(key: str, old: Any, new: Any) -> Any:
    if old is None:
        return new
    if new is None:
        return old
    if type(old) is not type(new):
        raise TypeError(f"cannot merge the values of {key!r}: a {type(old).__name__} and a "
                        f"{type(new).__name__}")
    if isinstance(old, str):
        if (key == "index" and old.startswith("lc_")) or (key in _SAME_STR and old == new):
            return old
        return old + new
    if isinstance(old, dict):
        return merge_dicts(old, new)
    if isinstance(old, list):
        return merge_lists(old, new)
    if old == new:
        return old
    if isinstance(old, int) and not isinstance(old, bool):
        return new if key in _LATEST_INT else old + new
    raise TypeError(f"cannot merge the values of {key!r}: {type(old).__name__} values do not "
                    "merge")


def _merge_key(item: Any) -> bool:
    """Whether ``item`` merges with an earlier item of the same ``index``."""
    if not isinstance(item, dict) or "index" not in item:
        return False
    index = item["index"]
    return isinstance(index, int) or (isinstance(index, str) and index.startswith("lc_"))


def merge_lists(left: list[Any] | None, *others: list[Any] | None) -> list[Any] | None:
    """The lists concatenated, except that a dict item with an ``index`` merges into the
    earlier item of that index (unless both carry different ids); ``None`` lists are skipped."""
    merged = None if left is None else list(left)
    for other in others:
        if other is None:
            continue
        if merged is None:
            merged = list(other)
            continue
        for item in other:
            at = _same_index(merged, item) if _merge_key(item) else None
            if at is None:
                merged.append(item)
            else:
                rest = {k: v for k, v in item.items() if k != "type"}
                merged[at] = merge_dicts(merged[at], rest)
    return merged


def _same_index(items: list[Any], item: dict[str, Any]) -> int | None:
    for i, earlier in enumerate(items):
        if isinstance(earlier, dict) and "index" in earlier and \
                earlier["index"] == item["index"] and (
                    earlier.get("id") in (None, "") or item.get("id") in (None, "")
                    or earlier.get("id") == item.get("id")):
            return i
    return None


def merge_content(first: Any, *contents: Any) -> Any:
    """Message contents added up: strings join; a list gets a string appended to its last
    string item (else as an item of its own) and merges with a list (:func:`merge_lists`); a
    string followed by a list becomes the list's first item."""
    merged: Any = "" if first is None else first
    if isinstance(merged, list):
        merged = list(merged)
    for content in contents:
        if isinstance(merged, str):
            merged = merged + content if isinstance(content, str) else [merged, *content]
        elif isinstance(content, list):
            merged = merge_lists(merged, content)
        elif merged and isinstance(merged[-1], str):
            merged[-1] += content
        elif content != "" and merged:
            merged.append(content)
    return merged


def best_chunk_id(ids: list[str | None]) -> str | None:
    """The id a sum of chunks keeps: the first a provider gave (no ``lc_`` prefix), else the
    first run-made one (``lc_run-``), else the first other one."""
    best: str | None = None
    best_rank = -1
    for id_ in ids:
        if not id_:
            continue
        if not id_.startswith("lc_"):
            return id_
        rank = 1 if id_.startswith("lc_run-") else 0
        if rank > best_rank:
            best, best_rank = id_, rank
    return best
