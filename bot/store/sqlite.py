"""`Store` on one SQLite file (the default engine), in WAL mode with synchronous=FULL.

Bot state (dialog stacks, conversation state) is kept with eTag concurrency, following
botbuilder's contract: a value read with an `e_tag` may only be written back while the stored
`e_tag` is unchanged (else `EtagConflict`, a `KeyError` like MemoryStorage's); `"*"` or no
`e_tag` writes unconditionally. The check and the write happen in one `BEGIN IMMEDIATE`
transaction, so two processes sharing the file cannot both win; the same holds for claiming
reminders and watches (`UPDATE ... RETURNING` in one short write transaction).

Every public method is one operation, a plain function run whole by the store's own thread on
its one `sqlite3` connection (`bot.store.sqlite_worker`): one hop there and back per call.
Operations queued together share one write transaction (a SAVEPOINT each) and one COMMIT.

Durability: synchronous=FULL is kept on purpose, so every COMMIT is fsynced before any caller
hears of its result: a reminder whose card a user saw survives a power cut. Group commit is
what makes that cheap under load (one fsync per batch, not per operation).

Datetimes are INTEGER microseconds since the Unix epoch (UTC), so comparisons and ordering are
numeric and exact; leads are INTEGER seconds.

Every call waits at most `timeout` (`STORE_TIMEOUT_SECONDS`) for its operation, queue included,
then fails with `StoreUnavailable` (a stalled disk, a thread stuck behind one); the operation
itself still runs to its end, or is rolled back, in the thread. Lock waits are bounded sooner,
by SQLite's busy timeout.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.store.base import Store
from bot.store.errors import DEFAULT_STORE_TIMEOUT_S, StoreUnavailable
from bot.store.records import (
    MeetingRecord,
    PendingCreate,
    Reminder,
    ReminderState,
    SentMark,
    Watch,
)
from bot.store.rows import meeting_from, pending_from, reminder_from, watch_from
from bot.store.serialize import (
    EtagConflict,
    _conflict,
    _etag_of,
    _flatten,
    _restore,
    _seconds,
    _set_etag,
    _utc,
)
from bot.store.sqlite_worker import Operation, SqliteStats, SqliteWorker, insist

__all__ = ["EtagConflict", "SqliteStats", "SqliteStore", "sqlite_path"]

T = TypeVar("T")

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_OPEN = (ReminderState.PENDING.value, ReminderState.SENDING.value)
_MARK_SENT = (
    "UPDATE reminders SET state = ?, activity_id = ?, lease_until = NULL "
    "WHERE id = ? AND state IN (?, ?)"
)
_FINAL = tuple(state.value for state in ReminderState if not state.is_open)

# Each step runs once, in order, inside the BEGIN IMMEDIATE of `open()`; its number is recorded
# in `schema_version`. Step 1 is the previous version's only table, so an old file keeps its
# dialog state. Never edit a released step: append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS bot_state (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            etag  INTEGER NOT NULL
        )""",
    ),
    (
        """CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            reference       TEXT NOT NULL,
            updated_at      INTEGER NOT NULL
        )""",
        """CREATE TABLE meetings (
            user_id         TEXT NOT NULL,
            meeting_id      TEXT NOT NULL,
            kind            TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            subject         TEXT NOT NULL,
            starts_at       INTEGER NOT NULL,
            ends_at         INTEGER NOT NULL,
            join_url        TEXT,
            created_at      INTEGER NOT NULL,
            PRIMARY KEY (user_id, meeting_id)
        )""",
        """CREATE TABLE reminders (
            id              TEXT PRIMARY KEY,
            key             TEXT NOT NULL,
            user_id         TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            event_id        TEXT NOT NULL,
            subject         TEXT NOT NULL,
            starts_at       INTEGER NOT NULL,
            ends_at         INTEGER NOT NULL,
            lead_seconds    INTEGER NOT NULL,
            zone            TEXT NOT NULL,
            locale          TEXT,
            source          TEXT NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            state           TEXT NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            lease_until     INTEGER,
            worker          TEXT,
            activity_id     TEXT,
            detail          TEXT
        )""",
        "CREATE UNIQUE INDEX reminders_key ON reminders (key)",
        "CREATE INDEX reminders_due ON reminders (state, next_attempt_at)",
        "CREATE INDEX reminders_user ON reminders (user_id, state)",
        """CREATE TABLE watches (
            user_id         TEXT PRIMARY KEY,
            conversation_id TEXT NOT NULL,
            zone            TEXT NOT NULL,
            locale          TEXT,
            lead_seconds    INTEGER NOT NULL,
            next_scan_at    INTEGER NOT NULL
        )""",
        "CREATE INDEX watches_next_scan ON watches (next_scan_at)",
    ),
    # Retention (`prune`) finds meetings that ended long ago without reading the table.
    ("CREATE INDEX meetings_ends ON meetings (ends_at)",),
    # A `meet` between its Graph create and its reminder write (`PendingCreate`).
    (
        """CREATE TABLE pending_creates (
            transaction_id  TEXT PRIMARY KEY,
            user_id         TEXT NOT NULL,
            conversation_id TEXT NOT NULL,
            subject         TEXT NOT NULL,
            starts_at       INTEGER NOT NULL,
            ends_at         INTEGER NOT NULL,
            attendees       TEXT NOT NULL,
            lead_seconds    INTEGER,
            zone            TEXT NOT NULL,
            locale          TEXT,
            next_attempt_at INTEGER NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            find_only       INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX pending_creates_due ON pending_creates (next_attempt_at)",
    ),
    # The create's whole Graph body (`PendingCreate.request`): places, room, agenda, repeat.
    ("ALTER TABLE pending_creates ADD COLUMN request TEXT",),
    # The series master of a recurring meeting's reminder (`Reminder.series_id`).
    ("ALTER TABLE reminders ADD COLUMN series_id TEXT",),
    # Send budgets every instance shares (`SendBudgetStore`): microseconds since the epoch.
    ("CREATE TABLE send_budgets (key TEXT PRIMARY KEY, free_at INTEGER NOT NULL)",),
    # The claim's order in the due index, so a claim reads its few rows in order (CLAIM_DUE).
    (
        "DROP INDEX reminders_due",
        "CREATE INDEX reminders_due ON reminders (state, next_attempt_at, id)",
    ),
)

_REMINDER_COLUMNS = (
    "id, key, user_id, conversation_id, event_id, subject, starts_at, ends_at, lead_seconds, "
    "zone, locale, source, next_attempt_at, state, attempts, lease_until, activity_id, detail, "
    "series_id"
)
_WATCH_COLUMNS = "user_id, conversation_id, zone, locale, lead_seconds, next_scan_at"
_MEETING_COLUMNS = (
    "meeting_id, kind, user_id, conversation_id, subject, starts_at, ends_at, join_url, created_at"
)
_PENDING_COLUMNS = (
    "transaction_id, user_id, conversation_id, subject, starts_at, ends_at, attendees, "
    "lead_seconds, zone, locale, next_attempt_at, attempts, find_only, request"
)
_DROP_PENDING = "DELETE FROM pending_creates WHERE transaction_id = ?"
# Budgets (key, now, cost): unqualified columns in DO UPDATE are the stored row's.
_TAKE_BUDGET = (
    "INSERT INTO send_budgets (key, free_at) VALUES (?1, ?2 + ?3) ON CONFLICT (key)"
    " DO UPDATE SET free_at = max(free_at, ?2) + ?3 RETURNING free_at"
)
_RETURN_BUDGET = "UPDATE send_budgets SET free_at = max(?2, free_at - ?3) WHERE key = ?1"
_HOLD_BUDGET = (  # (key, until)
    "INSERT INTO send_budgets (key, free_at) VALUES (?1, ?2) ON CONFLICT (key)"
    " DO UPDATE SET free_at = max(free_at, ?2)"
)


# The first `limit` due (?4 before ?5, or claimed by an instance whose lease ran out), in due
# order. Each kind is read on its own, the first rows of an index range in order, and the two
# short lists merged: asked as one OR, the database would read and sort every due row, the
# whole backlog, for each claim of a few. (?1 SENDING, ?2 the lease's end, ?3 the worker.)
CLAIM_DUE = (
    "UPDATE reminders SET state = ?1, lease_until = ?2, worker = ?3 WHERE id IN ("  # noqa: S608
    " SELECT id FROM ("
    "  SELECT * FROM (SELECT id, next_attempt_at FROM reminders"
    "   WHERE state = ?4 AND next_attempt_at <= ?5 ORDER BY next_attempt_at, id LIMIT ?6)"
    "  UNION ALL"
    "  SELECT * FROM (SELECT id, next_attempt_at FROM reminders"
    "   WHERE state = ?1 AND lease_until <= ?5 ORDER BY next_attempt_at, id LIMIT ?6)"
    " ) ORDER BY next_attempt_at, id LIMIT ?6"
    f") RETURNING {_REMINDER_COLUMNS}"
)
# Index ranges only (tests read their query plans): what is open, what is old enough to go.
OPEN_COUNTS = "SELECT state, count(*) FROM reminders WHERE state IN (?, ?) GROUP BY state"
PRUNE_REMINDERS = (
    "DELETE FROM reminders WHERE rowid IN (SELECT rowid FROM reminders "  # noqa: S608
    f"WHERE state IN ({', '.join('?' * len(_FINAL))}) AND next_attempt_at < ? AND ends_at < ? "
    "LIMIT ?)"
)
PRUNE_MEETINGS = (
    "DELETE FROM meetings WHERE rowid IN (SELECT rowid FROM meetings WHERE ends_at < ? LIMIT ?)"
)


def sqlite_path(database_url: str) -> Path:
    """`sqlite:///relative.db`, `sqlite:////abs/path.db` -> a filesystem path."""
    if not database_url.startswith("sqlite:///"):
        raise ValueError("not a sqlite:/// URL")
    return Path(database_url.removeprefix("sqlite:///"))


def _us(moment: datetime) -> int:
    return (_utc(moment) - _EPOCH) // _MICRO


def _dt(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _opt_dt(micros: int | None) -> datetime | None:
    return None if micros is None else _dt(micros)


def _reminder(row: sqlite3.Row) -> Reminder:
    return reminder_from(row, _dt)


def _watch(row: sqlite3.Row) -> Watch:
    return watch_from(row, _dt)


def _meeting(row: sqlite3.Row) -> MeetingRecord:
    return meeting_from(row, _dt)


def _by_due(reminders: Iterable[Reminder]) -> list[Reminder]:
    return sorted(reminders, key=lambda r: (r.next_attempt_at, r.id))


class SqliteStore(Store):
    engine = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: timedelta = timedelta(seconds=5),
        timeout: float = DEFAULT_STORE_TIMEOUT_S,
    ) -> None:
        super().__init__()
        self._path = path
        self._busy_timeout = busy_timeout
        self._timeout = timeout
        self._worker: SqliteWorker | None = None
        self._closed_stats = SqliteStats()

    @property
    def path(self) -> Path:
        return self._path

    @property
    def stats(self) -> SqliteStats:
        """Operations, batches and commits of the store's thread (its last, once closed)."""
        return self._closed_stats if self._worker is None else self._worker.stats

    # --- the thread, schema --------------------------------------------------------------------

    async def open(self) -> None:
        if self._worker is not None:
            return
        busy_s = self._busy_timeout.total_seconds()
        worker = SqliteWorker(lambda: _connect(self._path, busy_s), busy_timeout_s=busy_s)
        await worker.start()
        self._worker = worker

    async def close(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            await worker.stop()
            self._closed_stats = worker.stats

    async def schema_version(self) -> int:
        """The last migration step applied to the file (0 before `open()` created any)."""
        return await self._read(_schema_version)

    async def _run(self, work: Operation[T], *, writes: bool) -> T:
        if self._worker is None:
            raise RuntimeError("SqliteStore.open() was not awaited")
        try:
            async with asyncio.timeout(self._timeout):
                return await self._worker.run(work, writes=writes)
        except TimeoutError as error:
            raise StoreUnavailable(f"SQLite: no answer within {self._timeout:g} s") from error

    async def _read(self, work: Operation[T]) -> T:
        return await self._run(work, writes=False)

    async def _fetchall(self, query: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return await self._read(lambda db: _fetchall(db, query, params))

    async def _fetchone(self, query: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = await self._fetchall(query, params)
        return rows[0] if rows else None

    async def _write(self, query: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """One statement in a write transaction (its RETURNING rows, if any)."""
        return await self._run(lambda db: _fetchall(db, query, params), writes=True)

    # --- botbuilder Storage -------------------------------------------------------------------

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        marks = ",".join("?" for _ in keys)
        query = f"SELECT key, value, etag FROM bot_state WHERE key IN ({marks})"  # noqa: S608
        rows = await self._fetchall(query, list(keys))
        return {str(key): _restore(str(value), int(etag)) for key, value, etag in rows}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        values = list(changes.values())
        # Serialized here, not in the thread: the values are the caller's live objects.
        items = [(key, _flatten(value), _etag_of(value)) for key, value in changes.items()]
        etags = await self._run(lambda db: [_write_one(db, *item) for item in items], writes=True)
        for value, etag in zip(values, etags, strict=True):  # current once committed
            _set_etag(value, str(etag))

    async def delete(self, keys: list[str]) -> None:
        if not keys:
            return
        pairs = [(key,) for key in keys]

        def delete(db: sqlite3.Connection) -> None:
            db.executemany("DELETE FROM bot_state WHERE key = ?", pairs)

        await self._run(delete, writes=True)

    # --- conversation references ------------------------------------------------------------

    async def save_reference(
        self, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        await self._write(
            "INSERT INTO conversations (conversation_id, reference, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (conversation_id) DO UPDATE SET "
            "reference = excluded.reference, updated_at = excluded.updated_at",
            (conversation_id, json.dumps(reference), _us(now)),
        )

    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None:
        row = await self._fetchone(
            "SELECT reference FROM conversations WHERE conversation_id = ?", (conversation_id,)
        )
        if row is None:
            return None
        reference: dict[str, Any] = json.loads(row["reference"])
        return reference

    async def get_references(self, conversation_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(conversation_ids))
        if not wanted:
            return {}
        rows = await self._fetchall(
            "SELECT conversation_id, reference FROM conversations"
            " WHERE conversation_id IN (SELECT value FROM json_each(?))",
            (json.dumps(wanted),),
        )
        return {row["conversation_id"]: json.loads(row["reference"]) for row in rows}

    async def drop_reference(self, conversation_id: str) -> None:
        await self._write("DELETE FROM conversations WHERE conversation_id = ?", (conversation_id,))

    # --- meetings -----------------------------------------------------------------------------

    async def record_meeting(self, meeting: MeetingRecord) -> None:
        params = _meeting_params(meeting)
        await self._run(lambda db: _insert_meeting(db, params), writes=True)

    async def get_meeting(self, user_id: str, meeting_id: str) -> MeetingRecord | None:
        row = await self._fetchone(
            f"SELECT {_MEETING_COLUMNS} FROM meetings "  # noqa: S608
            "WHERE user_id = ? AND meeting_id = ?",
            (user_id, meeting_id),
        )
        return None if row is None else _meeting(row)

    # --- reminders ----------------------------------------------------------------------------

    async def add_reminder(self, reminder: Reminder) -> Reminder:
        params = _reminder_params(reminder)
        return await self._run(lambda db: _insert_reminder(db, params), writes=True)

    async def add_meeting(
        self, meeting: MeetingRecord, reminder: Reminder, *, settles: str | None = None
    ) -> Reminder:
        meeting_params, reminder_params = _meeting_params(meeting), _reminder_params(reminder)

        def both(db: sqlite3.Connection) -> Reminder:
            _insert_meeting(db, meeting_params)
            stored = _insert_reminder(db, reminder_params)
            if settles is not None:
                db.execute(_DROP_PENDING, (settles,))
            return stored

        return await self._run(both, writes=True)

    async def get_reminder(self, reminder_id: str) -> Reminder | None:
        row = await self._fetchone(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE id = ?",  # noqa: S608
            (reminder_id,),
        )
        return None if row is None else _reminder(row)

    async def get_reminder_by_key(self, key: str) -> Reminder | None:
        row = await self._fetchone(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE key = ?",  # noqa: S608
            (key,),
        )
        return None if row is None else _reminder(row)

    async def open_reminders(self, user_id: str, *, limit: int = 20) -> list[Reminder]:
        rows = await self._fetchall(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders "  # noqa: S608
            "WHERE user_id = ? AND state IN (?, ?) ORDER BY next_attempt_at, id LIMIT ?",
            (user_id, *_OPEN, limit),
        )
        return [_reminder(row) for row in rows]

    async def cancel_reminder(self, reminder_id: str, user_id: str) -> bool:
        rows = await self._write(
            "UPDATE reminders SET state = ?, lease_until = NULL, worker = NULL "
            "WHERE id = ? AND user_id = ? AND state = ? RETURNING id",
            (ReminderState.CANCELLED.value, reminder_id, user_id, ReminderState.PENDING.value),
        )
        return bool(rows)

    async def set_reminder_lead(
        self, reminder_id: str, user_id: str, lead: timedelta
    ) -> Reminder | None:
        seconds = _seconds(lead)
        rows = await self._write(
            "UPDATE reminders SET lead_seconds = ?, next_attempt_at = starts_at - ? * 1000000, "  # noqa: S608
            "state = ?, attempts = 0, lease_until = NULL, worker = NULL, detail = NULL "
            "WHERE id = ? AND user_id = ? AND state IN (?, ?) "
            f"RETURNING {_REMINDER_COLUMNS}",
            (
                seconds,
                seconds,
                ReminderState.PENDING.value,
                reminder_id,
                user_id,
                ReminderState.PENDING.value,
                ReminderState.CANCELLED.value,
            ),
        )
        return _reminder(rows[0]) if rows else None

    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, worker: str
    ) -> list[Reminder]:
        if limit <= 0:
            return []
        rows = await self._write(
            CLAIM_DUE,
            (
                ReminderState.SENDING.value,
                _us(now + lease),
                worker,
                ReminderState.PENDING.value,
                _us(now),
                limit,
            ),
        )
        return _by_due(_reminder(row) for row in rows)

    async def next_attempt_at(self) -> datetime | None:
        row = await self._fetchone(
            "SELECT min(t) FROM ("
            " SELECT min(next_attempt_at) AS t FROM reminders WHERE state = ?"
            " UNION ALL SELECT min(lease_until) FROM reminders WHERE state = ?)",
            (ReminderState.PENDING.value, ReminderState.SENDING.value),
        )
        return None if row is None else _opt_dt(row[0])

    async def mark_sent(
        self, reminder_id: str, *, activity_id: str | None, successor: Reminder | None = None
    ) -> None:
        await self.mark_sent_many([SentMark(reminder_id, activity_id, successor)])

    async def mark_sent_many(self, marks: Sequence[SentMark]) -> None:
        if not marks:
            return
        settled = [
            (
                (ReminderState.SENT.value, mark.activity_id, mark.reminder_id, *_OPEN),
                None if mark.successor is None else _reminder_params(mark.successor),
            )
            for mark in marks
        ]

        def settle(db: sqlite3.Connection) -> None:
            for params, added in settled:
                closed = db.execute(_MARK_SENT, params).rowcount
                if closed and added is not None:
                    _insert_reminder(db, added)

        await self._run(settle, writes=True)

    async def _settle(
        self, update: str, params: tuple[Any, ...], successor: Reminder | None
    ) -> None:
        """A final state, and the successor added in the same transaction when the update
        closed an open reminder (one already closed, by a user's cancel or another instance,
        has handed on already or must not)."""
        added = None if successor is None else _reminder_params(successor)

        def settle(db: sqlite3.Connection) -> None:
            closed = db.execute(update, params).rowcount
            if closed and added is not None:
                _insert_reminder(db, added)

        await self._run(settle, writes=True)

    async def release(self, reminder_id: str, *, retry_at: datetime, failed: bool) -> None:
        await self._write(
            "UPDATE reminders SET state = ?, next_attempt_at = ?, attempts = attempts + ?, "
            "lease_until = NULL, worker = NULL WHERE id = ? AND state = ?",
            (
                ReminderState.PENDING.value,
                _us(retry_at),
                1 if failed else 0,
                reminder_id,
                ReminderState.SENDING.value,
            ),
        )

    async def reschedule(
        self,
        reminder_id: str,
        *,
        subject: str,
        starts_at: datetime,
        ends_at: datetime,
        next_attempt_at: datetime | None = None,
        event_id: str | None = None,
    ) -> Reminder | None:
        start = _us(starts_at)
        attempt = None if next_attempt_at is None else _us(next_attempt_at)
        rows = await self._write(
            "UPDATE reminders SET event_id = COALESCE(?, event_id), "  # noqa: S608
            "subject = ?, starts_at = ?, ends_at = ?, "
            "next_attempt_at = COALESCE(?, ? - lead_seconds * 1000000), state = ?, "
            "attempts = 0, lease_until = NULL, worker = NULL WHERE id = ? AND state IN (?, ?) "
            f"RETURNING {_REMINDER_COLUMNS}",
            (
                event_id,
                subject,
                start,
                _us(ends_at),
                attempt,
                start,
                ReminderState.PENDING.value,
                reminder_id,
                *_OPEN,
            ),
        )
        return _reminder(rows[0]) if rows else None

    async def finish(
        self,
        reminder_id: str,
        state: ReminderState,
        *,
        detail: str,
        successor: Reminder | None = None,
    ) -> None:
        state = ReminderState(state)
        if state.is_open:
            raise ValueError(f"finish() records a final state, not {state.value}")
        update = (
            "UPDATE reminders SET state = ?, detail = ?, lease_until = NULL "
            "WHERE id = ? AND state IN (?, ?)"
        )
        await self._settle(update, (state.value, detail, reminder_id, *_OPEN), successor)

    async def reminder_counts(self) -> dict[ReminderState, int]:
        rows = await self._fetchall("SELECT state, count(*) FROM reminders GROUP BY state")
        return {ReminderState(state): int(count) for state, count in rows}

    async def open_reminder_counts(self) -> dict[ReminderState, int]:
        rows = await self._fetchall(OPEN_COUNTS, _OPEN)
        return {ReminderState(state): int(count) for state, count in rows}

    # --- retention ----------------------------------------------------------------------------

    async def prune(self, before: datetime, *, limit: int) -> int:
        cutoff = _us(before)

        def both(db: sqlite3.Connection) -> int:
            reminders = db.execute(PRUNE_REMINDERS, (*_FINAL, cutoff, cutoff, limit)).rowcount
            meetings = db.execute(PRUNE_MEETINGS, (cutoff, limit)).rowcount
            return int(reminders) + int(meetings)

        return await self._run(both, writes=True)

    # --- pending creates ------------------------------------------------------------------------

    async def add_pending_create(self, pending: PendingCreate) -> None:
        await self._write(
            f"INSERT INTO pending_creates ({_PENDING_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (transaction_id) DO NOTHING",
            (
                pending.transaction_id,
                pending.user_id,
                pending.conversation_id,
                pending.subject,
                _us(pending.starts_at),
                _us(pending.ends_at),
                json.dumps(list(pending.attendees)),
                None if pending.lead is None else _seconds(pending.lead),
                pending.zone,
                pending.locale,
                _us(pending.next_attempt_at),
                pending.attempts,
                int(pending.find_only),
                pending.request,
            ),
        )

    async def doubt_pending_create(self, transaction_id: str) -> None:
        await self._write(
            "UPDATE pending_creates SET find_only = 1 WHERE transaction_id = ?", (transaction_id,)
        )

    async def drop_pending_create(self, transaction_id: str) -> None:
        await self._write(_DROP_PENDING, (transaction_id,))

    async def claim_pending_creates(
        self, now: datetime, *, limit: int, lease: timedelta
    ) -> list[PendingCreate]:
        if limit <= 0:
            return []
        rows = await self._write(
            "UPDATE pending_creates SET next_attempt_at = ?, attempts = attempts + 1 "  # noqa: S608
            "WHERE transaction_id IN (SELECT transaction_id FROM pending_creates"
            " WHERE next_attempt_at <= ? ORDER BY next_attempt_at, transaction_id LIMIT ?)"
            f" RETURNING {_PENDING_COLUMNS}",
            (_us(now + lease), _us(now), limit),
        )
        claimed = (pending_from(row, _dt) for row in rows)
        return sorted(claimed, key=lambda p: (p.starts_at, p.transaction_id))

    async def next_pending_create_at(self) -> datetime | None:
        row = await self._fetchone("SELECT min(next_attempt_at) FROM pending_creates")
        return None if row is None else _opt_dt(row[0])

    # --- calendar watches ---------------------------------------------------------------------

    async def set_watch(self, watch: Watch) -> None:
        await self._write(
            f"INSERT OR REPLACE INTO watches ({_WATCH_COLUMNS}) "  # noqa: S608
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                watch.user_id,
                watch.conversation_id,
                watch.zone,
                watch.locale,
                _seconds(watch.lead),
                _us(watch.next_scan_at),
            ),
        )

    async def get_watch(self, user_id: str) -> Watch | None:
        row = await self._fetchone(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE user_id = ?",  # noqa: S608
            (user_id,),
        )
        return None if row is None else _watch(row)

    async def stop_watch(self, user_id: str) -> bool:
        rows = await self._write(
            "DELETE FROM watches WHERE user_id = ? RETURNING user_id", (user_id,)
        )
        return bool(rows)

    async def claim_watches(self, now: datetime, *, limit: int, interval: timedelta) -> list[Watch]:
        if limit <= 0:
            return []
        rows = await self._write(
            "UPDATE watches SET next_scan_at = ? WHERE user_id IN ("  # noqa: S608
            " SELECT user_id FROM watches WHERE next_scan_at <= ?"
            " ORDER BY next_scan_at, user_id LIMIT ?"
            f") RETURNING {_WATCH_COLUMNS}",
            (_us(now + interval), _us(now), limit),
        )
        return sorted((_watch(row) for row in rows), key=lambda w: w.user_id)

    async def next_watch_scan_at(self) -> datetime | None:
        row = await self._fetchone("SELECT min(next_scan_at) FROM watches")
        return None if row is None else _opt_dt(row[0])

    # --- send budgets -------------------------------------------------------------------------

    async def take_budgets(self, costs: Mapping[str, int], *, now: int) -> dict[str, int]:
        if not costs:
            return {}
        wanted = sorted(costs.items())

        def take(db: sqlite3.Connection) -> dict[str, int]:
            return {
                key: int(db.execute(_TAKE_BUDGET, (key, now, cost)).fetchone()[0]) - cost
                for key, cost in wanted
            }

        return await self._run(take, writes=True)

    async def return_budgets(self, costs: Mapping[str, int], *, now: int) -> None:
        if costs:
            given = [(key, now, cost) for key, cost in sorted(costs.items())]
            await self._run(lambda db: _executemany(db, _RETURN_BUDGET, given), writes=True)

    async def hold_budgets(self, until: Mapping[str, int]) -> None:
        if until:
            held = sorted(until.items())
            await self._run(lambda db: _executemany(db, _HOLD_BUDGET, held), writes=True)

    async def forget_budgets(self, *, before: int) -> int:
        rows = await self._write(
            "DELETE FROM send_budgets WHERE free_at < ? RETURNING key", (before,)
        )
        return len(rows)


def _connect(path: Path, busy_s: float) -> sqlite3.Connection:
    """The store's connection, in WAL mode, migrated (run in the store's thread)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)  # we BEGIN and COMMIT ourselves
    try:
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout={int(busy_s * 1000)}")
        insist(db, "PRAGMA journal_mode=WAL", timeout_s=busy_s)
        db.execute("PRAGMA synchronous=FULL")  # the default, said out loud: see the docstring
        _migrate(db, busy_s)
    except BaseException:
        db.close()
        raise
    return db


def _migrate(db: sqlite3.Connection, busy_s: float) -> None:
    insist(db, "BEGIN IMMEDIATE", timeout_s=busy_s)
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        # A write that changes nothing: a read-only file fails here, at start-up, rather than
        # at the first reminder round (an up-to-date schema writes nothing below).
        db.execute("DELETE FROM schema_version WHERE 0")
        current = _schema_version(db)
        now = _us(datetime.now(UTC))
        for version, steps in enumerate(MIGRATIONS, start=1):
            if version <= current:
                continue
            for statement in steps:
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_version (version, applied_at) VALUES (?, ?)", (version, now)
            )
        insist(db, "COMMIT", timeout_s=busy_s)
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _fetchall(db: sqlite3.Connection, query: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    return db.execute(query, params).fetchall()


def _executemany(db: sqlite3.Connection, query: str, rows: Sequence[Sequence[Any]]) -> None:
    db.executemany(query, rows)


def _schema_version(db: sqlite3.Connection) -> int:
    exists = _fetchall(
        db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
    )
    if not exists:
        return 0
    return int(_fetchall(db, "SELECT coalesce(max(version), 0) FROM schema_version")[0][0])


def _write_one(db: sqlite3.Connection, key: str, text: str, expected: str | None) -> int:
    """Check the eTag and write one value inside the caller's transaction; the new eTag."""
    rows = _fetchall(db, "SELECT etag FROM bot_state WHERE key = ?", (key,))
    current = int(rows[0][0]) if rows else None
    if _conflict(expected, current):
        raise EtagConflict(f"eTag conflict for {key}: read {expected}, stored {current}")
    new_etag = (current or 0) + 1
    db.execute(
        "INSERT INTO bot_state (key, value, etag) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value, etag = excluded.etag",
        (key, text, new_etag),
    )
    return new_etag


def _meeting_params(meeting: MeetingRecord) -> tuple[Any, ...]:
    return (
        meeting.meeting_id,
        meeting.kind,
        meeting.user_id,
        meeting.conversation_id,
        meeting.subject,
        _us(meeting.starts_at),
        _us(meeting.ends_at),
        meeting.join_url,
        _us(meeting.created_at),
    )


def _insert_meeting(db: sqlite3.Connection, params: tuple[Any, ...]) -> None:
    db.execute(
        f"INSERT OR REPLACE INTO meetings ({_MEETING_COLUMNS}) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params,
    )


def _reminder_params(r: Reminder) -> tuple[Any, ...]:
    return (
        r.id,
        r.key,
        r.user_id,
        r.conversation_id,
        r.event_id,
        r.subject,
        _us(r.starts_at),
        _us(r.ends_at),
        _seconds(r.lead),
        r.zone,
        r.locale,
        r.source,
        _us(r.next_attempt_at),
        ReminderState(r.state).value,
        r.attempts,
        None if r.lease_until is None else _us(r.lease_until),
        r.activity_id,
        r.detail,
        r.series_id,
    )


def _insert_reminder(db: sqlite3.Connection, params: tuple[Any, ...]) -> Reminder:
    """Insert unless the key exists (params[1]); the stored reminder either way. The new row
    comes back from the INSERT itself; only a repeat (a redelivered activity) reads the old."""
    inserted = _fetchall(
        db,
        f"INSERT INTO reminders ({_REMINDER_COLUMNS}) "  # noqa: S608
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        f"ON CONFLICT (key) DO NOTHING RETURNING {_REMINDER_COLUMNS}",
        params,
    )
    if inserted:
        return _reminder(inserted[0])
    query = f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE key = ?"  # noqa: S608
    rows = _fetchall(db, query, (params[1],))
    return _reminder(rows[0])
