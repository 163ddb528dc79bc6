"""``RunnableAssign`` and ``RunnablePick``: add keys to a dict input, or keep some of its keys.

``RunnablePassthrough.assign(**kwargs)`` is a ``RunnableAssign`` around a
``RunnableParallel`` of ``kwargs``: one chain run, ``RunnableAssign<keys>``,
whose only child is the parallel's run (``RunnableParallel<keys>``), whose
children are the branches (SPEC.md §8). ``.pick(keys)`` appends a
``RunnablePick<keys>``, a chain run with no children.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, final

from reference.runnables._addable import AddableDict
from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, run
from reference.runnables._parallel import RunnableParallel

__all__ = ["RunnableAssign", "RunnablePick"]


def _dict_input(input: Any, who: str) -> Mapping[str, Any]:
    """``input``, checked inside the run (which then ends with the error, as langchain_core's
    does: a ValueError)."""
    if not isinstance(input, Mapping):
        raise ValueError(f"{who} takes a dict input, got {type(input).__name__}: {input!r}")
    return input


@final
class RunnableAssign(Runnable[dict[str, Any], dict[str, Any]]):
    """``RunnableAssign(mapper)``: the input dict with ``mapper``'s outputs added (or replaced)."""

    __slots__ = ("mapper",)

    def __init__(self, mapper: RunnableParallel | Mapping[str, Any], *, name: str | None = None
                 ) -> None:
        if not isinstance(mapper, RunnableParallel):
            if not isinstance(mapper, Mapping):
                raise TypeError(
                    f"RunnableAssign needs a RunnableParallel or a dict, got {mapper!r}"
                )
            mapper = RunnableParallel(dict(mapper))
        self.mapper = mapper
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        return "RunnableAssign<" + ",".join(self.mapper.steps__) + ">"

    def __repr__(self) -> str:
        return f"RunnableAssign({self.mapper!r})"

    def invoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return run(self, self._body, input, config)

    def _body(self, input: Mapping[str, Any], frame: RunFrame) -> dict[str, Any]:
        return {**_dict_input(input, self.get_name()),
                **self.mapper.invoke(input, frame.child_config)}

    async def ainvoke(
        self, input: dict[str, Any], config: RunnableConfig | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Mapping[str, Any], frame: RunFrame) -> dict[str, Any]:
        return {**_dict_input(input, self.get_name()),
                **await self.mapper.ainvoke(input, frame.child_config)}


def _pick(keys: str | list[str], input: Any) -> Any:
    if isinstance(keys, str):
        return input.get(keys)
    picked = AddableDict({k: input[k] for k in keys if k in input})
    return picked or None


@final
class RunnablePick(Runnable[dict[str, Any], Any]):
    """``RunnablePick(keys)``: one key's value (``keys`` a str), or an ``AddableDict`` of the
    keys present (``keys`` a list; None when none is), as langchain_core's in every mode."""

    __slots__ = ("keys",)

    def __init__(self, keys: str | list[str], *, name: str | None = None) -> None:
        if not isinstance(keys, str) and not (
            isinstance(keys, (list, tuple)) and all(isinstance(k, str) for k in keys)
        ):
            raise TypeError(f"pick() takes a key or a list of keys, got {keys!r}")
        self.keys = keys if isinstance(keys, str) else list(keys)
        self._init_scope(name, None, None, None)

    def _default_name(self) -> str:
        keys = [self.keys] if isinstance(self.keys, str) else self.keys
        return "RunnablePick<" + ",".join(keys) + ">"

    def __repr__(self) -> str:
        return f"RunnablePick({self.keys!r})"

    def invoke(self, input: dict[str, Any], config: RunnableConfig | None = None,
               **kwargs: Any) -> Any:
        return run(self, self._body, input, config)

    def _body(self, input: Mapping[str, Any], frame: RunFrame) -> Any:
        return _pick(self.keys, _dict_input(input, self.get_name()))

    async def ainvoke(self, input: dict[str, Any], config: RunnableConfig | None = None,
                      **kwargs: Any) -> Any:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Mapping[str, Any], frame: RunFrame) -> Any:
        return _pick(self.keys, _dict_input(input, self.get_name()))
