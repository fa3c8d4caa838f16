"""Values derived from a catalog once, kept for the few catalogs in use."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.i18n import Catalog

T = TypeVar("T")
CATALOGS_KEPT = 8  # a few shipped catalogs, plus room for variants made in tests


class PerCatalog(Generic[T]):
    """`build(catalog)`, built on first use and kept for the last `CATALOGS_KEPT` catalogs.

    Keyed by the catalog object itself (catalogs are module constants, and hashing all their
    fields on every card would cost more than the cache saves). An entry holds its catalog, so
    the `id` it is filed under cannot be reused while the entry is kept.
    """

    __slots__ = ("_build", "_entries", "_lock")

    def __init__(self, build: Callable[[Catalog], T]) -> None:
        self._build = build
        self._entries: dict[int, tuple[Catalog, T]] = {}
        self._lock = threading.Lock()

    def __call__(self, catalog: Catalog) -> T:
        entry = self._entries.get(id(catalog))
        if entry is not None and entry[0] is catalog:
            return entry[1]
        value = self._build(catalog)
        with self._lock:
            while len(self._entries) >= CATALOGS_KEPT:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[id(catalog)] = (catalog, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
