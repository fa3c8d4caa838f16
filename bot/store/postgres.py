"""`Store` on PostgreSQL (`DATABASE_URL=postgresql://...`), through an asyncpg pool.

Several bot instances may share the database:

- `open()` migrates under `pg_advisory_xact_lock`, so instances starting together take turns;
- claims (`claim_due`, `claim_watches`) lock their rows with `FOR UPDATE SKIP LOCKED`, so two
  workers never get the same row and never wait for each other;
- botbuilder state keeps eTag concurrency: the stored eTag is read `FOR UPDATE` and checked in
  the transaction that writes, and a batch is written entirely or not at all.

Bot state values are text (jsonpickle JSON, exactly as in `SqliteStore`); datetimes are
`timestamptz` (microseconds, returned in UTC); leads are integer seconds; conversation
references are `jsonb`.

Every call after `open()` is bounded by `timeout` (`STORE_TIMEOUT_SECONDS`): the pool acquire,
the statements and the release together (`_BoundedPool`, which `_db()` hands out). A server
that does not answer (down, unreachable, its processes stopped) or a lost connection becomes
`StoreUnavailable` (`bot.store.errors`); asyncpg's own wait for a connection is unbounded, and
a statement on a stopped server waits forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg

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

__all__ = ["PostgresStore"]

# pg_advisory_xact_lock key of the migrations: "Meetbot" in ASCII, any constant would do.
MIGRATION_LOCK = 0x4D656574626F74

_PENDING = ReminderState.PENDING.value
_SENDING = ReminderState.SENDING.value
_OPEN = [_PENDING, _SENDING]
_MARK_SENT_MANY = (
    "UPDATE reminders SET state = $1, activity_id = sent.activity_id, lease_until = NULL"
    " FROM unnest($2::text[], $3::text[]) AS sent(id, activity_id)"
    " WHERE reminders.id = sent.id AND reminders.state = ANY($4::text[])"
)
_FINAL = [state.value for state in ReminderState if not state.is_open]

# Each step runs once, in order, in the transaction of `open()` that holds MIGRATION_LOCK; its
# number is recorded in `schema_version`. Never edit a released step: append a new one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS bot_state (
        key   text PRIMARY KEY,
        value text NOT NULL,
        etag  bigint NOT NULL
    );
    """,
    """
    CREATE TABLE conversations (
        conversation_id text PRIMARY KEY,
        reference       jsonb NOT NULL,
        updated_at      timestamptz NOT NULL
    );
    CREATE TABLE meetings (
        user_id         text NOT NULL,
        meeting_id      text NOT NULL,
        kind            text NOT NULL,
        conversation_id text NOT NULL,
        subject         text NOT NULL,
        starts_at       timestamptz NOT NULL,
        ends_at         timestamptz NOT NULL,
        join_url        text,
        created_at      timestamptz NOT NULL,
        PRIMARY KEY (user_id, meeting_id)
    );
    CREATE TABLE reminders (
        id              text PRIMARY KEY,
        key             text NOT NULL,
        user_id         text NOT NULL,
        conversation_id text NOT NULL,
        event_id        text NOT NULL,
        subject         text NOT NULL,
        starts_at       timestamptz NOT NULL,
        ends_at         timestamptz NOT NULL,
        lead_seconds    bigint NOT NULL,
        zone            text NOT NULL,
        locale          text,
        source          text NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        state           text NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        lease_until     timestamptz,
        worker          text,
        activity_id     text,
        detail          text
    );
    CREATE UNIQUE INDEX reminders_key ON reminders (key);
    CREATE INDEX reminders_due ON reminders (state, next_attempt_at);
    CREATE INDEX reminders_user ON reminders (user_id, state);
    CREATE TABLE watches (
        user_id         text PRIMARY KEY,
        conversation_id text NOT NULL,
        zone            text NOT NULL,
        locale          text,
        lead_seconds    bigint NOT NULL,
        next_scan_at    timestamptz NOT NULL
    );
    CREATE INDEX watches_next_scan ON watches (next_scan_at);
    """,
    # Retention (`prune`) finds meetings that ended long ago without reading the table.
    "CREATE INDEX meetings_ends ON meetings (ends_at);",
    # A `meet` between its Graph create and its reminder write (`PendingCreate`).
    """
    CREATE TABLE pending_creates (
        transaction_id  text PRIMARY KEY,
        user_id         text NOT NULL,
        conversation_id text NOT NULL,
        subject         text NOT NULL,
        starts_at       timestamptz NOT NULL,
        ends_at         timestamptz NOT NULL,
        attendees       text NOT NULL,
        lead_seconds    bigint,
        zone            text NOT NULL,
        locale          text,
        next_attempt_at timestamptz NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        find_only       boolean NOT NULL DEFAULT false
    );
    CREATE INDEX pending_creates_due ON pending_creates (next_attempt_at);
    """,
    # The create's whole Graph body (`PendingCreate.request`): places, room, agenda, repeat.
    "ALTER TABLE pending_creates ADD COLUMN request text;",
    # The series master of a recurring meeting's reminder (`Reminder.series_id`).
    "ALTER TABLE reminders ADD COLUMN series_id text;",
    # Send budgets every instance shares (`SendBudgetStore`): microseconds since the epoch.
    "CREATE TABLE send_budgets (key text PRIMARY KEY, free_at bigint NOT NULL);",
    # The claim's order in the due index, so a claim reads its few rows in order (claim_due).
    """
    DROP INDEX reminders_due;
    CREATE INDEX reminders_due ON reminders (state, next_attempt_at, id);
    """,
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


