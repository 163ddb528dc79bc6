"""Whether a chat model's ``invoke`` (``ainvoke``, ``batch``, ``generate``) streams its reply.

As in langchain-core 1.8.3, a call answered by the model (not by the cache) goes
through ``_stream`` / ``_astream``, giving a token event per chunk, when

- the model streams at all: it implements ``_stream`` (or, for the async API,
  ``_stream`` or ``_astream``), or the reference's ``_reply``;
- nothing forbids it: ``disable_streaming=True``; ``disable_streaming="tool_calling"``
  with a call given ``tools``; a call given ``stream=`` a false value; a
  ``streaming`` field given as ``False``;
- and something asks for it: a call given ``stream=`` a true value, a ``streaming``
  field given as ``True``, or a handler of the run that taps streams
  (``astream_events``' and ``astream_log``'s, so a model invoked inside a function
  reports its tokens there).

A ``streaming`` field counts only where it was given to the constructor or assigned
since (pydantic's fields set): a class default of ``True`` asks for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from reference.language_models._chat import BaseChatModel
    from reference.runnables._frame import RunFrame

__all__ = ["streams_call"]

_UNSET: Final[Any] = object()


def streams_call(model: BaseChatModel, frame: RunFrame, kwargs: dict[str, Any] | None,
                 async_api: bool) -> bool:
    """Whether this call of ``model`` (run ``frame``, call keywords ``kwargs``) streams."""
    asked = (bool(kwargs.get("stream")) if kwargs else False) \
        or streaming_field(model) is True or frame.manager._hs.streams_tokens()
    return asked and model._streams(async_api) and not _forbidden(model, kwargs)


def streaming_field(model: Any) -> bool | None:
    """The model's ``streaming`` field where it was given (see the module docstring), else
    None."""
    value = model.__dict__.get("streaming", _UNSET)
    if value is _UNSET or not isinstance(value, bool):
        return None
    given = "streaming" in model.__dict__.get("_fields_given", ())
    return value if given or value is not getattr(type(model), "streaming", _UNSET) else None


def _forbidden(model: BaseChatModel, kwargs: dict[str, Any] | None) -> bool:
    disabled = model.disable_streaming
    if disabled is True:
        return True
    if kwargs:
        if disabled == "tool_calling" and kwargs.get("tools"):
            return True
        if "stream" in kwargs and not kwargs["stream"]:
            return True
    return streaming_field(model) is False
