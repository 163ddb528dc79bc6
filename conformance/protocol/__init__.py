"""The harness protocol: how the suite talks to an implementation in another process or language.

One long-lived harness process per implementation reads requests from its standard input and
writes responses to its standard output, one JSON object per line (docs/harness-protocol.md).
The messages are JSON Schema documents shipped in ``schemas/`` (one file per concept: scenario,
event, capabilities, messages), versioned by :data:`PROTOCOL_VERSION`; the runner validates every
response against them (:func:`validate`), with ``jsonschema-rs`` (the suite extra brings it)
or else ``jsonschema``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

__all__ = ["PROTOCOL_VERSION", "SCHEMAS", "ProtocolError", "schema", "validate"]

#: The protocol version this suite speaks (the ``protocol`` of ``start`` and ``started``).
PROTOCOL_VERSION: Final = 1
#: The schema files, by short name.
SCHEMAS: Final[tuple[str, ...]] = ("scenario", "event", "capabilities", "messages")
_URN: Final = f"urn:callback-conformance:harness-protocol:{PROTOCOL_VERSION}:"


class ProtocolError(ValueError):
    """A message that does not follow the protocol (the harness's bug: the case is errored)."""


def schema(name: str) -> Mapping[str, Any]:
    """The parsed schema file ``name`` (one of :data:`SCHEMAS`)."""
    return _schemas()[name]


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    folder = resources.files(__package__).joinpath("schemas")
    return {name: json.loads(folder.joinpath(f"{name}.json").read_text(encoding="utf-8"))
            for name in SCHEMAS}


@cache
def _validator(ref: str) -> Any:
    """A compiled validator for ``ref``: jsonschema-rs (compiled, about a thousand times faster,
    so every response can be validated) when installed, else jsonschema."""
    target = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": _URN + ref}
    try:
        import jsonschema_rs
    except ImportError:
        pass
    else:
        rs_registry = jsonschema_rs.Registry([(d["$id"], d) for d in _schemas().values()])
        return _RustValidator(jsonschema_rs.validator_for(target, registry=rs_registry))
    try:
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
        from referencing import Registry, Resource
    except ImportError as exc:  # pragma: no cover - the suite extra brings a validator
        raise ProtocolError("validating harness messages needs jsonschema-rs or jsonschema: "
                            "python -m pip install jsonschema-rs") from exc
    registry: Any = Registry().with_resources(
        (data["$id"], Resource.from_contents(data)) for data in _schemas().values())
    return _PyValidator(Draft202012Validator(target, registry=registry))


class _RustValidator:
    def __init__(self, validator: Any) -> None:
        self._validator = validator

    def problem(self, instance: object) -> str | None:
        if self._validator.is_valid(instance):
            return None
        error = next(iter(self._validator.iter_errors(instance)))
        where = "/".join(str(p) for p in error.instance_path) or "(top level)"
        return f"at {where}: {str(error).splitlines()[0]}"


class _PyValidator:
    def __init__(self, validator: Any) -> None:
        self._validator = validator

    def problem(self, instance: object) -> str | None:
        from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

        error = best_match(self._validator.iter_errors(instance))
        if error is None:
            return None
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        return f"at {where}: {error.message}"


def validate(ref: str, instance: object) -> None:
    """Check ``instance`` against ``ref``: a schema name (``"scenario"``) or a definition in
    one (``"messages#/$defs/response"``); raise :class:`ProtocolError` with the first problem."""
    problem = _validator(ref).problem(instance)
    if problem is not None:
        raise ProtocolError(f"{ref}: {_short(problem)}")


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
