"""``langchain_core.tracers.schemas.Run``: one traced run, as a tracer builds and persists it.

langchain_core's ``Run`` is langsmith's ``RunTree`` (a pydantic model); this is
a plain class with the same fields a tracer reads and writes, so tracer code
ported by changing the import prefix finds them. The LangSmith-client side of
``RunTree`` (``post``, ``patch``, ``create_child``, headers) is not offered:
nothing here talks to a server.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, ClassVar
from uuid import UUID, uuid4

__all__ = ["Run"]


class Run:
    """A run's record: identity, place in the tree, payloads, outcome, timing and events.

    ``metadata`` lives in ``extra["metadata"]`` (as in langsmith's schema);
    ``child_runs`` holds the runs the tracer saw start below this one.
    """

    #: Field names and their defaults (a callable default is called per instance).
    _FIELDS: ClassVar[tuple[tuple[str, Any], ...]] = (
        ("id", uuid4),
        ("name", None),
        ("start_time", lambda: datetime.now(timezone.utc)),
        ("run_type", "chain"),
        ("end_time", None),
        ("extra", dict),
        ("error", None),
        ("serialized", None),
        ("events", list),
        ("inputs", dict),
        ("outputs", None),
        ("reference_example_id", None),
        ("parent_run_id", None),
        ("tags", list),
        ("attachments", dict),
        ("session_name", "default"),
        ("session_id", None),
        ("dotted_order", ""),
        ("trace_id", None),
        ("child_runs", list),
        ("parent_run", None),
    )
    _NAMES: ClassVar[frozenset[str]] = frozenset(name for name, _ in _FIELDS)

    id: UUID
    name: str
    start_time: datetime
    run_type: str
    end_time: datetime | None
    extra: dict[str, Any]
    error: str | None
    serialized: dict[str, Any] | None
    events: list[dict[str, Any]]
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    reference_example_id: UUID | None
    parent_run_id: UUID | None
    tags: list[str]
    attachments: dict[str, Any]
    session_name: str | None
    session_id: UUID | None
    dotted_order: str
    trace_id: UUID | None
    child_runs: list[Run]
    parent_run: Run | None

    def __init__(self, **fields: Any) -> None:
        unknown = fields.keys() - self._NAMES
        if unknown:
            raise TypeError(
                f"Run() got unknown field(s) {sorted(unknown)}; the fields are: "
                f"{', '.join(name for name, _ in self._FIELDS)}."
            )
        for name, default in self._FIELDS:
            if name not in fields:
                fields[name] = default() if callable(default) else default
            object.__setattr__(self, name, fields[name])
        # langsmith's defaults: a name from ``serialized``, empty containers for None.
        if self.name is None:
            ser = self.serialized or {}
            self.name = ser.get("name") or (ser.get("id") or ["Unnamed"])[-1]
        for name in ("extra", "events", "tags", "outputs", "attachments"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, {} if name != "events" and name != "tags" else [])
        if self.trace_id is None and self.parent_run_id is None:
            self.trace_id = self.id

    @property
    def metadata(self) -> dict[str, Any]:
        """The run's metadata (``extra["metadata"]``, created empty on first read)."""
        if self.extra is None:
            self.extra = {}
        return self.extra.setdefault("metadata", {})  # type: ignore[no-any-return]

    @property
    def revision_id(self) -> Any:
        return self.metadata.get("revision_id")

    @property
    def latency(self) -> float | None:
        """Seconds from start to end, or None while the run is open."""
        if self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Run:
        """A copy (shallow unless ``deep``: containers such as ``child_runs`` are shared)."""
        new = _copy.deepcopy(self) if deep else _copy.copy(self)
        for name, value in (update or {}).items():
            if name not in self._NAMES:
                raise TypeError(f"Run has no field {name!r}")
            object.__setattr__(new, name, value)
        return new

    copy = model_copy

    def model_dump(
        self, *, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """The fields as a dict (child runs as dicts too), without ``parent_run``.

        ``include``/``exclude``: sets of top-level field names.
        """
        keep = set(include) if include is not None else None
        drop = set(exclude or ()) | {"parent_run"}
        out: dict[str, Any] = {}
        for name, _ in self._FIELDS:
            if name in drop or (keep is not None and name not in keep):
                continue
            value = getattr(self, name)
            if name == "child_runs":
                value = [child.model_dump(exclude=exclude) for child in value]
            out[name] = value
        return out


    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(id={self.id}, name={self.name!r}, "
            f"run_type={self.run_type!r}, dotted_order={self.dotted_order!r})"
        )
