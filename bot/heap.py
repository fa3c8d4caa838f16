"""Garbage-collector settings for a long-running server process.

CPython's cyclic collector runs a young-generation pass every 700 net allocations, and a full
pass whenever the survivors have grown by a quarter. After start-up the heap holds some 150,000
long-lived objects (botbuilder, msrest, pydantic schemas, the catalogs), and every full pass
walks all of them again, although none of them will ever be garbage: under load that is a
visible share of each `meet`'s CPU (`bench/README.md` has the figures).

Two documented knobs (https://docs.python.org/3/library/gc.html) remove most of that:

- `gc.freeze()` once start-up is done moves every object alive then into a permanent generation
  that no pass scans again (Python's docs suggest it for exactly this: avoiding repeated
  collection of objects that live as long as the process);
- a young-generation threshold of 10,000 instead of 700: a turn's short-lived objects mostly
  die by reference counting before a pass comes, so fewer passes find fewer survivors to
  promote. Memory held between passes stays small (a few MB at most).

Only the server processes (`meetbot run` and the emulators) call this: tests build many
applications in one process, and frozen objects are never freed.
"""

from __future__ import annotations

import gc
from typing import Final

YOUNG_THRESHOLD: Final = 10_000


def settle_after_startup() -> None:
    """Collect what start-up left behind, freeze the rest, and widen the young generation."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, middle, old)