# Budgets: one row per key, written in key order so that two instances taking the same keys
# lock them in the same order (no deadlock). $1 keys, $2 costs or times, $3 now.
_WANTED = "SELECT key, cost FROM unnest($1::text[], $2::bigint[]) AS wanted(key, cost)"
_TAKE_BUDGETS = (
    "INSERT INTO send_budgets AS b (key, free_at)"  # noqa: S608
    f" SELECT key, $3::bigint + cost FROM ({_WANTED}) AS w ORDER BY key"
    " ON CONFLICT (key) DO UPDATE"
    " SET free_at = greatest(b.free_at, $3::bigint) + (excluded.free_at - $3::bigint)"
    " RETURNING key, free_at"
)
_HOLD_BUDGETS = (
    "INSERT INTO send_budgets AS b (key, free_at)"  # noqa: S608
    f" SELECT key, cost FROM ({_WANTED}) AS w ORDER BY key"
    " ON CONFLICT (key) DO UPDATE SET free_at = greatest(b.free_at, excluded.free_at)"
)
_RETURN_BUDGETS = (  # (an unknown key is written as already past: free)
    "INSERT INTO send_budgets AS b (key, free_at)"  # noqa: S608
    f" SELECT key, $3::bigint - cost FROM ({_WANTED}) AS w ORDER BY key"
    " ON CONFLICT (key) DO UPDATE"
    " SET free_at = greatest($3::bigint, b.free_at + (excluded.free_at - $3::bigint))"
)


# The first $4 due ($1 before $3, or $2 with a lease run out by $3), in due order, claimed for
# worker $6 until $5. Each kind is read on its own, the first rows of an index range in order,
# and the two short lists merged: as one OR, every due row (the whole backlog) is read and
# sorted for each claim of a few. Rows locked but not chosen are left as they were,
# free again when the statement ends.
CLAIM_DUE = (
    "WITH pending AS MATERIALIZED ("  # noqa: S608
    " SELECT id, next_attempt_at FROM reminders WHERE state = $1 AND next_attempt_at <= $3"
    " ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED"
    "), lapsed AS MATERIALIZED ("
    " SELECT id, next_attempt_at FROM reminders WHERE state = $2 AND lease_until <= $3"
    " ORDER BY next_attempt_at, id LIMIT $4 FOR UPDATE SKIP LOCKED"
    "), chosen AS ("
    " SELECT id FROM (SELECT * FROM pending UNION ALL SELECT * FROM lapsed) AS due"
    " ORDER BY next_attempt_at, id LIMIT $4"
    ") UPDATE reminders SET state = $2, lease_until = $5, worker = $6"
    " WHERE id IN (SELECT id FROM chosen)"
    f" RETURNING {_REMINDER_COLUMNS}"
)


