"""``langchain_core.rate_limiters``: how often a chat model may call its provider.

A chat model with a ``rate_limiter`` acquires it once per generation, after its run has
started (and, on ``invoke``, after a cache lookup: a cache hit does not wait); handlers see
nothing of it, only the time it takes.
"""

from __future__ import annotations

import abc
import asyncio
import threading
import time

__all__ = ["BaseRateLimiter", "InMemoryRateLimiter"]


class BaseRateLimiter(abc.ABC):
    """Subclass and implement ``acquire`` and ``aacquire``: ``True`` once the caller may make
    a request; with ``blocking=False``, at once, ``False`` if it may not yet."""

    @abc.abstractmethod
    def acquire(self, *, blocking: bool = True) -> bool:
        """Wait for (or, not blocking, try for) one request's permission."""

    @abc.abstractmethod
    async def aacquire(self, *, blocking: bool = True) -> bool:
        """Async ``acquire``."""


class InMemoryRateLimiter(BaseRateLimiter):
    """A token bucket filled at ``requests_per_second``, holding at most ``max_bucket_size``
    tokens, one spent per request; a blocked caller checks again every
    ``check_every_n_seconds``. The bucket starts empty and starts filling at the first
    attempt, so the first request waits ``1 / requests_per_second`` seconds, as
    langchain_core's does. Thread safe; within one process only."""

    def __init__(
        self,
        *,
        requests_per_second: float = 1,
        check_every_n_seconds: float = 0.1,
        max_bucket_size: float = 1,
    ) -> None:
        self.requests_per_second = requests_per_second
        self.check_every_n_seconds = check_every_n_seconds
        self.max_bucket_size = max_bucket_size
        self.available_tokens = 0.0
        #: When tokens were last added (``time.monotonic()``); ``None`` before the first try.
        self.last: float | None = None
        self._lock = threading.Lock()

    def _consume(self) -> bool:
        """Take one token if there is one, after adding those earned since ``last`` (added
        only once a whole token has been earned)."""
        with self._lock:
            now = time.monotonic()
            if self.last is None:
                self.last = now
            earned = (now - self.last) * self.requests_per_second
            if earned >= 1:
                self.available_tokens += earned
                self.last = now
            self.available_tokens = min(self.available_tokens, self.max_bucket_size)
            if self.available_tokens >= 1:
                self.available_tokens -= 1
                return True
            return False

    def acquire(self, *, blocking: bool = True) -> bool:
        if not blocking:
            return self._consume()
        while not self._consume():
            time.sleep(self.check_every_n_seconds)
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        if not blocking:
            return self._consume()
        while not self._consume():
            await asyncio.sleep(self.check_every_n_seconds)
        return True
