"""What a model run says about its model in its metadata (``ls_provider``, ``ls_model_type``...).

langchain_core's models add these keys, computed per call by ``_get_ls_params(stop=...,
**kwargs)``, to the metadata of each of their runs; handlers, tracers and
``astream_events`` see them. The rules, as langchain-core 1.8.3 gives them:

- ``ls_provider``: the class name, lower-cased, less a leading or trailing ``Chat`` (chat
  models) or a trailing ``LLM`` (LLMs); ``ls_model_type``: ``"chat"`` or ``"llm"``;
- ``ls_stop``: the call's ``stop`` if non-empty;
- ``ls_model_name`` / ``ls_temperature`` / ``ls_max_tokens``: the call's ``model`` /
  ``temperature`` / ``max_tokens`` keyword if it has the right type (a str; a number; an int),
  else the model's attribute of that name (``model``, then ``model_name``) if it has;
- chat models add ``ls_integration`` (``"langchain_chat_model"``) after ``_get_ls_params``,
  so a subclass that overrides it keeps that key.

They sit between the run's inherited metadata and the model's constructor ``metadata=``: they
replace what a caller (``config``, ``with_config``) gave under the same keys, and the
constructor's replace them. The reference keeps them to the model's own run (its local
metadata): in langchain_core nothing can run as a model run's child (its run manager makes
none, and a model's body does not become the current run), so nothing below it sees them
there either, while in the reference a runnable invoked inside a model's body is the model
run's child and must not get them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict

from reference.callbacks._dispatch import HandlerSet

if TYPE_CHECKING:
    from reference.runnables._base import Runnable
    from reference.runnables._config import Local

__all__ = ["CHAT_INTEGRATION", "LangSmithParams", "default_ls_params", "run_local"]

#: The ``ls_integration`` every chat model run carries.
CHAT_INTEGRATION: Final = "langchain_chat_model"

_NO_HANDLERS: Final = HandlerSet()


class LangSmithParams(TypedDict, total=False):
    """The ``ls_*`` metadata keys a model's runs carry (every key optional)."""

    ls_provider: str
    ls_model_name: str
    ls_model_type: Literal["chat", "llm"]
    ls_temperature: float | None
    ls_max_tokens: int | None
    ls_stop: list[str] | None
    ls_integration: str


def _provider(class_name: str, model_type: Literal["chat", "llm"]) -> str:
    if model_type == "llm":
        return class_name.removesuffix("LLM").lower()
    if class_name.startswith("Chat"):
        return class_name[4:].lower()
    return class_name.removesuffix("Chat").lower()


def _setting(model: Any, kwargs: dict[str, Any], names: tuple[str, ...],
             types: tuple[type, ...]) -> Any:
    """The call's keyword ``names[0]`` if of ``types``, else the first of the model's
    attributes ``names`` that is; None when neither is."""
    value = kwargs.get(names[0])
    if isinstance(value, types):
        return value
    for name in names:
        value = getattr(model, name, None)
        if isinstance(value, types):
            return value
    return None


def default_ls_params(model: Any, model_type: Literal["chat", "llm"],
                      stop: list[str] | None, kwargs: dict[str, Any]) -> LangSmithParams:
    """A model's ``ls_*`` keys for one call, by the rules of the module docstring."""
    params = LangSmithParams(ls_provider=_provider(type(model).__name__, model_type),
                             ls_model_type=model_type)
    if stop:
        params["ls_stop"] = stop
    name = _setting(model, kwargs, ("model", "model_name"), (str,))
    if name is not None:
        params["ls_model_name"] = name
    temperature = _setting(model, kwargs, ("temperature",), (int, float))
    if temperature is not None:
        params["ls_temperature"] = temperature
    max_tokens = _setting(model, kwargs, ("max_tokens",), (int,))
    if max_tokens is not None:
        params["ls_max_tokens"] = max_tokens
    return params


def run_local(model: Runnable[Any, Any], params: LangSmithParams | None) -> Local | None:
    """The model's constructor registrations for one run, with ``params`` under its own
    metadata (which wins on a clash); None (the model's own) when there are no params."""
    if not params:
        return None
    own = model._local
    if own is None:
        local: Local = (_NO_HANDLERS, None, dict(params))
    else:
        handlers, tags, metadata = own
        local = handlers, tags, {**params, **metadata} if metadata else dict(params)
    if getattr(model, "verbose", False):
        from reference.runnables._verbose import verbose_local

        return verbose_local(None, local)
    return local
