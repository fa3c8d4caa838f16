"""One thread that owns one `sqlite3` connection and runs the store's operations, in groups.

An operation is a plain function of the connection (its statements, the eTag check, reading
the RETURNING rows) that the thread runs whole; the coroutine that submitted it awaits one
future. That is one hop to the thread and one back per operation, instead of one per statement.

Group commit: whatever is queued when the thread comes round (up to `max_batch` operations) runs
in ONE write transaction, then one COMMIT, so one fsync pays for the lot. An operation that fails
(an `EtagConflict`, a constraint) is undone alone and gets its exception: when one does, the
transaction is rolled back and the batch run again with each operation inside its own SAVEPOINT
(operations are functions of the database alone, so running one again gives what it would have
given). Batches where nothing fails, nearly all of them, skip the two savepoint statements per
operation. Every caller hears of its result only once the COMMIT succeeded, and if the COMMIT
fails, every operation of the batch gets that error and none of it is kept. A lone operation
never waits for company: there are no timers, only what is already queued is grouped. Results
of a batch are handed to each waiting event loop in one `call_soon_threadsafe`.

An operation always runs to its end, or is rolled back, in the thread: a caller cancelled while
it waits merely stops listening. The thread never waits for the event loop, so a transaction is
never held open across an `await`.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
Operation = Callable[[sqlite3.Connection], T]

MAX_BATCH = 64


@dataclass(frozen=True, slots=True)
class SqliteStats:
    """What the thread has done so far (for tests, benchmarks and diagnostics)."""

    operations: int = 0  # operations run (each a public store call)
    batches: int = 0  # groups run, each in one transaction (or one autocommit read)
    commits: int = 0  # write transactions committed: one fsync each
    largest_batch: int = 0


@dataclass(slots=True)
class _Job:
    work: Operation[Any] | None  # None: stop once everything queued before is done
    writes: bool
    loop: asyncio.AbstractEventLoop | None
    future: asyncio.Future[Any] | None
    outcome: Any = None
    error: BaseException | None = None


class _Lost(Exception):
    """SQLite rolled the whole transaction back itself (disk full, I/O error, ...)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


