"""Run configuration: the ``RunnableConfig`` dict, its validation, and implicit propagation.

While a run executes, a context variable holds its frame (``_frame``); a
runnable invoked without ``config`` inside it takes that run's child config, so
functions that do not forward ``config`` still build the right tree (R1).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypedDict, TypeVar, cast
from uuid import UUID

from reference.callbacks._dispatch import HandlerSet
from reference.callbacks._hooks import HOOKS, apply_hooks
from reference.callbacks._manager import (
    AsyncCallbackManager,
    BaseCallbackManager,
    CallbackManager,
    Callbacks,
    check_run_id,
    handlers_manager,
)
from reference.runnables._frame import current_run

__all__ = [
    "CONFIG_KEYS",
    "DEFAULT_RECURSION_LIMIT",
    "RunnableConfig",
    "combine_configs",
    "ensure_config",
    "get_async_callback_manager_for_config",
    "get_callback_manager_for_config",
    "get_config_list",
    "lift_configurable",
    "manager_for",
    "merge_configs",
    "patch_config",
    "per_item_configs",
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


#: ``recursion_limit`` when nobody sets it.
DEFAULT_RECURSION_LIMIT: Final = 25

CONFIG_KEYS: Final[frozenset[str]] = frozenset(RunnableConfig.__annotations__)
_VALID: Final = ", ".join(sorted(CONFIG_KEYS))

Local = tuple[HandlerSet, "list[str] | None", "dict[str, Any] | None"]

_EMPTY: Final[RunnableConfig] = {}


def validate_config(config: Any, where: str = "config") -> None:
    """Reject configs we would otherwise misread silently; the message says what to fix."""
    if type(config) is not dict and not isinstance(config, Mapping):
        raise TypeError(
            f"{where} must be a dict (RunnableConfig), got {type(config).__name__}: {config!r}"
        )
    # One pass over the keys present (configs are small): an unknown key or a bad value sends
    # us to _reject, which reports the first problem in a fixed order.
    try:
        for key, value in config.items():
            # A list of callbacks (nearly every config has one) passes without a check's call.
            if value is None or (type(value) is list and key == "callbacks"):
                continue
            if not _VALUE_OK[key](value):
                break
        else:
            return
    except KeyError:
        pass
    _reject(config, where)


def _callbacks_ok(value: Any) -> bool:
    return type(value) is list or isinstance(value, (list, tuple, BaseCallbackManager))


def _tags_ok(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(t, str) for t in value)


def _mapping_ok(value: Any) -> bool:
    return type(value) is dict or isinstance(value, Mapping)


def _anything(value: Any) -> bool:
    return True


#: Whether a (non-None) value is acceptable for each key of RunnableConfig.
_VALUE_OK: Final[dict[str, Callable[[Any], bool]]] = {
    "callbacks": _callbacks_ok,
    "tags": _tags_ok,
    "metadata": _mapping_ok,
    "configurable": _mapping_ok,
    "run_id": lambda value: isinstance(value, UUID),
    "run_name": lambda value: isinstance(value, str),
    "max_concurrency": _anything,
    "recursion_limit": _anything,
}


def _reject(config: Mapping[str, Any], where: str) -> None:
    """Raise the TypeError for ``config``'s first problem: unknown keys, then bad values."""
    if not CONFIG_KEYS.issuperset(config):
        unknown = config.keys() - CONFIG_KEYS
        raise TypeError(
            f"Unknown key(s) {sorted(map(str, unknown))} in {where}. Valid keys are: {_VALID}."
        )
    cb = config.get("callbacks")
    if cb is not None and not _callbacks_ok(cb):
        raise TypeError(
            f"{where}['callbacks'] must be a list of handlers or a CallbackManager, got "
            f"{type(cb).__name__}. Wrap a single handler in a list: callbacks=[handler]."
        )
    tags = config.get("tags")
    if tags is not None and not _tags_ok(tags):
        raise TypeError(f"{where}['tags'] must be a list of strings, got {tags!r}.")
    for key in ("metadata", "configurable"):
        value = config.get(key)
        if value is not None and not _mapping_ok(value):
            raise TypeError(f"{where}[{key!r}] must be a dict, got {type(value).__name__}.")
    check_run_id(config.get("run_id"), f"{where}['run_id']")
    run_name = config.get("run_name")
    if run_name is not None and not isinstance(run_name, str):
        raise TypeError(f"{where}['run_name'] must be a str, got {type(run_name).__name__}.")