_INSERT_MEETING = (
    f"INSERT INTO meetings ({_MEETING_COLUMNS}) "  # noqa: S608
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (user_id, meeting_id) DO UPDATE SET kind = excluded.kind, "
    "conversation_id = excluded.conversation_id, subject = excluded.subject, "
    "starts_at = excluded.starts_at, ends_at = excluded.ends_at, "
    "join_url = excluded.join_url, created_at = excluded.created_at"
)


# The meeting ($1-$9), then its reminder ($10-$28, key $11) unless the key exists, and the
# pending create it settles ($29, NULL for none) deleted; the stored reminder either way. A
# data-modifying WITH runs exactly once whether or not it is read, and the outer SELECT sees
# the table as it was when the statement began, hence the UNION.
_ADD_MEETING = (
    f"WITH meeting AS ({_INSERT_MEETING}),"  # noqa: S608
    " settled AS (DELETE FROM pending_creates WHERE transaction_id = $29::text), added AS ("
    f" INSERT INTO reminders ({_REMINDER_COLUMNS})"
    " VALUES ($10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25,"
    f" $26, $27, $28) ON CONFLICT (key) DO NOTHING RETURNING {_REMINDER_COLUMNS}"
    f") SELECT {_REMINDER_COLUMNS} FROM added"
    f" UNION ALL SELECT {_REMINDER_COLUMNS} FROM reminders"
    " WHERE key = $11 AND NOT EXISTS (SELECT 1 FROM added)"
)


def _deleted(status: str) -> int:
    """The row count of asyncpg's command status ("DELETE 12")."""
    return int(status.rsplit(" ", 1)[-1])


def _opt_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _reminder(row: Any) -> Reminder:
    return reminder_from(row, _utc)


def _watch(row: Any) -> Watch:
    return watch_from(row, _utc)


def _meeting(row: Any) -> MeetingRecord:
    return meeting_from(row, _utc)


def _by_due(reminders: Iterable[Reminder]) -> list[Reminder]:
    return sorted(reminders, key=lambda r: (r.next_attempt_at, r.id))


