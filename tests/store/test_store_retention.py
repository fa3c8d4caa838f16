"""Retention on both engines: `prune` forgets old history and nothing else, a batch at a time;
the probe's count reads what is open. On SQLite, the query plans show neither reads a table."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta

import asyncpg
import pytest

from bot.store import MeetingRecord, ReminderState, Store, open_store
from bot.store.sqlite import OPEN_COUNTS, PRUNE_MEETINGS, PRUNE_REMINDERS, SqliteStore
from tests.store.helpers import T0, make_reminder

CUTOFF = T0 + timedelta(days=1)


def _meeting(n: int, ends_at: object) -> MeetingRecord:
    return MeetingRecord(
        meeting_id=f"AAMk-{n}",
        kind="event",
        user_id="user-1",
        conversation_id="a:chat-1",
        subject=f"Meeting {n}",
        starts_at=T0,
        ends_at=ends_at,  # type: ignore[arg-type]
        join_url=None,
        created_at=T0,
    )


async def _finished(store: Store, n: int, state: ReminderState, **changes: object) -> None:
    reminder = await store.add_reminder(make_reminder(n, **changes))
    if state is ReminderState.SENT:
        await store.mark_sent(reminder.id, activity_id=f"activity-{n}")
    elif not state.is_open:
        await store.finish(reminder.id, state, detail="test")


async def _ids(store: Store) -> set[str]:
    return {
        reminder.id
        for n in range(1, 40)
        if (reminder := await store.get_reminder(f"r{n:04d}")) is not None
    }


async def test_prune_forgets_old_finished_reminders_and_ended_meetings_only(
    store: Store,
) -> None:
    # Meetings n hours after T0: 1-3 end before the cutoff, 30-31 after it.
    await _finished(store, 1, ReminderState.SENT)
    await _finished(store, 2, ReminderState.FAILED)
    await _finished(store, 3, ReminderState.UNDELIVERABLE)
    await _finished(store, 4, ReminderState.PENDING)  # still open, however old
    await _finished(store, 30, ReminderState.SENT)  # ends after the cutoff
    await _finished(store, 31, ReminderState.SKIPPED)
    # Due long ago, but the meeting (moved, still known by its old due time) ends later.
    await _finished(
        store, 5, ReminderState.SKIPPED, starts_at=T0, ends_at=CUTOFF + timedelta(hours=1)
    )
    await store.record_meeting(_meeting(1, CUTOFF - timedelta(microseconds=1)))
    await store.record_meeting(_meeting(2, CUTOFF))  # not before it: kept
    await store.record_meeting(_meeting(3, CUTOFF + timedelta(days=3)))

    assert await store.prune(CUTOFF, limit=100) == 3 + 1
    assert await _ids(store) == {"r0004", "r0005", "r0030", "r0031"}
    assert await store.get_meeting("user-1", "AAMk-1") is None
    assert await store.get_meeting("user-1", "AAMk-2") is not None
    assert await store.get_meeting("user-1", "AAMk-3") is not None
    assert await store.prune(CUTOFF, limit=100) == 0


async def test_prune_deletes_at_most_a_batch_per_table_per_call(store: Store) -> None:
    for n in range(1, 6):
        await _finished(store, n, ReminderState.SENT)
        await store.record_meeting(_meeting(n, T0))
    assert await store.prune(CUTOFF, limit=2) == 2 + 2
    assert await store.prune(CUTOFF, limit=2) == 2 + 2
    assert await store.prune(CUTOFF, limit=2) == 1 + 1
    assert await store.prune(CUTOFF, limit=2) == 0
    assert await store.reminder_counts() == {}


async def test_open_reminder_counts_leave_history_out(store: Store) -> None:
    assert await store.open_reminder_counts() == {}
    await _finished(store, 1, ReminderState.SENT)
    await _finished(store, 2, ReminderState.FAILED)
    await _finished(store, 3, ReminderState.PENDING)
    await _finished(store, 4, ReminderState.PENDING)
    claimed = await store.claim_due(
        T0 + timedelta(hours=4), limit=1, lease=timedelta(minutes=1), worker="w"
    )
    assert [reminder.id for reminder in claimed] == ["r0003"]
    assert await store.open_reminder_counts() == {
        ReminderState.PENDING: 1,
        ReminderState.SENDING: 1,
    }
    health = await store.health()
    assert health["ok"] is True
    assert health["reminders"] == {"pending": 1, "sending": 1}


@pytest.mark.parametrize(
    ("query", "parameters"),
    [
        (OPEN_COUNTS, 2),
        (PRUNE_REMINDERS, PRUNE_REMINDERS.count("?")),
        (PRUNE_MEETINGS, 2),
    ],
    ids=["open-counts", "prune-reminders", "prune-meetings"],
)
async def test_sqlite_probe_and_prune_read_index_ranges_not_tables(
    tmp_path: object, query: str, parameters: int
) -> None:
    path = tmp_path / "plan.db"  # type: ignore[operator]
    store = SqliteStore(path)
    await store.open()  # the schema, migrations included
    await store.close()
    with sqlite3.connect(path) as db:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {query}", (0,) * parameters)]
    assert plan
    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any(step.startswith("SEARCH") and "INDEX" in step for step in plan), plan


async def test_postgres_prune_skips_rows_another_instance_is_deleting(postgres_url: str) -> None:
    """Instances prune at once: one never waits on (then finds nothing in) another's batch."""
    store = open_store(postgres_url)
    await store.open()
    try:
        for n in range(1, 5):
            await _finished(store, n, ReminderState.SENT)
        other = await asyncpg.connect(postgres_url)
        try:
            async with other.transaction():  # another instance's batch, not yet committed
                await other.execute(
                    "SELECT id FROM reminders WHERE id IN ('r0001', 'r0002') FOR UPDATE"
                )
                deleted = await asyncio.wait_for(store.prune(CUTOFF, limit=2), timeout=10)
        finally:
            await other.close()
        assert deleted == 2
        assert await _ids(store) == {"r0001", "r0002"}
    finally:
        await store.close()