def insist(conn: sqlite3.Connection, statement: str, *, timeout_s: float) -> list[Any]:
    """Run a statement that takes a lock, retrying "database is locked" for up to `timeout_s`.

    SQLite answers some lock attempts with an immediate "database is locked" instead of waiting
    on busy_timeout (switching a new file to WAL while other connections open it does, and a
    COMMIT that is busy stays pending); the statements given here are safe to repeat. This
    blocks, so it only ever runs in the store's thread.
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.002
    while True:
        try:
            return conn.execute(statement).fetchall()  # read to the end: a row holds a lock
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


class SqliteWorker:
    """The thread and its connection. `start()` connects (in the thread), `run()` submits one
    operation and awaits its result, `stop()` finishes what is queued and closes."""

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        *,
        busy_timeout_s: float,
        max_batch: int = MAX_BATCH,
    ) -> None:
        self._connect = connect
        self._busy_timeout_s = busy_timeout_s
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._stats = SqliteStats()

    @property
    def stats(self) -> SqliteStats:
        return self._stats

    async def start(self) -> None:
        """Start the thread and wait until `connect` (which may migrate) has succeeded."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._thread = threading.Thread(
            target=self._serve, args=(loop, ready), name="meetbot-sqlite", daemon=True
        )
        self._thread.start()
        try:
            await ready
        except Exception:
            self._stopping = True
            self._thread.join()  # connect failed and it said so as its last act: it has ended
            raise
        except BaseException:
            self._stopping = True
            self._queue.put(_Job(None, False, None, None))  # cancelled: it ends once connected
            raise

    async def run(self, work: Operation[T], *, writes: bool) -> T:
        """Run `work(connection)` in the thread (in a write transaction when `writes`)."""
        if self._stopping or self._thread is None:
            raise RuntimeError("the SQLite store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._queue.put(_Job(work, writes, loop, future))
        return await future

    async def stop(self) -> None:
        """Let everything already queued finish, then close the connection and end the thread."""
        if self._stopping or self._thread is None:
            return
        self._stopping = True
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._queue.put(_Job(None, False, loop, done))
        await asyncio.shield(done)  # a cancelled close() still closes
        self._thread.join()  # settling `done` was its last act: this waits for a `return`

    # --- in the thread --------------------------------------------------------------------------

    def _serve(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        try:
            conn = self._connect()
        except BaseException as error:
            _settle(loop, [_Job(None, False, loop, ready, error=error)])
            return
        _settle(loop, [_Job(None, False, loop, ready)])
        stop: _Job | None = None
        try:
            while stop is None:
                jobs, stop = self._take()
                if jobs:
                    self._run_batch(conn, jobs)
                    self._deliver(jobs)
        finally:
            conn.close()
        if stop.loop is not None:
            _settle(stop.loop, [stop])

    def _take(self) -> tuple[list[_Job], _Job | None]:
        """Block for one job, then add whatever else is queued (up to max_batch)."""
        jobs: list[_Job] = []
        job = self._queue.get()
        while True:
            if job.work is None:
                return jobs, job
            jobs.append(job)
            if len(jobs) >= self._max_batch:
                return jobs, None
            try:
                job = self._queue.get_nowait()
            except queue.Empty:
                return jobs, None

    def _run_batch(self, conn: sqlite3.Connection, jobs: Sequence[_Job]) -> None:
        stats = self._stats
        self._stats = SqliteStats(
            stats.operations + len(jobs),
            stats.batches + 1,
            stats.commits,
            max(stats.largest_batch, len(jobs)),
        )
        writes = any(job.writes for job in jobs)
        if len(jobs) == 1 and not writes:
            _attempt(conn, jobs[0])  # a lone read: autocommit, no transaction to manage
            return
        try:
            insist(conn, "BEGIN IMMEDIATE" if writes else "BEGIN", timeout_s=self._busy_timeout_s)
        except BaseException as error:
            _fail(jobs, error)
            return
        try:
            kept = self._run_in_transaction(conn, jobs, guarded=False)
            if kept is None:  # one failed: undo the lot, then again, each in its savepoint
                conn.execute("ROLLBACK")
                for job in jobs:
                    job.outcome, job.error = None, None
                insist(conn, "BEGIN IMMEDIATE", timeout_s=self._busy_timeout_s)
                kept = self._run_in_transaction(conn, jobs, guarded=True)
            if kept:
                self._commit(conn)
                stats = self._stats
                self._stats = SqliteStats(
                    stats.operations, stats.batches, stats.commits + 1, stats.largest_batch
                )
            else:
                conn.execute("ROLLBACK")  # only reads, or every write failed: nothing to keep
        except BaseException as error:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            _fail(jobs, error.error if isinstance(error, _Lost) else error)

    def _run_in_transaction(
        self, conn: sqlite3.Connection, jobs: Sequence[_Job], *, guarded: bool
    ) -> bool | None:
        """Whether any write succeeded. `guarded`: each job in its own savepoint (unless it is
        alone). Unguarded, None as soon as a job of several fails (the caller rolls back)."""
        guarded = guarded and len(jobs) > 1
        kept = False
        for job in jobs:
            if guarded:
                conn.execute("SAVEPOINT op")
            if _attempt(conn, job):
                kept = kept or job.writes
            elif not conn.in_transaction:
                raise _Lost(job.error or RuntimeError("transaction lost"))
            elif guarded:
                conn.execute("ROLLBACK TO op")
            elif len(jobs) > 1:
                return None
            if guarded:
                conn.execute("RELEASE op")
        return kept

    def _commit(self, conn: sqlite3.Connection) -> None:
        """The COMMIT of a batch, where the fsync happens (tests make it fail here)."""
        insist(conn, "COMMIT", timeout_s=self._busy_timeout_s)

    def _deliver(self, jobs: Sequence[_Job]) -> None:
        """Hand the batch's results to the loop(s) that wait for them: one wakeup per loop."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_Job]] = {}
        for job in jobs:
            if job.loop is not None:
                by_loop.setdefault(job.loop, []).append(job)
        for loop, settled in by_loop.items():
            _settle(loop, settled)


def _attempt(conn: sqlite3.Connection, job: _Job) -> bool:
    assert job.work is not None
    try:
        job.outcome = job.work(conn)
    except BaseException as error:  # the caller gets it, whatever it is
        job.error = error
        return False
    return True


def _fail(jobs: Sequence[_Job], error: BaseException) -> None:
    for job in jobs:
        job.outcome, job.error = None, error


def _settle(loop: asyncio.AbstractEventLoop, jobs: list[_Job]) -> None:
    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting any more
        loop.call_soon_threadsafe(_settle_now, jobs)


def _settle_now(jobs: list[_Job]) -> None:
    for job in jobs:
        future = job.future
        if future is None or future.done():  # its caller was cancelled
            continue
        if job.error is not None:
            future.set_exception(job.error)
        else:
            future.set_result(job.outcome)
