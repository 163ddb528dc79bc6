"""Cheap unique run ids.

``uuid.uuid4()`` reads ``os.urandom`` and validates its argument, about 1.4 us
per id, paid on every run. Run ids only need to be unique, so each process
draws a random 128-bit prefix once (version-4 and RFC 4122 variant bits set,
60 random bits) and numbers its runs in the low 62 bits. A forked child draws a
new prefix, so parent and child never hand out the same id.

An id is a :class:`RunId`, a ``uuid.UUID`` that is made with one slot write:
``RunId()`` skips ``UUID.__init__``'s parsing, and ``is_safe`` is a class
constant (``SafeUUID.unknown``, what ``uuid4()`` gives) instead of a second
slot. It compares, hashes and prints like the UUID it is equal to, and copies or
pickles as a plain ``uuid.UUID``.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Final, final
from uuid import UUID, SafeUUID

_VERSION_AND_VARIANT: Final = (0x4000 << 64) | (0x8000 << 48)
_FIXED_BITS: Final = (0xF000 << 64) | (0xC000 << 48)
_COUNTER_BITS: Final = 62


@final
class RunId(UUID):
    """A run id: a ``uuid.UUID`` whose ``is_safe`` is a class constant (see the module doc)."""

    __slots__ = ()
    is_safe = SafeUUID.unknown  # type: ignore[misc]  # shadows UUID's slot, never written
    #: ``RunId()`` makes an empty id without ``UUID.__init__``; :func:`new_run_id` fills it.
    __init__ = object.__init__

    def __repr__(self) -> str:
        return f"UUID('{self}')"

    def __reduce__(self) -> tuple[type[UUID], tuple[None, None, None, None, int]]:
        # Copies and pickles are plain UUIDs (``UUID.__setstate__`` cannot set is_safe here).
        return UUID, (None, None, None, None, self.int)


# UUID is immutable (its __setattr__ raises); its slot descriptor still writes directly. The
# lifecycle's hot loop (``_lifecycle.run_steps``) makes ids with ``RunId()`` and this inline.
set_int: Final = UUID.__dict__["int"].__set__

#: The ids' 128-bit values: this process's prefix plus a counter in its low 62 bits (a count
#: starting at the prefix, which has zeros there); ``next(counter)`` is the next id's value
#: (``next`` calls it directly, where its bound ``__next__`` goes through a slot wrapper).
#: Read it through the module (``_ids.counter``), never bind it elsewhere: ``fork`` replaces it.
counter = itertools.count()


def _start_numbering() -> None:
    """Draw this process's prefix and restart the counter (at import and after ``fork``)."""
    global counter
    random_high = random.getrandbits(128) & ~_FIXED_BITS & ~((1 << _COUNTER_BITS) - 1)
    counter = itertools.count(random_high | _VERSION_AND_VARIANT)


_start_numbering()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_start_numbering)


def new_run_id() -> UUID:
    """Return a fresh version-4 UUID, unique in this process and, with high odds, across them."""
    u: UUID = RunId()
    set_int(u, next(counter))
    return u