def resolve_config(config: RunnableConfig | None) -> tuple[RunnableConfig, bool]:
    """Combine an explicit config with the enclosing run's (explicit keys win).

    Returns the config and whether it is *trusted*: built by the engine for
    exactly this child, so its callback manager can be used as is.
    """
    scope = current_run.get()
    if config is None:
        if scope is None:
            return _EMPTY, False
        return scope.child_config, True
    if scope is None:
        validate_config(config)
        # lift_configurable's first test, here: most configs have no ``configurable``, and a
        # root run is resolved on every call.
        return (lift_configurable(config) if config.get("configurable") else config), False
    inherited = scope.child_config
    if config is inherited:
        return config, True
    validate_config(config)
    merged: RunnableConfig = {**inherited, **config}
    return lift_configurable(merged), False


#: The ``configurable`` keys whose string values langchain_core also shows in ``metadata``
#: (so handlers and tracers see which model or checkpoint namespace a run used).
_LIFTED: Final = ("model", "checkpoint_ns")


def lift_configurable(config: RunnableConfig) -> RunnableConfig:
    """``config`` with ``configurable``'s string ``model`` / ``checkpoint_ns`` added to its
    metadata where the metadata lacks them, as langchain_core's ``ensure_config`` does (a new
    dict when something is added; ``config`` itself otherwise)."""
    configurable = config.get("configurable")
    if not configurable:
        return config
    metadata = config.get("metadata") or {}
    extra = {k: configurable[k] for k in _LIFTED
             if isinstance(configurable.get(k), str) and k not in metadata}
    if not extra:
        return config
    return cast(RunnableConfig, {**config, "metadata": {**metadata, **extra}})


def ensure_config(config: RunnableConfig | None = None) -> RunnableConfig:
    """A complete config: defaults, overlaid by the enclosing run's, overlaid by ``config``.

    The result is the caller's own: lists, dicts and the callback manager in it
    are copies, so changing them changes no run's or caller's config.
    """
    full: dict[str, Any] = {
        "tags": [],
        "metadata": {},
        "callbacks": None,
        "recursion_limit": DEFAULT_RECURSION_LIMIT,
        "configurable": {},
    }
    resolved, _ = resolve_config(config)
    for key, value in resolved.items():
        if value is None:
            continue
        if isinstance(value, list):
            value = list(value)
        elif isinstance(value, dict):
            value = dict(value)
        elif isinstance(value, BaseCallbackManager):
            value = value.copy()
        full[key] = value
    return lift_configurable(cast(RunnableConfig, full))


def patch_config(
    config: RunnableConfig | None,
    *,
    callbacks: Callbacks = None,
    recursion_limit: int | None = None,
    max_concurrency: int | None = None,
    run_name: str | None = None,
    configurable: dict[str, Any] | None = None,
) -> RunnableConfig:
    """``ensure_config(config)`` with the given keys replaced (``configurable`` added to).

    New ``callbacks`` make it a config for another run (typically a child, given
    ``run_manager.get_child()``), so the root-only ``run_name`` and ``run_id``
    are dropped with them, as langchain_core does (R14).
    """
    out = ensure_config(config)
    if callbacks is not None:
        out["callbacks"] = callbacks
        out.pop("run_name", None)
        out.pop("run_id", None)
    if recursion_limit is not None:
        out["recursion_limit"] = recursion_limit
    if max_concurrency is not None:
        out["max_concurrency"] = max_concurrency
    if run_name is not None:
        out["run_name"] = run_name
    if configurable is not None:
        out["configurable"] = {**out.get("configurable", {}), **configurable}
    return out


def get_config_list(
    config: RunnableConfig | Sequence[RunnableConfig] | None, length: int
) -> list[RunnableConfig]:
    """One complete config per batch input, as ``batch`` uses (a ``run_id`` goes to the first)."""
    if length < 0:
        raise ValueError(f"a config list cannot have a negative length ({length})")
    return [ensure_config(c) for c in per_item_configs(config, length)]


M = TypeVar("M", bound=BaseCallbackManager)


def manager_for(
    cls: type[M], config: RunnableConfig, trusted: bool, local: Local | None
) -> M:
    """The manager for one run: inherited routes plus the runnable's constructor ones.

    ``trusted``: ``config`` is the child config the engine built for exactly
    this call, so its manager is used as is. Otherwise ``configure`` combines
    the config's routes; for a list of handlers (or none), the usual case, its
    list route is called directly (``handlers_manager``).
    """
    if trusted:
        inherited: BaseCallbackManager = config["callbacks"]  # type: ignore[assignment]
        mgr = inherited._as(cls)
    else:
        callbacks = config.get("callbacks")
        if callbacks is None or type(callbacks) is list:
            mgr = handlers_manager(cls, callbacks, config.get("tags"), config.get("metadata"))
        else:
            mgr = cls.configure(
                callbacks,
                None,
                inheritable_tags=config.get("tags"),
                inheritable_metadata=config.get("metadata"),
            )
    if local is not None:
        mgr = mgr._with_local(*local)
    if HOOKS:  # handlers held by context variables (collect_runs): empty unless registered
        mgr = apply_hooks(mgr)
    return mgr