class PostgresStore(Store):
    engine = "postgresql"

    def __init__(
        self, dsn: str, *, max_size: int = 10, timeout: float = DEFAULT_STORE_TIMEOUT_S
    ) -> None:
        """`timeout`: seconds one store call may take, connection included (see above)."""
        super().__init__()
        self._dsn = dsn
        self._max_size = max_size
        self._timeout = timeout
        self._pool: Any = None  # asyncpg.Pool
        self._bounded: _BoundedPool | None = None

    # --- connection, schema -------------------------------------------------------------------

    async def open(self) -> None:
        if self._pool is not None:
            return
        pool = await asyncpg.create_pool(self._dsn, min_size=1, max_size=self._max_size)
        try:
            await _migrate(pool)
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool
        self._bounded = _BoundedPool(pool, self._timeout)

    async def close(self) -> None:
        pool, self._pool, self._bounded = self._pool, None, None
        if pool is not None:
            try:
                await asyncio.wait_for(pool.close(), self._timeout)
            except TimeoutError:  # a connection the server does not answer on: let it go
                pool.terminate()

    async def schema_version(self) -> int:
        """The last migration step applied to the database."""
        async with self._db().acquire() as conn:
            return await _schema_version(conn)

    def _db(self) -> _BoundedPool:
        if self._bounded is None:
            raise RuntimeError("PostgresStore.open() was not awaited")
        return self._bounded

    async def _fetch(self, query: str, *args: Any) -> list[Any]:
        return list(await self._db().fetch(query, *args))

    async def _fetchrow(self, query: str, *args: Any) -> Any:
        return await self._db().fetchrow(query, *args)

    # --- botbuilder Storage -------------------------------------------------------------------

    async def read(self, keys: list[str]) -> dict[str, Any]:
        if not keys:
            return {}
        rows = await self._fetch(
            "SELECT key, value, etag FROM bot_state WHERE key = ANY($1::text[])", list(keys)
        )
        return {str(r["key"]): _restore(str(r["value"]), int(r["etag"])) for r in rows}

    async def write(self, changes: dict[str, Any]) -> None:
        if changes is None:
            raise ValueError("changes are required when writing")
        if not changes:
            return
        written: list[tuple[Any, int]] = []
        async with self._db().acquire() as conn, conn.transaction():
            for key in sorted(changes):  # one lock order for every writer: no deadlocks
                value = changes[key]
                written.append((value, await _write_one(conn, key, value)))
        for value, etag in written:  # the caller's copies are current once committed
            _set_etag(value, str(etag))

    async def delete(self, keys: list[str]) -> None:
        if keys:
            await self._db().execute(
                "DELETE FROM bot_state WHERE key = ANY($1::text[])", list(keys)
            )

    # --- conversation references ------------------------------------------------------------

    async def save_reference(
        self, conversation_id: str, reference: dict[str, Any], *, now: datetime
    ) -> None:
        await self._db().execute(
            "INSERT INTO conversations (conversation_id, reference, updated_at) "
            "VALUES ($1, $2::jsonb, $3) ON CONFLICT (conversation_id) DO UPDATE SET "
            "reference = excluded.reference, updated_at = excluded.updated_at",
            conversation_id,
            json.dumps(reference),
            _utc(now),
        )

    async def get_reference(self, conversation_id: str) -> dict[str, Any] | None:
        text = await self._db().fetchval(
            "SELECT reference::text FROM conversations WHERE conversation_id = $1",
            conversation_id,
        )
        if text is None:
            return None
        reference: dict[str, Any] = json.loads(text)
        return reference

    async def get_references(self, conversation_ids: Collection[str]) -> dict[str, dict[str, Any]]:
        wanted = sorted(set(conversation_ids))
        if not wanted:
            return {}
        rows = await self._fetch(
            "SELECT conversation_id, reference::text AS reference FROM conversations"
            " WHERE conversation_id = ANY($1::text[])",
            wanted,
        )
        return {str(row["conversation_id"]): json.loads(row["reference"]) for row in rows}

    async def drop_reference(self, conversation_id: str) -> None:
        await self._db().execute(
            "DELETE FROM conversations WHERE conversation_id = $1", conversation_id
        )

    # --- meetings -----------------------------------------------------------------------------

    async def record_meeting(self, meeting: MeetingRecord) -> None:
        await self._db().execute(_INSERT_MEETING, *_meeting_params(meeting))

    async def add_meeting(
        self, meeting: MeetingRecord, reminder: Reminder, *, settles: str | None = None
    ) -> Reminder:
        # One statement, so one implicit transaction and one round trip: all rows or none.
        row = await self._fetchrow(
            _ADD_MEETING, *_meeting_params(meeting), *_reminder_params(reminder), settles
        )
        if row is None:
            # The key was inserted concurrently, after this statement's snapshot was taken (its
            # DO NOTHING waited for it): a new statement sees the row that won.
            row = await self._fetchrow(
                f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE key = $1",  # noqa: S608
                reminder.key,
            )
        return _reminder(row)

    async def get_meeting(self, user_id: str, meeting_id: str) -> MeetingRecord | None:
        row = await self._fetchrow(
            f"SELECT {_MEETING_COLUMNS} FROM meetings "  # noqa: S608
            "WHERE user_id = $1 AND meeting_id = $2",
            user_id,
            meeting_id,
        )
        return None if row is None else _meeting(row)

    # --- reminders ----------------------------------------------------------------------------

    async def add_reminder(self, reminder: Reminder) -> Reminder:
        params = _reminder_params(reminder)
        async with self._db().acquire() as conn:
            return await _insert_reminder(conn, params)

    async def get_reminder(self, reminder_id: str) -> Reminder | None:
        row = await self._fetchrow(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE id = $1",  # noqa: S608
            reminder_id,
        )
        return None if row is None else _reminder(row)

    async def get_reminder_by_key(self, key: str) -> Reminder | None:
        row = await self._fetchrow(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE key = $1",  # noqa: S608
            key,
        )
        return None if row is None else _reminder(row)

    async def open_reminders(self, user_id: str, *, limit: int = 20) -> list[Reminder]:
        rows = await self._fetch(
            f"SELECT {_REMINDER_COLUMNS} FROM reminders "  # noqa: S608
            "WHERE user_id = $1 AND state = ANY($2::text[]) "
            "ORDER BY next_attempt_at, id LIMIT $3",
            user_id,
            _OPEN,
            limit,
        )
        return [_reminder(row) for row in rows]

    async def cancel_reminder(self, reminder_id: str, user_id: str) -> bool:
        rows = await self._fetch(
            "UPDATE reminders SET state = $1, lease_until = NULL, worker = NULL "
            "WHERE id = $2 AND user_id = $3 AND state = $4 RETURNING id",
            ReminderState.CANCELLED.value,
            reminder_id,
            user_id,
            _PENDING,
        )
        return bool(rows)

    async def set_reminder_lead(
        self, reminder_id: str, user_id: str, lead: timedelta
    ) -> Reminder | None:
        row = await self._fetchrow(
            "UPDATE reminders SET lead_seconds = $1::bigint, "  # noqa: S608
            "next_attempt_at = starts_at - $1::bigint * interval '1 second', "
            "state = $2, attempts = 0, lease_until = NULL, worker = NULL, detail = NULL "
            "WHERE id = $3 AND user_id = $4 AND state = ANY($5::text[]) "
            f"RETURNING {_REMINDER_COLUMNS}",
            _seconds(lead),
            _PENDING,
            reminder_id,
            user_id,
            [_PENDING, ReminderState.CANCELLED.value],
        )
        return None if row is None else _reminder(row)

    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, worker: str
    ) -> list[Reminder]:
        if limit <= 0:
            return []
        rows = await self._fetch(
            CLAIM_DUE,
            _PENDING,
            _SENDING,
            _utc(now),
            limit,
            _utc(now + lease),
            worker,
        )
        return _by_due(_reminder(row) for row in rows)

    async def next_attempt_at(self) -> datetime | None:
        moment = await self._db().fetchval(
            "SELECT least("
            " (SELECT min(next_attempt_at) FROM reminders WHERE state = $1),"
            " (SELECT min(lease_until) FROM reminders WHERE state = $2))",
            _PENDING,
            _SENDING,
        )
        return _opt_utc(moment)

    async def mark_sent(
        self, reminder_id: str, *, activity_id: str | None, successor: Reminder | None = None
    ) -> None:
        update = (
            "UPDATE reminders SET state = $1, activity_id = $2, lease_until = NULL "
            "WHERE id = $3 AND state = ANY($4::text[])"
        )
        params = (ReminderState.SENT.value, activity_id, reminder_id, _OPEN)
        await self._settle(update, params, successor)

    async def mark_sent_many(self, marks: Sequence[SentMark]) -> None:
        plain = [mark for mark in marks if mark.successor is None]
        if plain:
            await self._db().execute(
                _MARK_SENT_MANY,
                ReminderState.SENT.value,
                [mark.reminder_id for mark in plain],
                [mark.activity_id for mark in plain],
                _OPEN,
            )
        for mark in marks:  # a series' hand-on: each in its own transaction, as mark_sent
            if mark.successor is not None:
                await self.mark_sent(
                    mark.reminder_id, activity_id=mark.activity_id, successor=mark.successor
                )

    async def _settle(
        self, update: str, params: tuple[Any, ...], successor: Reminder | None
    ) -> None:
        """A final state, and the successor added in the same transaction when the update
        closed an open reminder (one already closed, by a user's cancel or another instance,
        has handed on already or must not)."""
        if successor is None:
            await self._db().execute(update, *params)
            return
        async with self._db().acquire() as connection, connection.transaction():
            if _deleted(await connection.execute(update, *params)):  # "UPDATE 1"
                await _insert_reminder(connection, _reminder_params(successor))

    async def release(self, reminder_id: str, *, retry_at: datetime, failed: bool) -> None:
        await self._db().execute(
            "UPDATE reminders SET state = $1, next_attempt_at = $2, attempts = attempts + $3, "
            "lease_until = NULL, worker = NULL WHERE id = $4 AND state = $5",
            _PENDING,
            _utc(retry_at),
            1 if failed else 0,
            reminder_id,
            _SENDING,
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
        row = await self._fetchrow(
            "UPDATE reminders SET event_id = COALESCE($8::text, event_id), "  # noqa: S608
            "subject = $1, starts_at = $2::timestamptz, ends_at = $3, "
            "next_attempt_at = COALESCE($7::timestamptz, "
            "$2::timestamptz - lead_seconds * interval '1 second'), state = $4, "
            "attempts = 0, lease_until = NULL, worker = NULL "
            "WHERE id = $5 AND state = ANY($6::text[]) "
            f"RETURNING {_REMINDER_COLUMNS}",
            subject,
            _utc(starts_at),
            _utc(ends_at),
            _PENDING,
            reminder_id,
            _OPEN,
            None if next_attempt_at is None else _utc(next_attempt_at),
            event_id,
        )
        return None if row is None else _reminder(row)

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
            "UPDATE reminders SET state = $1, detail = $2, lease_until = NULL "
            "WHERE id = $3 AND state = ANY($4::text[])"
        )
        await self._settle(update, (state.value, detail, reminder_id, _OPEN), successor)

    async def reminder_counts(self) -> dict[ReminderState, int]:
        rows = await self._fetch("SELECT state, count(*) AS n FROM reminders GROUP BY state")
        return {ReminderState(row["state"]): int(row["n"]) for row in rows}

    async def open_reminder_counts(self) -> dict[ReminderState, int]:
        rows = await self._fetch(
            "SELECT state, count(*) AS n FROM reminders WHERE state = ANY($1::text[]) "
            "GROUP BY state",
            _OPEN,
        )
        return {ReminderState(row["state"]): int(row["n"]) for row in rows}

    # --- retention ----------------------------------------------------------------------------

    async def prune(self, before: datetime, *, limit: int) -> int:
        cutoff = _utc(before)
        async with self._db().acquire() as connection, connection.transaction():
            reminders = await connection.execute(
                "DELETE FROM reminders WHERE id IN (SELECT id FROM reminders "
                "WHERE state = ANY($1::text[]) AND next_attempt_at < $2 AND ends_at < $2 "
                "LIMIT $3 FOR UPDATE SKIP LOCKED)",
                _FINAL,
                cutoff,
                limit,
            )
            meetings = await connection.execute(
                "DELETE FROM meetings WHERE (user_id, meeting_id) IN (SELECT user_id, meeting_id "
                "FROM meetings WHERE ends_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                cutoff,
                limit,
            )
        return _deleted(reminders) + _deleted(meetings)

    # --- pending creates ------------------------------------------------------------------------

    async def add_pending_create(self, pending: PendingCreate) -> None:
        await self._db().execute(
            f"INSERT INTO pending_creates ({_PENDING_COLUMNS}) "  # noqa: S608
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
            "ON CONFLICT (transaction_id) DO NOTHING",
            pending.transaction_id,
            pending.user_id,
            pending.conversation_id,
            pending.subject,
            _utc(pending.starts_at),
            _utc(pending.ends_at),
            json.dumps(list(pending.attendees)),
            None if pending.lead is None else _seconds(pending.lead),
            pending.zone,
            pending.locale,
            _utc(pending.next_attempt_at),
            pending.attempts,
            pending.find_only,
            pending.request,
        )

    async def doubt_pending_create(self, transaction_id: str) -> None:
        await self._db().execute(
            "UPDATE pending_creates SET find_only = true WHERE transaction_id = $1", transaction_id
        )

    async def drop_pending_create(self, transaction_id: str) -> None:
        await self._db().execute(
            "DELETE FROM pending_creates WHERE transaction_id = $1", transaction_id
        )

    async def claim_pending_creates(
        self, now: datetime, *, limit: int, lease: timedelta
    ) -> list[PendingCreate]:
        if limit <= 0:
            return []
        rows = await self._fetch(
            "WITH due AS MATERIALIZED ("  # noqa: S608
            " SELECT transaction_id FROM pending_creates WHERE next_attempt_at <= $1"
            " ORDER BY next_attempt_at, transaction_id LIMIT $2 FOR UPDATE SKIP LOCKED"
            ") UPDATE pending_creates SET next_attempt_at = $3, attempts = attempts + 1"
            " WHERE transaction_id IN (SELECT transaction_id FROM due)"
            f" RETURNING {_PENDING_COLUMNS}",
            _utc(now),
            limit,
            _utc(now + lease),
        )
        claimed = (pending_from(row, _utc) for row in rows)
        return sorted(claimed, key=lambda p: (p.starts_at, p.transaction_id))

    async def next_pending_create_at(self) -> datetime | None:
        moment = await self._db().fetchval("SELECT min(next_attempt_at) FROM pending_creates")
        return _opt_utc(moment)

    # --- calendar watches ---------------------------------------------------------------------

    async def set_watch(self, watch: Watch) -> None:
        await self._db().execute(
            f"INSERT INTO watches ({_WATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) "  # noqa: S608
            "ON CONFLICT (user_id) DO UPDATE SET conversation_id = excluded.conversation_id, "
            "zone = excluded.zone, locale = excluded.locale, "
            "lead_seconds = excluded.lead_seconds, next_scan_at = excluded.next_scan_at",
            watch.user_id,
            watch.conversation_id,
            watch.zone,
            watch.locale,
            _seconds(watch.lead),
            _utc(watch.next_scan_at),
        )

    async def get_watch(self, user_id: str) -> Watch | None:
        row = await self._fetchrow(
            f"SELECT {_WATCH_COLUMNS} FROM watches WHERE user_id = $1",  # noqa: S608
            user_id,
        )
        return None if row is None else _watch(row)

    async def stop_watch(self, user_id: str) -> bool:
        rows = await self._fetch("DELETE FROM watches WHERE user_id = $1 RETURNING 1", user_id)
        return bool(rows)

    async def claim_watches(self, now: datetime, *, limit: int, interval: timedelta) -> list[Watch]:
        if limit <= 0:
            return []
        rows = await self._fetch(
            "WITH due AS MATERIALIZED ("  # noqa: S608
            " SELECT user_id FROM watches WHERE next_scan_at <= $1"
            " ORDER BY next_scan_at, user_id LIMIT $2 FOR UPDATE SKIP LOCKED"
            ") UPDATE watches SET next_scan_at = $3 WHERE user_id IN (SELECT user_id FROM due)"
            f" RETURNING {_WATCH_COLUMNS}",
            _utc(now),
            limit,
            _utc(now + interval),
        )
        return sorted((_watch(row) for row in rows), key=lambda w: w.user_id)

    async def next_watch_scan_at(self) -> datetime | None:
        return _opt_utc(await self._db().fetchval("SELECT min(next_scan_at) FROM watches"))

    # --- send budgets -------------------------------------------------------------------------

    async def take_budgets(self, costs: Mapping[str, int], *, now: int) -> dict[str, int]:
        if not costs:
            return {}
        keys = list(costs)
        rows = await self._fetch(_TAKE_BUDGETS, keys, [costs[key] for key in keys], now)
        return {str(row["key"]): int(row["free_at"]) - costs[str(row["key"])] for row in rows}

    async def return_budgets(self, costs: Mapping[str, int], *, now: int) -> None:
        if costs:
            keys = list(costs)
            await self._db().execute(_RETURN_BUDGETS, keys, [costs[key] for key in keys], now)

    async def hold_budgets(self, until: Mapping[str, int]) -> None:
        if until:
            keys = list(until)
            await self._db().execute(_HOLD_BUDGETS, keys, [until[key] for key in keys])

    async def forget_budgets(self, *, before: int) -> int:
        status = await self._db().execute("DELETE FROM send_budgets WHERE free_at < $1", before)
        return _deleted(status)


