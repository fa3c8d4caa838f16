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
of a batch are handed to the event loop in one wakeup.

An operation always runs to its end, or is rolled back, in the thread: a caller cancelled while
it waits merely stops listening. The thread never waits for the event loop, so a transaction is
never held open across an `await`.

On Linux the thread runs under `SCHED_BATCH` (sched(7)): the same share of the CPU as any
thread, but waking it does not preempt the event loop's thread. Python lets one thread run at a
time, so a woken store thread that preempted the loop could only find the GIL taken and wait
for the loop to go idle anyway: two context switches for nothing, per operation. Behind the
loop it starts when the loop waits for the network, and finds more operations queued to group
into one commit. Measured at 16 concurrent conversations (`bench/`): commits per `meet` from
0.30 to 0.14, context switches per `meet` from ~5.8 to ~1.1, and ~10% of the bot's CPU.

On Linux, results reach the event loop through an eventfd the loop watches, written with
`os.eventfd_write`, which lets go of the GIL for the system call. `loop.call_soon_threadsafe`
wakes the loop while the store's thread still holds the GIL: the woken loop thread takes the
CPU, finds the GIL taken and sleeps again until the store's thread lets go, two context switches
per result for nothing. Measured at one conversation: the loop thread's context switches per
`meet` from 7 to 5, the store thread's involuntary ones from 3 to 1 (the CPU this saves is
within the benchmark machine's drift). Elsewhere, on a loop that cannot watch descriptors, and
for operations submitted from another loop, results go through `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
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
        self._wake: _Wake | None = None  # set by start(), for the loop that started the thread

    @property
    def stats(self) -> SqliteStats:
        return self._stats

    async def start(self) -> None:
        """Start the thread and wait until `connect` (which may migrate) has succeeded."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._wake = _Wake.watch(loop)
        self._thread = threading.Thread(
            target=self._serve, args=(loop, ready), name="meetbot-sqlite", daemon=True
        )
        self._thread.start()
        try:
            await ready
        except Exception:
            self._stopping = True
            self._thread.join()  # connect failed and it said so as its last act: it has ended
            self._unwatch()
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
        self._unwatch()

    def _unwatch(self) -> None:
        """Once the thread has ended: settle what it handed over, close the descriptor."""
        if self._wake is not None:
            self._wake.close()
            self._wake = None

    # --- in the thread --------------------------------------------------------------------------

    def _serve(self, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]) -> None:
        _behind_the_loop()
        try:
            conn = self._connect()
        except BaseException as error:
            self._settle(loop, [_Job(None, False, loop, ready, error=error)])
            return
        self._settle(loop, [_Job(None, False, loop, ready)])
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
            self._settle(stop.loop, [stop])
        else:  # start() was cancelled, so stop() will not be called: let go of the wake-up
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._unwatch)

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
            self._settle(loop, settled)

    def _settle(self, loop: asyncio.AbstractEventLoop, jobs: list[_Job]) -> None:
        wake = self._wake
        if wake is not None and wake.loop is loop:
            wake.hand_over(jobs)
        else:
            _settle(loop, jobs)


def _behind_the_loop() -> None:
    """Put the calling thread under SCHED_BATCH where the OS has it (see the module docstring);
    elsewhere, or if refused, it stays as it is."""
    batch = getattr(os, "SCHED_BATCH", None)
    if batch is None or not hasattr(os, "sched_setscheduler"):
        return
    with contextlib.suppress(OSError):
        os.sched_setscheduler(0, batch, os.sched_param(0))  # 0: this thread


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


class _Wake:
    """Settled jobs handed from the store's thread to one event loop: queued, then the loop is
    woken through an eventfd it watches, written without the GIL (see the module docstring)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, fd: int) -> None:
        self.loop = loop
        self._fd = fd
        self._handed: collections.deque[list[_Job]] = collections.deque()  # thread-safe ends

    @classmethod
    def watch(cls, loop: asyncio.AbstractEventLoop) -> _Wake | None:
        """A wake-up for `loop`, or None without eventfd (Linux's) or a loop that can watch it."""
        if not hasattr(os, "eventfd"):
            return None
        fd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        wake = cls(loop, fd)
        try:
            loop.add_reader(fd, wake._drain)
        except NotImplementedError:
            os.close(fd)
            return None
        return wake

    def hand_over(self, jobs: list[_Job]) -> None:
        """In the store's thread."""
        self._handed.append(jobs)
        os.eventfd_write(self._fd, 1)  # adds to the counter: never blocks short of 2**64 - 2

    def _drain(self) -> None:
        """In the loop: clear the wake-up, then settle everything handed over so far."""
        with contextlib.suppress(BlockingIOError):  # already cleared by an earlier drain
            os.eventfd_read(self._fd)
        self._settle_handed()

    def _settle_handed(self) -> None:
        handed = self._handed
        while handed:
            _settle_now(handed.popleft())

    def close(self) -> None:
        """In the loop, once the thread has ended."""
        with contextlib.suppress(RuntimeError):  # a closed loop watches nothing any more
            self.loop.remove_reader(self._fd)
        os.close(self._fd)
        self._settle_handed()


def _settle_now(jobs: list[_Job]) -> None:
    for job in jobs:
        future = job.future
        if future is None or future.done():  # its caller was cancelled
            continue
        if job.error is not None:
            future.set_exception(job.error)
        else:
            future.set_result(job.outcome)
