"""Conversation references, meetings and calendar watches on both engines."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from bot.store import MeetingRecord, Store, Watch
from tests.store.helpers import T0, make_reminder

REFERENCE = {
    "activityId": "1690000000000",
    "bot": {"id": "28:bot", "name": "Meetbot"},
    "conversation": {"id": "19:abc@thread.tacv2;messageid=1", "conversationType": "channel"},
    "serviceUrl": "https://smba.trafficmanager.net/emea/",
    "channelId": "msteams",
    "locale": "de-DE",
    "user": None,
    "extra": [1, 2.5, True, "ü ✓"],
}


async def test_references_round_trip_are_replaced_and_dropped(store: Store) -> None:
    conversation = "19:abc@thread.tacv2;messageid=1"
    assert await store.get_reference(conversation) is None
    await store.save_reference(conversation, REFERENCE, now=T0)
    assert await store.get_reference(conversation) == REFERENCE

    newer = REFERENCE | {"serviceUrl": "https://smba.trafficmanager.net/amer/"}
    await store.save_reference(conversation, newer, now=T0 + timedelta(minutes=1))
    assert await store.get_reference(conversation) == newer
    await store.save_reference("a:other", {"n": 1}, now=T0)

    await store.drop_reference(conversation)
    await store.drop_reference(conversation)  # unknown: a no-op
    assert await store.get_reference(conversation) is None
    assert await store.get_reference("a:other") == {"n": 1}


async def test_references_of_several_conversations_are_read_at_once(store: Store) -> None:
    await store.save_reference("a:one", {"n": 1}, now=T0)
    await store.save_reference("19:two@thread.tacv2;messageid=2", REFERENCE, now=T0)
    assert await store.get_references([]) == {}
    found = await store.get_references(
        ["a:one", "19:two@thread.tacv2;messageid=2", "a:unknown", "a:one"]
    )
    assert found == {"a:one": {"n": 1}, "19:two@thread.tacv2;messageid=2": REFERENCE}


def _meeting(**changes: object) -> MeetingRecord:
    values: dict[str, object] = {
        "meeting_id": "AAMkAD=",
        "kind": "event",
        "user_id": "user-1",
        "conversation_id": "a:chat-1",
        "subject": "Design review",
        "starts_at": T0,
        "ends_at": T0 + timedelta(minutes=30),
        "join_url": "https://teams.microsoft.com/l/meetup-join/x",
        "created_at": T0 - timedelta(days=1, microseconds=3),
    }
    return MeetingRecord(**(values | changes))  # type: ignore[arg-type]


async def test_meetings_are_recorded_per_user_and_replaced(store: Store) -> None:
    assert await store.get_meeting("user-1", "AAMkAD=") is None
    await store.record_meeting(_meeting())
    assert await store.get_meeting("user-1", "AAMkAD=") == _meeting()
    assert await store.get_meeting("user-2", "AAMkAD=") is None

    moved = _meeting(subject="Moved", starts_at=T0 + timedelta(hours=1), join_url=None)
    await store.record_meeting(moved)
    await store.record_meeting(_meeting(user_id="user-2", kind="onlineMeeting"))
    stored = await store.get_meeting("user-1", "AAMkAD=")
    assert stored == moved
    assert stored.created_at.tzinfo == UTC
    assert (await store.get_meeting("user-2", "AAMkAD=")) == _meeting(
        user_id="user-2", kind="onlineMeeting"
    )


async def test_add_meeting_records_the_meeting_and_adds_its_reminder(store: Store) -> None:
    reminder = make_reminder(1, event_id="AAMkAD=")
    assert await store.add_meeting(_meeting(), reminder) == reminder
    assert await store.get_meeting("user-1", "AAMkAD=") == _meeting()
    assert await store.get_reminder(reminder.id) == reminder

    # Redelivered: the meeting is replaced (record_meeting), the first reminder stays
    # (add_reminder).
    moved = _meeting(subject="Moved")
    again = make_reminder(1, event_id="AAMkAD=", id="other-id", subject="Moved")
    assert await store.add_meeting(moved, again) == reminder
    assert await store.get_meeting("user-1", "AAMkAD=") == moved
    assert await store.get_reminder("other-id") is None


async def test_add_meeting_keeps_neither_when_the_reminder_fails(store: Store) -> None:
    await store.record_meeting(_meeting())
    moved = _meeting(subject="Moved")
    broken = make_reminder(1, event_id="AAMkAD=", zone=None)  # NOT NULL, refused by the database
    with pytest.raises((sqlite3.IntegrityError, asyncpg.NotNullViolationError)):
        await store.add_meeting(moved, broken)
    naive = make_reminder(1, event_id="AAMkAD=", starts_at=datetime(2025, 3, 10, 9))
    with pytest.raises(ValueError, match="naive"):
        await store.add_meeting(moved, naive)
    assert await store.get_meeting("user-1", "AAMkAD=") == _meeting()  # not replaced
    assert await store.reminder_counts() == {}


async def test_a_new_meeting_is_not_recorded_when_its_reminder_fails(store: Store) -> None:
    broken = make_reminder(1, event_id="AAMkAD=", zone=None)
    with pytest.raises((sqlite3.IntegrityError, asyncpg.NotNullViolationError)):
        await store.add_meeting(_meeting(), broken)
    assert await store.get_meeting("user-1", "AAMkAD=") is None
    assert await store.reminder_counts() == {}
    await store.add_meeting(_meeting(), make_reminder(1, event_id="AAMkAD="))  # nothing left
    assert await store.get_meeting("user-1", "AAMkAD=") == _meeting()


def _watch(user: str, next_scan_at_minutes: int, **changes: object) -> Watch:
    values: dict[str, object] = {
        "user_id": user,
        "conversation_id": f"a:1on1-{user}",
        "zone": "America/New_York",
        "locale": None,
        "lead": timedelta(minutes=10),
        "next_scan_at": T0 + timedelta(minutes=next_scan_at_minutes),
    }
    return Watch(**(values | changes))  # type: ignore[arg-type]


async def test_watches_are_set_replaced_read_and_stopped(store: Store) -> None:
    assert await store.get_watch("user-1") is None
    await store.set_watch(_watch("user-1", 0))
    assert await store.get_watch("user-1") == _watch("user-1", 0)
    replaced = _watch("user-1", 5, zone="Europe/Paris", locale="fr-FR", lead=timedelta(hours=1))
    await store.set_watch(replaced)
    assert await store.get_watch("user-1") == replaced
    assert await store.stop_watch("user-1")
    assert not await store.stop_watch("user-1")
    assert await store.get_watch("user-1") is None


async def test_claim_watches_takes_due_ones_and_moves_their_next_scan(store: Store) -> None:
    assert await store.next_watch_scan_at() is None
    for user, minutes in (("u3", 3), ("u1", 1), ("u2", 2), ("u9", 9)):
        await store.set_watch(_watch(user, minutes))
    assert await store.next_watch_scan_at() == T0 + timedelta(minutes=1)

    now = T0 + timedelta(minutes=3)
    interval = timedelta(minutes=30)
    claimed = await store.claim_watches(now, limit=2, interval=interval)
    assert [w.user_id for w in claimed] == ["u1", "u2"]  # the longest waiting first
    assert all(w.next_scan_at == now + interval for w in claimed)
    assert await store.get_watch("u1") == _watch("u1", 33)

    assert [w.user_id for w in await store.claim_watches(now, limit=5, interval=interval)] == ["u3"]
    assert await store.claim_watches(now, limit=5, interval=interval) == []
    assert await store.claim_watches(now, limit=0, interval=interval) == []
    assert await store.next_watch_scan_at() == T0 + timedelta(minutes=9)
    assert await store.get_watch("u9") == _watch("u9", 9)
