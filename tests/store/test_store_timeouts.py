"""Every store call gives up within its timeout (`StoreUnavailable`) when the database does
not answer: PostgreSQL with its processes stopped, SQLite behind another process's lock.

The PostgreSQL server is this module's own (`own_postgres`): stopping it affects no other
test, and it is always continued.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import PostgresStore, SqliteStore, Store, StoreUnavailable, Watch
from tests import postgres

TIMEOUT_S = 0.3
BOUND_S = 3 * TIMEOUT_S  # the call, and the release of a connection it cut off
NOW = datetime(2030, 1, 1, tzinfo=UTC)
WATCH = Watch("user-1", "a:chat", "UTC", "en", timedelta(minutes=10), NOW)

Call = Callable[[Store], Awaitable[Any]]
CALLS: dict[str, Call] = {
    "read (botbuilder state)": lambda store: store.read(["msteams/conversations/a:chat"]),
    "write (a transaction)": lambda store: store.write({"msteams/conversations/a:chat": {"x": 1}}),
    "fetch": lambda store: store.open_reminders("user-1"),
    "fetchrow": lambda store: store.get_watch("user-1"),
    "fetchval": lambda store: store.next_watch_scan_at(),
    "execute": lambda store: store.set_watch(WATCH),
}


@pytest.fixture
async def stoppable(own_postgres: postgres.OwnServer) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(own_postgres.url, timeout=TIMEOUT_S)
    await store.open()
    try:
        yield store
    finally:
        await store.close()


@pytest.mark.parametrize("call", list(CALLS))
async def test_each_postgres_call_gives_up_in_time_on_a_stopped_server(
    stoppable: PostgresStore, own_postgres: postgres.OwnServer, call: str
) -> None:
    await CALLS[call](stoppable)  # answers while the server runs
    with postgres.frozen(own_postgres.directory):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=r"PostgreSQL: no answer within 0\.3 s"):
            await CALLS[call](stoppable)
        waited = time.monotonic() - started
        health = await stoppable.health()
    assert TIMEOUT_S * 0.9 <= waited < BOUND_S
    assert health["ok"] is False and health["error"] == "StoreUnavailable"
    await CALLS[call](stoppable)  # continued: the pool makes new connections by itself


async def test_a_postgres_pool_that_is_all_in_use_is_waited_for_in_time(
    own_postgres: postgres.OwnServer,
) -> None:
    """The pool's own wait for a free connection is bounded too (asyncpg's is not)."""
    store = PostgresStore(own_postgres.url, max_size=1, timeout=TIMEOUT_S)
    await store.open()
    try:
        # The only connection, held straight from asyncpg's pool (the store's own calls would
        # give it back within their timeout).
        async with store._pool.acquire():
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                await store.get_watch("user-1")
            assert time.monotonic() - started < BOUND_S
    finally:
        await store.close()


async def test_a_sqlite_call_behind_another_process_lock_gives_up_in_time(tmp_path: Path) -> None:
    path = tmp_path / "meetbot.db"
    store = SqliteStore(path, timeout=TIMEOUT_S)  # busy timeout 5 s: longer than the call's
    await store.open()
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match=r"SQLite: no answer within 0\.3 s"):
            await store.set_watch(WATCH)
        assert time.monotonic() - started < BOUND_S
        health = await store.health()
        assert health["ok"] is False and health["error"] == "StoreUnavailable"
        other.execute("ROLLBACK")
        await store.set_watch(WATCH)  # the lock gone, the store answers again
        assert await store.get_watch("user-1") == WATCH
    finally:
        other.close()
        await store.close()