# What a server that is down, unreachable or not answering looks like to asyncpg: the timeout,
# a refused or reset connection, one the server closed or shut down. Not SQL errors.
_UNAVAILABLE = (
    TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.ConnectionDoesNotExistError,
    asyncpg.OperatorInterventionError,
)


class _BoundedPool:
    """The pool's calls, each one (acquire, statements, release) within `timeout` seconds, and
    a failure to get an answer as StoreUnavailable. `acquire()` bounds the caller's whole
    block: everything inside it is the database's work."""

    def __init__(self, pool: Any, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        try:
            async with (
                asyncio.timeout(self._timeout),
                # Its own timeout too: asyncpg then releases (or terminates) the connection
                # within it, after a statement was cut off.
                self._pool.acquire(timeout=self._timeout) as connection,
            ):
                yield connection
        except _UNAVAILABLE as error:
            what = "no answer" if isinstance(error, TimeoutError) else type(error).__name__
            raise StoreUnavailable(f"PostgreSQL: {what} within {self._timeout:g} s") from error

    async def fetch(self, query: str, *args: Any) -> list[Any]:
        async with self.acquire() as connection:
            return list(await connection.fetch(query, *args))

    async def fetchrow(self, query: str, *args: Any) -> Any:
        async with self.acquire() as connection:
            return await connection.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        async with self.acquire() as connection:
            return await connection.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        async with self.acquire() as connection:
            return str(await connection.execute(query, *args))


async def _schema_version(conn: Any) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    return int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def _migrate(pool: Any) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        current = await _schema_version(conn)
        for version, step in enumerate(MIGRATIONS, start=1):
            if version > current:
                await conn.execute(step)
                await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)


