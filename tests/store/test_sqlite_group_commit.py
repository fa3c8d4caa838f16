"""SqliteStore's thread: one hop per call, operations queued together share one COMMIT, and a
failure (an eTag conflict, a failing COMMIT, a cancelled caller) reaches exactly who it should.

To queue operations together deterministically, another connection holds the file's write lock
while they are submitted: the store's thread waits in BEGIN IMMEDIATE meanwhile, as it would
behind another bot process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.reminders import MeetingSpot, Reminders
from bot.store import EtagConflict, ReminderState, SqliteStore
from bot.store.sqlite_worker import SqliteStats, SqliteWorker
from tests.store.helpers import T0, make_reminder

N = 16


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path / "meetbot.db")
    await opened.open()
    try:
        yield opened
    finally:
        await opened.close()


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another connection holds the write lock until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("COMMIT")
    finally:
        holder.close()


async def queued_together(path: Path, calls: list[Awaitable[Any]]) -> list[Any]:
    """Submit every call while the file is locked, then let them run: results or exceptions."""
    with write_locked(path):
        gathered = asyncio.gather(*calls, return_exceptions=True)
        await asyncio.sleep(0)  # not a wait for time: each call's task runs up to its await
    return await gathered


def since(before: SqliteStats, after: SqliteStats) -> SqliteStats:
    return SqliteStats(
        after.operations - before.operations,
        after.batches - before.batches,
        after.commits - before.commits,
        after.largest_batch,
    )


async def test_a_lone_call_is_one_operation_and_a_write_one_commit(store: SqliteStore) -> None:
    before = store.stats
    await store.write({"k": {"n": 1}})
    assert since(before, store.stats) == SqliteStats(1, 1, 1, 1)
    before = store.stats
    assert (await store.read(["k"]))["k"]["n"] == 1
    assert await store.get_reminder("none") is None
    assert since(before, store.stats) == SqliteStats(2, 2, 0, 1)  # reads commit nothing
    before = store.stats
    await queued_together(store.path, [store.read(["k"]) for _ in range(N)])
    assert since(before, store.stats).commits == 0  # nor do reads queued together


async def test_a_meet_records_its_meeting_and_reminder_in_one_commit(store: SqliteStore) -> None:
    reminders = Reminders(store, default_lead=timedelta(minutes=10), clock=lambda: T0)
    before = store.stats
    choice = await reminders.for_meeting(
        MeetingSpot("user-1", "a:chat-1", "Europe/Berlin", "de-DE"),
        event_id="AAMkAD=",
        subject="Design review",
        start=T0 + timedelta(hours=1),
        end=T0 + timedelta(hours=2),
        join_url=None,
        lead=timedelta(minutes=15),
    )
    assert since(before, store.stats) == SqliteStats(1, 1, 1, 1)
    assert choice.reminder.state is ReminderState.PENDING
    meeting = await store.get_meeting("user-1", "AAMkAD=")
    assert meeting is not None and meeting.subject == "Design review"


async def test_concurrent_writes_share_commits_and_all_succeed(store: SqliteStore) -> None:
    values: list[dict[str, Any]] = [{"n": i} for i in range(N)]
    before = store.stats
    results = await queued_together(
        store.path,
        [store.write({f"k{i}": value}) for i, value in enumerate(values)]
        + [store.add_reminder(make_reminder(i)) for i in range(N)],
    )
    assert results[:N] == [None] * N
    assert [r.id for r in results[N:]] == [make_reminder(i).id for i in range(N)]
    done = since(before, store.stats)
    assert done.operations == 2 * N
    assert done.batches <= 2 and done.commits <= 2  # the first batch may have started alone
    assert all(value["e_tag"] == "1" for value in values)
    stored = await store.read([f"k{i}" for i in range(N)])
    assert {key: value["n"] for key, value in stored.items()} == {f"k{i}": i for i in range(N)}
    assert len(await store.open_reminders("user-1", limit=100)) == N


async def test_a_batch_is_bounded(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    try:
        results = await queued_together(
            store.path, [store.write({f"k{i}": {"n": i}}) for i in range(150)]
        )
    finally:
        await store.close()
    assert results == [None] * 150
    assert store.stats.largest_batch == 64  # and still readable once closed
    assert store.stats.batches >= 3
    reopened = SqliteStore(tmp_path / "meetbot.db")
    await reopened.open()
    try:
        assert len(await reopened.read([f"k{i}" for i in range(150)])) == 150
    finally:
        await reopened.close()


async def test_an_etag_conflict_in_a_batch_fails_only_its_own_caller(store: SqliteStore) -> None:
    await store.write({"k": {"n": 1}})
    stale = (await store.read(["k"]))["k"]
    await store.write({"k": {"n": 2, "e_tag": "*"}})
    before = store.stats
    results = await queued_together(
        store.path,
        [
            store.write({"a": {"n": 1}}),
            store.write({"x": {"n": 1}, "k": stale | {"n": 3}}),  # x is undone with it
            store.add_reminder(make_reminder(1)),
            store.write({"b": {"n": 1}}),
        ],
    )
    assert results[0] is None and results[3] is None
    assert isinstance(results[1], EtagConflict)
    assert results[2] == make_reminder(1)
    assert since(before, store.stats).commits <= 2
    stored = await store.read(["a", "b", "k", "x"])
    assert sorted(stored) == ["a", "b", "k"]
    assert stored["k"] == {"n": 2, "e_tag": "2"}


async def test_a_failing_commit_fails_its_whole_batch_and_keeps_what_was_committed(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.write({"kept": {"n": 1}})
    await store.add_reminder(make_reminder(1))
    attempts: list[int] = []

    def full_disk(self: SqliteWorker, conn: sqlite3.Connection) -> None:
        attempts.append(1)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(SqliteWorker, "_commit", full_disk)
    values: list[dict[str, Any]] = [{"n": i} for i in range(8)]
    results = await queued_together(
        store.path,
        [store.write({f"k{i}": value}) for i, value in enumerate(values)]
        + [store.cancel_reminder(make_reminder(1).id, "user-1"), store.read(["kept"])],
    )
    monkeypatch.undo()

    assert all(isinstance(result, sqlite3.OperationalError) for result in results)
    assert len(attempts) <= 2 < len(results)  # one failed COMMIT answered a whole batch
    assert all("e_tag" not in value for value in values)
    assert await store.read([f"k{i}" for i in range(8)]) == {}
    assert (await store.read(["kept"]))["kept"] == {"n": 1, "e_tag": "1"}
    assert await store.get_reminder(make_reminder(1).id) == make_reminder(1)  # not cancelled
    await store.write({"after": {"n": 1}})  # no transaction was left open
    assert list(await store.read(["after"])) == ["after"]


async def test_a_cancelled_caller_leaves_its_write_whole_and_nothing_open(
    store: SqliteStore,
) -> None:
    with write_locked(store.path):
        cancelled = asyncio.create_task(store.write({"a": {"n": 1}, "b": {"n": 1}}))
        neighbour = asyncio.create_task(store.write({"c": {"n": 1}}))
        await asyncio.sleep(0)  # both are queued behind the lock
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
    await neighbour  # the batch it shared with the cancelled write still answers it
    # The thread ran the cancelled write to its end: all of it, in order, before the next call.
    assert sorted(await store.read(["a", "b", "c"])) == ["a", "b", "c"]
    probe = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")  # nobody holds the write lock
        probe.execute("ROLLBACK")
    finally:
        probe.close()


async def test_close_finishes_queued_work_then_stops_the_thread(tmp_path: Path) -> None:
    threads = _store_threads()
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    assert _store_threads() == threads + 1
    writes = [asyncio.create_task(store.write({f"k{i}": {"n": i}})) for i in range(10)]
    await asyncio.sleep(0)  # all ten are queued
    await store.close()
    assert all(write.done() and write.exception() is None for write in writes)
    assert _store_threads() == threads
    with pytest.raises(RuntimeError, match=r"open\(\)"):
        await store.read(["k0"])
    await store.close()  # twice is fine

    reopened = SqliteStore(tmp_path / "meetbot.db")
    await reopened.open()
    try:
        assert len(await reopened.read([f"k{i}" for i in range(10)])) == 10
    finally:
        await reopened.close()


async def test_a_file_that_cannot_be_opened_fails_open_and_leaves_no_thread(
    tmp_path: Path,
) -> None:
    threads = _store_threads()
    store = SqliteStore(tmp_path)  # a directory
    with pytest.raises(sqlite3.OperationalError):
        await store.open()
    assert _store_threads() == threads
    with pytest.raises(RuntimeError, match=r"open\(\)"):
        await store.read(["k"])


def _store_threads() -> int:
    return sum(thread.name == "meetbot-sqlite" for thread in threading.enumerate())


# --- the worker on its own --------------------------------------------------------------------


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=5000")
    conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER PRIMARY KEY)")
    return conn


def _insert(n: int) -> Any:
    return lambda conn: conn.execute("INSERT INTO t VALUES (?)", (n,)).rowcount


def _lose_the_transaction(conn: sqlite3.Connection) -> None:
    """What SQLite does on some I/O errors: the whole transaction is rolled back."""
    conn.execute("ROLLBACK")
    raise sqlite3.OperationalError("disk I/O error")


async def test_an_operation_that_loses_the_transaction_fails_its_whole_batch(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.db"
    worker = SqliteWorker(lambda: _connect(path), busy_timeout_s=5, max_batch=3)
    await worker.start()
    try:
        await worker.run(_insert(0), writes=True)
        plan = [1, 2, None, 3, 4, 5]  # None: the operation that loses the transaction
        results = await queued_together(
            path,
            [
                worker.run(_lose_the_transaction if n is None else _insert(n), writes=True)
                for n in plan
            ],
        )
        rows = await worker.run(
            lambda conn: conn.execute("SELECT n FROM t").fetchall(), writes=False
        )
    finally:
        await worker.stop()
    assert worker.stats.largest_batch == 3
    # The first batch holds what was queued when the thread came round (1 to 3 calls), the
    # next ones 3 each: the batch of the loss fails whole, the others are unharmed.
    lost = [i for i, result in enumerate(results) if isinstance(result, sqlite3.Error)]
    assert 2 in lost and lost == list(range(lost[0], lost[0] + 3))
    assert all(str(results[i]) == "disk I/O error" for i in lost)
    kept = [n for i, n in enumerate(plan) if i not in lost]
    assert sorted(n for (n,) in rows) == [0, *kept]
    assert [results[i] for i in range(len(plan)) if i not in lost] == [1] * len(kept)


def _traced(path: Path, statements: list[str]) -> sqlite3.Connection:
    conn = _connect(path)
    conn.set_trace_callback(statements.append)
    return conn


async def _as_one_batch(worker: SqliteWorker, ops: list[Any]) -> list[Any]:
    """Queue `ops` while the thread is busy with another operation: they form its next batch."""
    started, go = threading.Event(), threading.Event()

    def hold(conn: sqlite3.Connection) -> None:
        started.set()
        go.wait(10)

    held = asyncio.ensure_future(worker.run(hold, writes=False))
    await asyncio.to_thread(started.wait, 10)
    calls = asyncio.gather(*(worker.run(op, writes=True) for op in ops), return_exceptions=True)
    await asyncio.sleep(0)  # not a wait for time: each call's task runs up to its await
    go.set()
    await held
    return await calls


async def test_savepoints_are_used_only_for_a_batch_where_an_operation_fails(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.db"
    statements: list[str] = []
    worker = SqliteWorker(lambda: _traced(path, statements), busy_timeout_s=5, max_batch=8)
    await worker.start()
    try:
        await worker.run(_insert(0), writes=True)
        statements.clear()
        clean = await _as_one_batch(worker, [_insert(1), _insert(2)])
        clean_statements = list(statements)
        statements.clear()
        # 0 is there already: that insert fails, alone; the two around it are kept.
        mixed = await _as_one_batch(worker, [_insert(3), _insert(0), _insert(4)])
        rows = await worker.run(
            lambda conn: conn.execute("SELECT n FROM t").fetchall(), writes=False
        )
    finally:
        await worker.stop()
    assert clean == [1, 1]
    assert clean_statements.count("BEGIN IMMEDIATE") == 1  # one batch, one transaction
    assert not [s for s in clean_statements if "SAVEPOINT" in s or "RELEASE" in s]
    assert mixed[0] == 1 and mixed[2] == 1 and isinstance(mixed[1], sqlite3.IntegrityError)
    assert [s for s in statements if s.startswith("SAVEPOINT")] == ["SAVEPOINT op"] * 3
    assert sorted(n for (n,) in rows) == [0, 1, 2, 3, 4]


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="lists open descriptors")
async def test_no_descriptor_stays_open_after_the_store_closes(tmp_path: Path) -> None:
    before = _open_fds()
    worker = SqliteWorker(lambda: _connect(tmp_path / "t.db"), busy_timeout_s=5)
    await worker.start()
    await worker.run(_insert(1), writes=True)
    assert len(_open_fds() - before) >= 2  # the database, its WAL, ...
    await worker.stop()
    assert _open_fds() == before

    def refuse() -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    failing = SqliteWorker(refuse, busy_timeout_s=5)
    with pytest.raises(sqlite3.OperationalError):
        await failing.start()
    assert _open_fds() == before


async def test_a_loop_that_cannot_watch_descriptors_gets_its_results_all_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Windows' proactor loop: `add_reader` is not implemented there."""

    def not_here(*_: object) -> None:
        raise NotImplementedError

    monkeypatch.setattr(asyncio.get_running_loop(), "add_reader", not_here)
    worker = SqliteWorker(lambda: _connect(tmp_path / "t.db"), busy_timeout_s=5)
    await worker.start()
    try:
        assert await worker.run(_insert(1), writes=True) == 1
    finally:
        await worker.stop()


async def test_operations_from_another_event_loop_get_their_results(tmp_path: Path) -> None:
    worker = SqliteWorker(lambda: _connect(tmp_path / "t.db"), busy_timeout_s=5)
    await worker.start()
    try:
        elsewhere = await asyncio.to_thread(asyncio.run, worker.run(_insert(7), writes=True))
        here = await worker.run(
            lambda conn: conn.execute("SELECT n FROM t").fetchall(), writes=False
        )
    finally:
        await worker.stop()
    assert elsewhere == 1 and here == [(7,)]
