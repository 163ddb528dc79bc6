"""Run configuration: the ``RunnableConfig`` dict, its validation, and implicit propagation.

While a run executes, a context variable holds its run manager; a runnable
invoked without ``config`` inside it takes that run's child config, so
functions that do not forward ``config`` still build the right tree (R1). The
child config is built lazily, once per run, and only if somebody asks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import Any, Final, TypedDict, TypeVar, cast
from uuid import UUID

from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._manager import (
    AsyncCallbackManager,
    BaseCallbackManager,
    BaseRunManager,
    CallbackManager,
    Callbacks,
)

__all__ = [
    "CONFIG_KEYS",
    "RunnableConfig",
    "child_config",
    "ensure_config",
    "get_async_manager",
    "get_sync_manager",
    "merge_configs",
    "resolve_config",
    "validate_config",
]


class RunnableConfig(TypedDict, total=False):
    """Per-invocation settings; every key is optional."""

    tags: list[str]
    metadata: dict[str, Any]
    callbacks: Callbacks
    run_name: str
    max_concurrency: int | None
    recursion_limit: int
    configurable: dict[str, Any]
    run_id: UUID | None


CONFIG_KEYS: Final[frozenset[str]] = frozenset(RunnableConfig.__annotations__)
_VALID: Final = ", ".join(sorted(CONFIG_KEYS))

Local = tuple[HandlerSet, "list[str] | None", "dict[str, Any] | None"]

#: The run whose function is executing in this context (thread / task), if any.
current_run: Final[ContextVar[BaseRunManager | None]] = ContextVar(
    "reference_current_run", default=None
)

_EMPTY: Final[dict[str, Any]] = {}


def validate_config(config: Any, where: str = "config") -> None:
    """Reject configs we would otherwise misread silently; the message says what to fix."""
    if type(config) is not dict and not isinstance(config, Mapping):
        raise TypeError(
            f"{where} must be a dict (RunnableConfig), got {type(config).__name__}: {config!r}"
        )
    if not CONFIG_KEYS.issuperset(config):
        unknown = config.keys() - CONFIG_KEYS
        raise TypeError(
            f"Unknown key(s) {sorted(map(str, unknown))} in {where}. Valid keys are: {_VALID}."
        )
    cb = config.get("callbacks")
    if cb is not None and not isinstance(cb, (list, tuple, BaseCallbackManager)):
        raise TypeError(
            f"{where}['callbacks'] must be a list of handlers or a CallbackManager, got "
            f"{type(cb).__name__}. Wrap a single handler in a list: callbacks=[handler]."
        )
    tags = config.get("tags")
    if tags is not None and (
        not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags)
    ):
        raise TypeError(f"{where}['tags'] must be a list of strings, got {tags!r}.")
    for key in ("metadata", "configurable"):
        value = config.get(key)
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{where}[{key!r}] must be a dict, got {type(value).__name__}.")


def child_config(rm: BaseRunManager) -> RunnableConfig:
    """The config a run hands to its children: its own minus root-only keys (R14)."""
    child = rm._child
    if child is None:
        parent = rm._config
        child = dict(parent) if parent else {}
        child.pop("run_name", None)
        child.pop("run_id", None)
        child["callbacks"] = rm.get_child()
        rm._child = child
    return cast(RunnableConfig, child)


def resolve_config(config: RunnableConfig | None) -> tuple[RunnableConfig, bool]:
    """Combine an explicit config with the enclosing run's (explicit keys win).

    Returns the config and whether it is *trusted*: built by the engine for
    exactly this child, so its callback manager can be used as is.
    """
    scope = current_run.get()
    if config is None:
        if scope is None:
            return cast(RunnableConfig, _EMPTY), False
        return child_config(scope), True
    if scope is None:
        validate_config(config)
        return config, False
    inherited = child_config(scope)
    if config is inherited:
        return config, True
    validate_config(config)
    return cast(RunnableConfig, {**inherited, **config}), False


def ensure_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """A complete config: defaults, overlaid by the enclosing run's, overlaid by ``config``."""
    full: dict[str, Any] = {
        "tags": [],
        "metadata": {},
        "callbacks": None,
        "recursion_limit": 25,
        "configurable": {},
    }
    resolved, _ = resolve_config(config)
    full.update(resolved)
    return cast(RunnableConfig, full)


M = TypeVar("M", bound=BaseCallbackManager)


def _manager(
    cls: type[M], config: RunnableConfig, trusted: bool, local: Local | None
) -> M:
    if trusted:
        mgr = cast(BaseCallbackManager, config["callbacks"])._as(cls)
    else:
        mgr = cls.configure(
            config.get("callbacks"),
            None,
            inheritable_tags=config.get("tags"),
            inheritable_metadata=config.get("metadata"),
        )
    if local is not None:
        mgr = mgr._with_local(*local)
    return mgr


def get_sync_manager(
    config: RunnableConfig, trusted: bool, local: Local | None
) -> CallbackManager:
    """The manager for one run: inherited routes plus the runnable's constructor ones."""
    return _manager(CallbackManager, config, trusted, local)


def get_async_manager(
    config: RunnableConfig, trusted: bool, local: Local | None
) -> AsyncCallbackManager:
    """Async twin of :func:`get_sync_manager`."""
    return _manager(AsyncCallbackManager, config, trusted, local)


def _merge_callbacks(base: Callbacks, new: Callbacks) -> Callbacks:
    if base is None:
        return new
    if new is None:
        return base
    if isinstance(base, BaseCallbackManager):
        mgr = base.copy()
        if isinstance(new, BaseCallbackManager):
            return mgr.merge(new)
        for h in new:
            mgr.add_handler(h, inherit=True)
        return mgr
    if isinstance(new, BaseCallbackManager):
        mgr = new.copy()
        for h in base:
            mgr.add_handler(h, inherit=True)
        return mgr
    return [*base, *new]


def merge_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """Later configs win per key; tags, metadata, configurable and callbacks add up instead."""
    out: dict[str, Any] = {}
    for config in configs:
        if not config:
            continue
        value: Any
        for key, value in config.items():
            if key == "tags":
                have = out.get("tags") or []
                out["tags"] = have + [t for t in value or () if t not in have]
            elif key in ("metadata", "configurable"):
                out[key] = {**out.get(key, {}), **(value or {})}
            elif key == "callbacks":
                out["callbacks"] = _merge_callbacks(out.get("callbacks"), value)
            else:
                out[key] = value
    return cast(RunnableConfig, out)


def per_item_configs(
    config: RunnableConfig | Sequence[RunnableConfig] | None, n: int
) -> list[RunnableConfig | None]:
    """One config per batch input; a single config's ``run_id`` goes to the first item only."""
    if isinstance(config, Sequence) and not isinstance(config, (str, Mapping)):
        if len(config) != n:
            raise ValueError(
                f"batch() got {len(config)} configs for {n} inputs; "
                "pass one config or one per input."
            )
        return [c for c in config]
    if config is None:
        return [None] * n
    config = cast(RunnableConfig, config)
    if config.get("run_id") is not None and n > 1:
        rest = cast(RunnableConfig, {k: v for k, v in config.items() if k != "run_id"})
        return [config, *([rest] * (n - 1))]
    return [config] * n
