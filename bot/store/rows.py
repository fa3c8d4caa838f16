"""Database rows -> the store's dataclasses, for every engine.

Both engines name their columns alike; they differ only in how an instant is stored
(SQLite: integer microseconds, PostgreSQL: timestamptz), so each passes its own `instant`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.store.records import MeetingRecord, PendingCreate, Reminder, ReminderState, Watch

Instant = Callable[[Any], datetime]


class Row(Protocol):
    """A result row read by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: str, /) -> Any: ...


def reminder_from(row: Row, instant: Instant) -> Reminder:
    lease = row["lease_until"]
    return Reminder(
        id=row["id"],
        key=row["key"],
        user_id=row["user_id"],
        conversation_id=row["conversation_id"],
        event_id=row["event_id"],
        subject=row["subject"],
        starts_at=instant(row["starts_at"]),
        ends_at=instant(row["ends_at"]),
        lead=timedelta(seconds=row["lead_seconds"]),
        zone=row["zone"],
        locale=row["locale"],
        source=row["source"],
        next_attempt_at=instant(row["next_attempt_at"]),
        state=ReminderState(row["state"]),
        attempts=row["attempts"],
        lease_until=None if lease is None else instant(lease),
        activity_id=row["activity_id"],
        detail=row["detail"],
    )


def watch_from(row: Row, instant: Instant) -> Watch:
    return Watch(
        user_id=row["user_id"],
        conversation_id=row["conversation_id"],
        zone=row["zone"],
        locale=row["locale"],
        lead=timedelta(seconds=row["lead_seconds"]),
        next_scan_at=instant(row["next_scan_at"]),
    )


def meeting_from(row: Row, instant: Instant) -> MeetingRecord:
    return MeetingRecord(
        meeting_id=row["meeting_id"],
        kind=row["kind"],
        user_id=row["user_id"],
        conversation_id=row["conversation_id"],
        subject=row["subject"],
        starts_at=instant(row["starts_at"]),
        ends_at=instant(row["ends_at"]),
        join_url=row["join_url"],
        created_at=instant(row["created_at"]),
    )


def pending_from(row: Row, instant: Instant) -> PendingCreate:
    lead = row["lead_seconds"]
    return PendingCreate(
        transaction_id=row["transaction_id"],
        user_id=row["user_id"],
        conversation_id=row["conversation_id"],
        subject=row["subject"],
        starts_at=instant(row["starts_at"]),
        ends_at=instant(row["ends_at"]),
        attendees=tuple(json.loads(row["attendees"])),
        lead=None if lead is None else timedelta(seconds=lead),
        zone=row["zone"],
        locale=row["locale"],
        next_attempt_at=instant(row["next_attempt_at"]),
        attempts=row["attempts"],
        find_only=bool(row["find_only"]),
        request=row["request"],
    )