async def _write_one(conn: Any, key: str, value: Any) -> int:
    """Check the eTag and write one value inside the caller's transaction; the new eTag."""
    expected = _etag_of(value)
    text = _flatten(value)
    for _ in range(10):
        current = await conn.fetchval("SELECT etag FROM bot_state WHERE key = $1 FOR UPDATE", key)
        if current is None:
            # A new key. DO NOTHING waits for a concurrent creator of the same key; when it
            # won, go round again and check against its row, exactly as if it had come first.
            created = await conn.fetchval(
                "INSERT INTO bot_state (key, value, etag) VALUES ($1, $2, 1) "
                "ON CONFLICT (key) DO NOTHING RETURNING etag",
                key,
                text,
            )
            if created is not None:
                return 1
            continue
        if _conflict(expected, int(current)):
            raise EtagConflict(f"eTag conflict for {key}: read {expected}, stored {current}")
        new_etag = int(current) + 1
        await conn.execute(
            "UPDATE bot_state SET value = $2, etag = $3 WHERE key = $1", key, text, new_etag
        )
        return new_etag
    raise EtagConflict(f"eTag conflict for {key}: it kept being created and deleted")


def _meeting_params(meeting: MeetingRecord) -> tuple[Any, ...]:
    return (
        meeting.meeting_id,
        meeting.kind,
        meeting.user_id,
        meeting.conversation_id,
        meeting.subject,
        _utc(meeting.starts_at),
        _utc(meeting.ends_at),
        meeting.join_url,
        _utc(meeting.created_at),
    )


