"""Cheap unique run ids.

``uuid.uuid4()`` reads ``os.urandom`` and validates its argument, about 1.4 us
per id, paid on every run. Run ids only need to be unique, so each process
draws a random 128-bit prefix once (version-4 and RFC 4122 variant bits set,
60 random bits) and numbers its runs in the low 62 bits. Filling the ``UUID``'s
two slots through their descriptors skips ``UUID.__init__``'s parsing. A forked
child draws a new prefix, so parent and child never hand out the same id.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Final
from uuid import UUID, SafeUUID

_VERSION_AND_VARIANT: Final = (0x4000 << 64) | (0x8000 << 48)
_FIXED_BITS: Final = (0xF000 << 64) | (0xC000 << 48)
_COUNTER_BITS: Final = 62

_new: Final = object.__new__
# UUID is immutable (its __setattr__ raises); its slot descriptors still write directly. The
# lifecycle's hot loop (``_lifecycle.run_steps``) makes ids with these three inline.
set_int: Final = UUID.__dict__["int"].__set__
set_is_safe: Final = UUID.__dict__["is_safe"].__set__
UNKNOWN: Final = SafeUUID.unknown

#: The next id's 128-bit value: this process's prefix plus a counter in its low 62 bits (a
#: count starting at the prefix, which has zeros there). Read it through the module
#: (``_ids.next_int()``), never bind it elsewhere: ``fork`` replaces it.
next_int = itertools.count().__next__


def _start_numbering() -> None:
    """Draw this process's prefix and restart the counter (at import and after ``fork``)."""
    global next_int
    random_high = random.getrandbits(128) & ~_FIXED_BITS & ~((1 << _COUNTER_BITS) - 1)
    next_int = itertools.count(random_high | _VERSION_AND_VARIANT).__next__


_start_numbering()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_start_numbering)


def new_run_id() -> UUID:
    """Return a fresh version-4 UUID, unique in this process and, with high odds, across them."""
    u: UUID = _new(UUID)
    set_int(u, next_int())
    set_is_safe(u, UNKNOWN)
    return u
