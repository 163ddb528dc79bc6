"""``RunnableRetry``: run ``bound`` again when it raises a retryable exception.

One chain run named after ``bound``; every attempt is a child run of it, with
its own run id, so a handler sees each failed attempt end with its error event
and the retry run end once, with the last attempt's outcome (SPEC.md §8). In
every mode: ``stream`` and ``astream`` retry too, yielding the successful
attempt's output whole (a retried stream would otherwise repeat chunks).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import TYPE_CHECKING, Any, final

from reference.runnables._base import Runnable
from reference.runnables._config import RunnableConfig
from reference.runnables._frame import RunFrame
from reference.runnables._lifecycle import arun, run

if TYPE_CHECKING:
    from reference.runnables._configurable_specs import ConfigurableFieldSpec

__all__ = ["RunnableRetry"]

_JITTER_KEYS = frozenset({"initial", "max", "exp_base", "jitter"})


@final
class RunnableRetry(Runnable[Any, Any]):
    """What ``runnable.with_retry(...)`` returns."""

    __slots__ = (
        "bound",
        "exponential_jitter_params",
        "max_attempt_number",
        "retry_exception_types",
        "wait_exponential_jitter",
    )

    def __init__(
        self,
        *,
        bound: Runnable[Any, Any],
        retry_exception_types: tuple[type[BaseException], ...] = (Exception,),
        wait_exponential_jitter: bool = True,
        exponential_jitter_params: dict[str, float] | None = None,
        max_attempt_number: int = 3,
    ) -> None:
        if not isinstance(bound, Runnable):
            raise TypeError(f"RunnableRetry.bound must be a Runnable, got {bound!r}")
        if isinstance(retry_exception_types, type):
            retry_exception_types = (retry_exception_types,)
        if not all(
            isinstance(t, type) and issubclass(t, BaseException) for t in retry_exception_types
        ):
            raise TypeError(
                "retry_if_exception_type must be a tuple of exception classes, got "
                f"{retry_exception_types!r}"
            )
        if not isinstance(max_attempt_number, int) or max_attempt_number < 1:
            raise ValueError(f"stop_after_attempt must be an int >= 1, got {max_attempt_number!r}")
        params = None if exponential_jitter_params is None else dict(exponential_jitter_params)
        if params and not _JITTER_KEYS.issuperset(params):
            raise TypeError(
                f"exponential_jitter_params accepts {sorted(_JITTER_KEYS)}, got {sorted(params)}"
            )
        self.bound = bound
        self.retry_exception_types = tuple(retry_exception_types)
        self.wait_exponential_jitter = wait_exponential_jitter
        self.exponential_jitter_params = params
        self.max_attempt_number = max_attempt_number

    def get_name(self, suffix: str | None = None, *, name: str | None = None) -> str:
        return self.bound.get_name(suffix, name=name)

    @property
    def InputType(self) -> Any:
        """What the retried runnable takes."""
        return self.bound.InputType

    @property
    def OutputType(self) -> Any:
        """What the retried runnable gives."""
        return self.bound.OutputType

    @property
    def config_specs(self) -> list[ConfigurableFieldSpec]:
        """The retried runnable's ``configurable`` keys."""
        from reference.runnables._spec_lists import specs_of

        return specs_of([self.bound])

    def __repr__(self) -> str:
        return f"RunnableRetry(bound={self.bound!r}, stop_after_attempt={self.max_attempt_number})"

    def _wait(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (exponential, with jitter)."""
        if not self.wait_exponential_jitter:
            return 0.0
        p = self.exponential_jitter_params or {}
        initial, exp_base = p.get("initial", 1.0), p.get("exp_base", 2.0)
        wait = initial * exp_base ** (attempt - 1) + random.uniform(0, p.get("jitter", 1.0))
        return max(0.0, min(wait, p.get("max", float("inf"))))

    def _retryable(self, exc: BaseException, attempt: int) -> bool:
        return attempt < self.max_attempt_number and isinstance(exc, self.retry_exception_types)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        return run(self, self._body, input, config)

    def _body(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        attempt = 1
        while True:
            try:
                return self.bound.invoke(input, child)
            except BaseException as e:
                if not self._retryable(e, attempt):
                    raise
            wait = self._wait(attempt)
            if wait:
                time.sleep(wait)
            attempt += 1

    async def ainvoke(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        return await arun(self, self._abody, input, config)

    async def _abody(self, input: Any, frame: RunFrame) -> Any:
        child = frame.child_config
        attempt = 1
        while True:
            try:
                return await self.bound.ainvoke(input, child)
            except BaseException as e:
                if not self._retryable(e, attempt):
                    raise
            wait = self._wait(attempt)
            if wait:
                await asyncio.sleep(wait)
            attempt += 1
