"""The bit of JSON Patch (RFC 6902) that ``astream_log`` needs: apply ``add`` / ``replace`` /
``remove``, and diff two values into such operations.

langchain_core uses the ``jsonpatch`` package; the reference stays dependency-free,
so it applies and writes only the operations the run log is made of. Paths are
JSON pointers (``/logs/RunnableLambda:2/streamed_output/-``; ``~0`` and ``~1``
escape ``~`` and ``/``); ``-`` appends to a list. Values are Python objects
(messages, prompt values...), inserted as given: the document is copied before
a patch is applied, the operations' values are not.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["apply_ops", "diff_ops"]


def _parts(path: str) -> list[str]:
    if not path:
        return []
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _index(part: str, size: int, path: str) -> int:
    if not part.isdigit() or (part != "0" and part.startswith("0")) or int(part) >= size:
        raise ValueError(f"JSON patch: no list index {part!r} in {path!r}")
    return int(part)


def _child(doc: Any, part: str, path: str) -> Any:
    if isinstance(doc, dict):
        if part not in doc:
            raise ValueError(f"JSON patch: no member {part!r} in {path!r}")
        return doc[part]
    if isinstance(doc, list):
        return doc[_index(part, len(doc), path)]
    raise ValueError(f"JSON patch: {path!r} goes through a {type(doc).__name__}")


def _apply(doc: Any, op: Mapping[str, Any]) -> Any:
    kind = op["op"]
    if kind not in ("add", "replace", "remove"):
        raise ValueError(f"JSON patch operation {kind!r} is not supported here")
    path: str = op["path"]
    parts = _parts(path)
    if not parts:
        return None if kind == "remove" else op["value"]
    parent = doc
    for part in parts[:-1]:
        parent = _child(parent, part, path)
    last = parts[-1]
    if isinstance(parent, dict):
        if kind == "add":
            parent[last] = op["value"]
        elif last not in parent:
            raise ValueError(f"JSON patch: cannot {kind} missing member {path!r}")
        elif kind == "replace":
            parent[last] = op["value"]
        else:
            del parent[last]
    elif isinstance(parent, list):
        if kind == "add":
            if last == "-":
                parent.append(op["value"])
            else:
                parent.insert(_index(last, len(parent) + 1, path), op["value"])
        elif kind == "replace":
            parent[_index(last, len(parent), path)] = op["value"]
        else:
            del parent[_index(last, len(parent), path)]
    else:
        raise ValueError(f"JSON patch: {path!r} goes through a {type(parent).__name__}")
    return doc


def apply_ops(doc: Any, ops: Iterable[Mapping[str, Any]]) -> Any:
    """A copy of ``doc`` with ``ops`` applied in turn (``doc`` itself is left as it was)."""
    doc = copy.deepcopy(doc)
    for op in ops:
        doc = _apply(doc, op)
    return doc


def _same(a: Any, b: Any) -> bool:
    # 1 == True == 1.0 in Python but not in JSON: the types must agree too.
    return type(a) is type(b) and bool(a == b)


def diff_ops(src: Any, dst: Any, path: str = "") -> list[dict[str, Any]]:
    """Operations turning ``src`` into ``dst``: dicts and lists member by member (removed
    members first, then added, then changed, as ``jsonpatch`` orders them), any other value
    replaced whole. Values are copies, so later changes to ``dst`` do not reach them."""
    if isinstance(src, dict) and isinstance(dst, dict):
        ops = [{"op": "remove", "path": f"{path}/{_escape(k)}"} for k in src if k not in dst]
        ops += [{"op": "add", "path": f"{path}/{_escape(k)}", "value": copy.deepcopy(v)}
                for k, v in dst.items() if k not in src]
        for k in src:
            if k in dst:
                ops += diff_ops(src[k], dst[k], f"{path}/{_escape(k)}")
        return ops
    if isinstance(src, list) and isinstance(dst, list):
        ops = []
        for i, (a, b) in enumerate(zip(src, dst, strict=False)):
            ops += diff_ops(a, b, f"{path}/{i}")
        ops += [{"op": "add", "path": f"{path}/{i}", "value": copy.deepcopy(dst[i])}
                for i in range(len(src), len(dst))]
        ops += [{"op": "remove", "path": f"{path}/{i}"}
                for i in range(len(src) - 1, len(dst) - 1, -1)]
        return ops
    if _same(src, dst):
        return []
    return [{"op": "replace", "path": path, "value": copy.deepcopy(dst)}]