def _reminder_params(r: Reminder) -> tuple[Any, ...]:
    return (
        r.id,
        r.key,
        r.user_id,
        r.conversation_id,
        r.event_id,
        r.subject,
        _utc(r.starts_at),
        _utc(r.ends_at),
        _seconds(r.lead),
        r.zone,
        r.locale,
        r.source,
        _utc(r.next_attempt_at),
        ReminderState(r.state).value,
        r.attempts,
        _opt_utc(r.lease_until),
        r.activity_id,
        r.detail,
        r.series_id,
    )


async def _insert_reminder(conn: Any, params: tuple[Any, ...]) -> Reminder:
    """Insert unless the key exists (params[1]); the stored reminder either way."""
    # DO NOTHING waits for a concurrent insert of the same key to commit, so the SELECT after
    # it (a statement of its own, with a new snapshot) always finds the row that won.
    await conn.execute(
        f"INSERT INTO reminders ({_REMINDER_COLUMNS}) "  # noqa: S608
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
        "$17, $18, $19) ON CONFLICT (key) DO NOTHING",
        *params,
    )
    row = await conn.fetchrow(
        f"SELECT {_REMINDER_COLUMNS} FROM reminders WHERE key = $1",  # noqa: S608
        params[1],
    )
    return _reminder(row)
