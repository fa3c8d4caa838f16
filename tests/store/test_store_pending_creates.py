"""Pending creates on both engines: recorded before the Graph create, claimed by a reconcile
once the creating turn's hold is over, and settled in the same transaction as the reminder."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from datetime import timedelta

import asyncpg
import pytest

from bot.store import MeetingRecord, PendingCreate, Store
from tests.store.helpers import T0, OpenStore, make_reminder

HOLD = timedelta(minutes=1)


def _pending(n: int = 1, **changes: object) -> PendingCreate:
    starts_at = T0 + timedelta(hours=n)
    pending = PendingCreate(
        transaction_id=f"tx-{n:04d}",
        user_id="user-1",
        conversation_id="a:chat-1",
        subject=f"Meeting {n}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        attendees=("ada@example.com", "grace@example.com"),
        lead=timedelta(minutes=15),
        zone="Europe/Berlin",
        locale="de-DE",
        next_attempt_at=T0 + HOLD,
    )
    return dataclasses.replace(pending, **changes)  # type: ignore[arg-type]


def _meeting(n: int = 1) -> MeetingRecord:
    starts_at = T0 + timedelta(hours=n)
    return MeetingRecord(
        meeting_id=f"event-{n}",
        kind="event",
        user_id="user-1",
        conversation_id="a:chat-1",
        subject=f"Meeting {n}",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        join_url="https://teams.microsoft.com/l/meetup-join/x",
        created_at=T0,
    )


async def _everything(store: Store) -> list[PendingCreate]:
    """Every pending create, claimed far in the future for no time at all (so they stay
    claimable; their attempts go up by one)."""
    far = T0 + timedelta(days=365)
    return await store.claim_pending_creates(far, limit=100, lease=timedelta(0))


async def test_a_pending_create_is_claimed_only_once_its_hold_is_over(store: Store) -> None:
    pending = _pending(1)
    await store.add_pending_create(pending)
    assert await store.claim_pending_creates(T0, limit=10, lease=HOLD) == []

    claimed = await store.claim_pending_creates(T0 + HOLD, limit=10, lease=HOLD)
    # Everything round-trips (the attendees, the zone, a lead in seconds), taken for a lease.
    assert claimed == [dataclasses.replace(pending, next_attempt_at=T0 + 2 * HOLD, attempts=1)]
    assert await store.claim_pending_creates(T0 + HOLD, limit=10, lease=HOLD) == []
    again = await store.claim_pending_creates(T0 + 2 * HOLD, limit=10, lease=HOLD)
    assert [p.attempts for p in again] == [2]  # a reconcile that died is taken up again


async def test_a_pending_create_keeps_its_whole_graph_request(store: Store) -> None:
    request = '{"subject": "Meeting 1", "body": {"contentType": "HTML", "content": "a<br>b"}}'
    await store.add_pending_create(_pending(1, request=request))
    await store.add_pending_create(_pending(2))  # a row without one, as older rows are
    claimed = {p.transaction_id: p.request for p in await _everything(store)}
    assert claimed == {"tx-0001": request, "tx-0002": None}


async def test_the_next_pending_create_is_the_earliest_due(store: Store) -> None:
    assert await store.next_pending_create_at() is None
    await store.add_pending_create(_pending(1, next_attempt_at=T0 + 2 * HOLD))
    await store.add_pending_create(_pending(2))
    assert await store.next_pending_create_at() == T0 + HOLD
    await store.claim_pending_creates(T0 + HOLD, limit=10, lease=3 * HOLD)
    assert await store.next_pending_create_at() == T0 + 2 * HOLD


async def test_a_redelivered_create_keeps_the_first_record(store: Store) -> None:
    await store.add_pending_create(_pending(1))
    await store.add_pending_create(_pending(1, subject="Redelivered", next_attempt_at=T0))
    assert [p.subject for p in await _everything(store)] == ["Meeting 1"]


async def test_no_reminder_is_kept_as_no_lead(store: Store) -> None:
    await store.add_pending_create(_pending(1, lead=None, attendees=(), locale=None))
    [stored] = await _everything(store)
    assert (stored.lead, stored.attendees, stored.locale) == (None, (), None)


async def test_a_doubted_create_is_only_to_be_looked_for(store: Store) -> None:
    await store.add_pending_create(_pending(1))
    await store.add_pending_create(_pending(2))
    await store.doubt_pending_create("tx-0001")
    await store.doubt_pending_create("tx-unknown")  # a no-op
    assert [(p.transaction_id, p.find_only) for p in await _everything(store)] == [
        ("tx-0001", True),
        ("tx-0002", False),
    ]


async def test_dropping_forgets_only_that_create(store: Store) -> None:
    await store.add_pending_create(_pending(1))
    await store.add_pending_create(_pending(2))
    await store.drop_pending_create("tx-0001")
    await store.drop_pending_create("tx-unknown")  # a no-op
    assert [p.transaction_id for p in await _everything(store)] == ["tx-0002"]


async def test_the_reminder_write_settles_its_pending_create(store: Store) -> None:
    await store.add_pending_create(_pending(1))
    await store.add_pending_create(_pending(2))
    reminder = make_reminder(1)
    assert await store.add_meeting(_meeting(1), reminder, settles="tx-0001") == reminder
    assert [p.transaction_id for p in await _everything(store)] == ["tx-0002"]
    # A meeting written without `settles` leaves pending creates alone.
    await store.add_meeting(_meeting(2), make_reminder(2))
    assert [p.transaction_id for p in await _everything(store)] == ["tx-0002"]


async def test_a_failed_reminder_write_keeps_the_pending_create(store: Store) -> None:
    await store.add_pending_create(_pending(1))
    broken = make_reminder(1, zone=None)  # NOT NULL, refused by the database
    with pytest.raises((sqlite3.IntegrityError, asyncpg.NotNullViolationError)):
        await store.add_meeting(_meeting(1), broken, settles="tx-0001")
    assert [p.transaction_id for p in await _everything(store)] == ["tx-0001"]
    assert await store.reminder_counts() == {}


async def test_the_pending_create_and_reminder_of_a_redelivery_settle_together(
    store: Store,
) -> None:
    """A second turn of the same activity finds the first reminder and still settles."""
    reminder = make_reminder(1)
    await store.add_meeting(_meeting(1), reminder)
    await store.add_pending_create(_pending(1))
    again = make_reminder(1, id="other-id")
    assert await store.add_meeting(_meeting(1), again, settles="tx-0001") == reminder
    assert await _everything(store) == []


async def test_concurrent_claims_of_pending_creates_are_disjoint(
    store: Store, open_another: OpenStore
) -> None:
    for n in range(60):
        await store.add_pending_create(_pending(n))

    async def claim_all(target: Store) -> list[str]:
        got: list[str] = []
        while batch := await target.claim_pending_creates(
            T0 + HOLD, limit=3, lease=timedelta(hours=1)
        ):
            got.extend(p.transaction_id for p in batch)
        return got

    async with open_another() as other:
        results = await asyncio.gather(*(claim_all(s) for s in (store, other) * 4))
    ids = [tx for result in results for tx in result]
    assert len(ids) == len(set(ids)), "a pending create was claimed twice"
    assert set(ids) == {f"tx-{n:04d}" for n in range(60)}