def get_callback_manager_for_config(config: RunnableConfig) -> CallbackManager:
    """The manager that starts a run by hand with ``config``'s callbacks, tags and metadata.

    ``config`` is used as given (call ``ensure_config`` first to take the
    enclosing run's): its ``callbacks`` handlers, or a manager's split between
    the run's own and inheritable parts, with ``tags`` and ``metadata`` inherited.
    """
    return CallbackManager.configure(
        config.get("callbacks"),
        inheritable_tags=config.get("tags"),
        inheritable_metadata=config.get("metadata"),
    )


def get_async_callback_manager_for_config(config: RunnableConfig) -> AsyncCallbackManager:
    """Async twin of :func:`get_callback_manager_for_config`."""
    return AsyncCallbackManager.configure(
        config.get("callbacks"),
        inheritable_tags=config.get("tags"),
        inheritable_metadata=config.get("metadata"),
    )


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


def combine_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """Later configs win per key; tags, metadata, configurable and callbacks add up instead.

    The engine's own merge (bindings, configurable wrappers): only the keys given, tags in
    the order first given. ``merge_configs`` is the public one, with langchain_core's result.
    """
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


def merge_configs(*configs: RunnableConfig | None) -> RunnableConfig:
    """langchain_core's ``merge_configs``: each config completed by ``ensure_config`` first,
    then combined. Tags come out sorted without repeats, metadata and ``configurable`` add up
    (nested ``lc_versions`` mappings too), callbacks join (a list with a manager: the list's
    handlers added to a copy of the manager, inheritable), ``recursion_limit`` is taken only
    when not the default 25, and any other key only when truthy."""
    out: dict[str, Any] = {}
    for given in configs:
        if given is None:
            continue
        config: dict[str, Any] = dict(ensure_config(given))
        value: Any
        for key, value in config.items():
            if key == "tags":
                out["tags"] = sorted({*out.get("tags", ()), *(value or ())})
            elif key == "metadata":
                out["metadata"] = _merge_metadata(out.get("metadata", {}), value or {})
            elif key == "configurable":
                out["configurable"] = {**out.get("configurable", {}), **(value or {})}
            elif key == "callbacks":
                if value is not None:
                    have = out.get("callbacks")
                    out["callbacks"] = _merge_callbacks(have, value) if have is not None \
                        else (list(value) if isinstance(value, list) else value.copy())
            elif key == "recursion_limit":
                if value != DEFAULT_RECURSION_LIMIT:
                    out["recursion_limit"] = value
            else:
                out[key] = value or out.get(key)
    return cast(RunnableConfig, out)


def _merge_metadata(base: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """``new`` over ``base``; the package versions under ``lc_versions`` add up instead."""
    merged = {**base, **new}
    old, added = base.get("lc_versions"), new.get("lc_versions", {})
    if isinstance(old, Mapping) and isinstance(added, Mapping):
        merged["lc_versions"] = {**old, **added}
    return merged


def per_item_configs(
    config: RunnableConfig | Sequence[RunnableConfig] | None, n: int
) -> list[RunnableConfig | None]:
    """One config per batch input; a single config's ``run_id`` goes to the first item only."""
    if isinstance(config, (list, tuple)):
        if len(config) != n:
            raise ValueError(
                f"batch() was given {len(config)} configs for {n} inputs: give one config "
                "per input, or a single config for all of them"
            )
        for i, c in enumerate(config):
            if c is not None:
                validate_config(c, f"batch() config[{i}]")
        return list(config)
    if config is None:
        return [None] * n
    if not isinstance(config, Mapping):
        raise TypeError(
            f"batch() config must be a dict (RunnableConfig), a list of one per input, or "
            f"None; got {type(config).__name__} {config!r}."
        )
    if config.get("run_id") is not None and n > 1:
        warnings.warn("a run_id names one run: only the first input of the batch gets it",
                      RuntimeWarning, stacklevel=3)
        rest = cast(RunnableConfig, {k: v for k, v in config.items() if k != "run_id"})
        return [config, *([rest] * (n - 1))]
    return [config] * n
