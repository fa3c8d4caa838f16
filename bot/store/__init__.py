"""Persistent state: botbuilder `Storage` plus the reminder side's tables, one Protocol per kind
of row (`bot.store.base`), kept by a `Store` chosen by DATABASE_URL: `sqlite:///path` (the
default) or `postgresql://...`."""

from bot.store.base import (
    MeetingStore,
    PendingCreateStore,
    ReferenceStore,
    ReminderStore,
    RetentionStore,
    SendBudgetStore,
    Store,
    StoreHealth,
    WatchStore,
)
from bot.store.errors import DEFAULT_STORE_TIMEOUT_S, StoreUnavailable
from bot.store.postgres import PostgresStore
from bot.store.records import (
    AFTER,
    MeetingRecord,
    PendingCreate,
    Reminder,
    ReminderState,
    SentMark,
    Watch,
    reminder_key,
    successor_of,
)
from bot.store.serialize import EtagConflict
from bot.store.sqlite import SqliteStore, sqlite_path

__all__ = [
    "AFTER",
    "EtagConflict",
    "MeetingRecord",
    "MeetingStore",
    "PendingCreate",
    "PendingCreateStore",
    "PostgresStore",
    "ReferenceStore",
    "Reminder",
    "ReminderState",
    "ReminderStore",
    "RetentionStore",
    "SendBudgetStore",
    "SentMark",
    "SqliteStore",
    "Store",
    "StoreHealth",
    "StoreUnavailable",
    "Watch",
    "WatchStore",
    "open_store",
    "reminder_key",
    "sqlite_path",
    "successor_of",
]


def open_store(database_url: str, *, timeout: float = DEFAULT_STORE_TIMEOUT_S) -> Store:
    """The store for DATABASE_URL, not yet opened (`await store.open()` connects and migrates);
    each of its calls gives up after `timeout` seconds (`StoreUnavailable`)."""
    if database_url.startswith("sqlite:///"):
        return SqliteStore(sqlite_path(database_url), timeout=timeout)
    if database_url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(database_url, timeout=timeout)
    scheme = database_url.split(":", 1)[0] if ":" in database_url else database_url
    raise ValueError(
        f"unsupported DATABASE_URL scheme {scheme!r}: use sqlite:///path or postgresql://..."
    )
