"""Reminders on both engines: insert-or-keep, ownership, claims, leases and final states."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.store import ReminderState, SentMark, Store
from tests.store.helpers import LEAD, T0, make_reminder

LEASE = timedelta(minutes=2)


async def test_timestamps_round_trip_exactly_and_come_back_in_utc(store: Store) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    starts_at = datetime(2025, 7, 1, 14, 30, 59, 999999, tzinfo=india)
    reminder = make_reminder(
        starts_at=starts_at,
        ends_at=datetime(2025, 7, 1, 11, 0, 0, 1, tzinfo=ZoneInfo("Europe/Berlin")),
        next_attempt_at=datetime(2025, 7, 1, 9, 0, 0, 7, tzinfo=UTC),
        lead=timedelta(hours=1, seconds=5),
        lease_until=datetime(1999, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        attempts=3,
        detail="note",
    )
    stored = await store.add_reminder(reminder)
    assert stored == reminder
    again = await store.get_reminder(reminder.id)
    assert again == reminder
    for moment in (again.starts_at, again.ends_at, again.next_attempt_at, again.lease_until):
        assert moment is not None
        assert moment.tzinfo == UTC
    assert again.starts_at == datetime(2025, 7, 1, 9, 0, 59, 999999, tzinfo=UTC)
    assert again.starts_at.microsecond == 999999
    assert again.lead == timedelta(hours=1, seconds=5)


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.add_reminder(make_reminder(starts_at=datetime(2025, 1, 1, 9)))
    with pytest.raises(ValueError, match="naive"):
        await store.claim_due(datetime(2025, 1, 1), limit=1, lease=LEASE, worker="w")


async def test_add_reminder_keeps_the_first_of_a_key(store: Store) -> None:
    first = await store.add_reminder(make_reminder(1))
    assert first == make_reminder(1)
    redelivered = make_reminder(1, id="other-id", subject="Renamed", lead=timedelta(hours=1))
    assert await store.add_reminder(redelivered) == first
    assert await store.get_reminder("other-id") is None
    assert await store.get_reminder_by_key(first.key) == first
    assert await store.get_reminder_by_key("a:chat-1|unknown") is None
    assert await store.get_reminder("unknown") is None
    assert await store.reminder_counts() == {ReminderState.PENDING: 1}


async def test_open_reminders_are_the_owners_open_ones_soonest_first(store: Store) -> None:
    for n in (3, 1, 2, 4, 5):
        await store.add_reminder(make_reminder(n))
    await store.add_reminder(make_reminder(6, user_id="user-2"))
    await store.claim_due(T0 + timedelta(hours=2), limit=1, lease=LEASE, worker="w")  # r0001
    await store.cancel_reminder("r0004", "user-1")
    await store.mark_sent("r0005", activity_id="a-5")

    mine = await store.open_reminders("user-1")
    assert [r.id for r in mine] == ["r0001", "r0002", "r0003"]
    assert [r.state for r in mine] == [ReminderState.SENDING, *[ReminderState.PENDING] * 2]
    assert [r.id for r in await store.open_reminders("user-1", limit=2)] == ["r0001", "r0002"]
    assert [r.id for r in await store.open_reminders("user-2")] == ["r0006"]
    assert await store.open_reminders("nobody") == []


async def test_only_the_owner_cancels_and_only_a_pending_reminder(store: Store) -> None:
    await store.add_reminder(make_reminder(1))
    assert not await store.cancel_reminder("r0001", "user-2")
    assert (await store.get_reminder("r0001")).state is ReminderState.PENDING  # type: ignore[union-attr]
    assert await store.cancel_reminder("r0001", "user-1")
    assert (await store.get_reminder("r0001")).state is ReminderState.CANCELLED  # type: ignore[union-attr]
    assert not await store.cancel_reminder("r0001", "user-1")
    assert not await store.cancel_reminder("unknown", "user-1")

    await store.add_reminder(make_reminder(2))
    await store.claim_due(T0 + timedelta(hours=3), limit=5, lease=LEASE, worker="w")
    assert not await store.cancel_reminder("r0002", "user-1")  # already being sent


async def test_set_reminder_lead(store: Store) -> None:
    await store.add_reminder(make_reminder(1, attempts=2))
    changed = await store.set_reminder_lead("r0001", "user-1", timedelta(hours=1))
    assert changed is not None
    assert changed.lead == timedelta(hours=1)
    assert changed.next_attempt_at == changed.starts_at - timedelta(hours=1)
    assert changed.state is ReminderState.PENDING
    assert changed.attempts == 0
    assert await store.get_reminder("r0001") == changed

    assert await store.set_reminder_lead("r0001", "user-2", timedelta(hours=2)) is None
    assert await store.set_reminder_lead("unknown", "user-1", timedelta(hours=2)) is None

    await store.cancel_reminder("r0001", "user-1")  # a cancelled one comes back
    revived = await store.set_reminder_lead("r0001", "user-1", timedelta(minutes=5))
    assert revived is not None
    assert revived.state is ReminderState.PENDING
    assert revived.next_attempt_at == revived.starts_at - timedelta(minutes=5)

    await store.claim_due(revived.next_attempt_at, limit=1, lease=LEASE, worker="w")
    assert await store.set_reminder_lead("r0001", "user-1", LEAD) is None  # SENDING
    await store.mark_sent("r0001", activity_id="a")
    assert await store.set_reminder_lead("r0001", "user-1", LEAD) is None  # SENT


async def test_claim_due_takes_due_reminders_soonest_first(store: Store) -> None:
    for n in (4, 2, 3, 1):
        await store.add_reminder(make_reminder(n))
    now = make_reminder(3).next_attempt_at  # r0001..r0003 are due, r0004 is not yet
    claimed = await store.claim_due(now, limit=2, lease=LEASE, worker="w1")
    assert [r.id for r in claimed] == ["r0001", "r0002"]
    for reminder in claimed:
        assert reminder.state is ReminderState.SENDING
        assert reminder.lease_until == now + LEASE
        assert await store.get_reminder(reminder.id) == reminder
    assert [r.id for r in await store.claim_due(now, limit=5, lease=LEASE, worker="w1")] == [
        "r0003"
    ]
    assert await store.claim_due(now, limit=5, lease=LEASE, worker="w1") == []
    assert await store.claim_due(now, limit=0, lease=LEASE, worker="w1") == []
    assert (await store.get_reminder("r0004")).state is ReminderState.PENDING  # type: ignore[union-attr]


async def test_an_expired_lease_is_claimed_again_an_unexpired_one_is_not(store: Store) -> None:
    reminder = await store.add_reminder(make_reminder(1))
    due = reminder.next_attempt_at
    await store.claim_due(due, limit=1, lease=LEASE, worker="crashed")

    almost = due + LEASE - timedelta(microseconds=1)
    assert await store.claim_due(almost, limit=1, lease=LEASE, worker="w2") == []
    reclaimed = await store.claim_due(due + LEASE, limit=1, lease=LEASE, worker="w2")
    assert [r.id for r in reclaimed] == ["r0001"]
    assert reclaimed[0].lease_until == due + 2 * LEASE
    assert reclaimed[0].attempts == 0


async def test_release_puts_a_sending_reminder_back_and_counts_failures(store: Store) -> None:
    reminder = await store.add_reminder(make_reminder(1))
    due = reminder.next_attempt_at
    retry_at = due + timedelta(seconds=30, microseconds=5)

    await store.release("r0001", retry_at=retry_at, failed=True)  # PENDING: not released
    assert await store.get_reminder("r0001") == reminder

    await store.claim_due(due, limit=1, lease=LEASE, worker="w")
    await store.release("r0001", retry_at=retry_at, failed=True)
    released = await store.get_reminder("r0001")
    assert released is not None
    assert (released.state, released.attempts) == (ReminderState.PENDING, 1)
    assert released.next_attempt_at == retry_at
    assert released.lease_until is None
    assert await store.claim_due(due, limit=1, lease=LEASE, worker="w") == []

    await store.claim_due(retry_at, limit=1, lease=LEASE, worker="w")
    await store.release("r0001", retry_at=retry_at, failed=False)  # a 429: no attempt counted
    assert (await store.get_reminder("r0001")).attempts == 1  # type: ignore[union-attr]


async def test_mark_sent_is_idempotent_and_works_from_any_open_state(store: Store) -> None:
    await store.add_reminder(make_reminder(1))
    await store.add_reminder(make_reminder(2))
    await store.add_reminder(make_reminder(3))
    await store.claim_due(T0 + timedelta(hours=1), limit=1, lease=LEASE, worker="w")

    await store.mark_sent("r0001", activity_id="act-1")  # SENDING
    await store.mark_sent("r0001", activity_id="act-1")
    sent = await store.get_reminder("r0001")
    assert sent is not None
    assert (sent.state, sent.activity_id, sent.lease_until) == (ReminderState.SENT, "act-1", None)

    await store.mark_sent("r0002", activity_id=None)  # PENDING
    assert (await store.get_reminder("r0002")).state is ReminderState.SENT  # type: ignore[union-attr]

    await store.cancel_reminder("r0003", "user-1")
    await store.mark_sent("r0003", activity_id="late")  # finished: unchanged
    assert (await store.get_reminder("r0003")).state is ReminderState.CANCELLED  # type: ignore[union-attr]
    await store.mark_sent("unknown", activity_id=None)


async def test_marks_written_together_are_each_mark_sent(store: Store) -> None:
    for n in range(1, 5):
        await store.add_reminder(make_reminder(n))
    (claimed,) = await store.claim_due(T0 + timedelta(hours=1), limit=1, lease=LEASE, worker="w")
    assert claimed.id == "r0001"
    await store.cancel_reminder("r0004", "user-1")

    await store.mark_sent_many([])
    await store.mark_sent_many(
        [
            SentMark("r0001", "act-1"),  # SENDING
            SentMark("r0003", None),  # PENDING
            SentMark("r0004", "late"),  # cancelled: unchanged
            SentMark("unknown", "x"),
        ]
    )
    written = [await store.get_reminder(f"r000{n}") for n in range(1, 5)]
    assert [(r.state, r.activity_id) for r in written if r is not None] == [
        (ReminderState.SENT, "act-1"),
        (ReminderState.PENDING, None),  # not in the marks
        (ReminderState.SENT, None),
        (ReminderState.CANCELLED, None),
    ]
    assert written[0] is not None and written[0].lease_until is None
    await store.mark_sent_many([SentMark("r0001", "act-1")])  # again: the same
    assert (await store.get_reminder("r0001")).activity_id == "act-1"  # type: ignore[union-attr]


async def test_reschedule_moves_an_open_reminder(store: Store) -> None:
    await store.add_reminder(make_reminder(1, attempts=2))
    await store.claim_due(T0 + timedelta(hours=1), limit=1, lease=LEASE, worker="w")
    starts_at = T0 + timedelta(days=1, microseconds=11)
    moved = await store.reschedule(
        "r0001", subject="Moved", starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    assert moved is not None
    assert moved == dataclasses.replace(
        make_reminder(1),
        subject="Moved",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        next_attempt_at=starts_at - LEAD,
    )
    assert await store.get_reminder("r0001") == moved

    await store.add_reminder(make_reminder(2))
    await store.cancel_reminder("r0002", "user-1")
    assert await store.reschedule("r0002", subject="x", starts_at=T0, ends_at=T0) is None
    assert await store.reschedule("unknown", subject="x", starts_at=T0, ends_at=T0) is None


async def test_finish_records_an_outcome_of_open_reminders_only(store: Store) -> None:
    for n in (1, 2, 3):
        await store.add_reminder(make_reminder(n))
    await store.claim_due(T0 + timedelta(hours=1), limit=1, lease=LEASE, worker="w")
    await store.finish("r0001", ReminderState.UNDELIVERABLE, detail="403")
    await store.finish("r0002", ReminderState.SKIPPED, detail="meeting cancelled")
    await store.mark_sent("r0003", activity_id="a")
    await store.finish("r0003", ReminderState.FAILED, detail="too late")

    finished = await store.get_reminder("r0001")
    assert finished is not None
    assert (finished.state, finished.detail, finished.lease_until) == (
        ReminderState.UNDELIVERABLE,
        "403",
        None,
    )
    assert (await store.get_reminder("r0002")).state is ReminderState.SKIPPED  # type: ignore[union-attr]
    sent = await store.get_reminder("r0003")
    assert sent is not None
    assert (sent.state, sent.detail) == (ReminderState.SENT, None)
    await store.finish("r0001", ReminderState.FAILED, detail="again")
    assert (await store.get_reminder("r0001")).detail == "403"  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        await store.finish("r0001", ReminderState.PENDING, detail="not final")


async def test_next_attempt_at_is_the_earliest_pending_attempt_or_lease_end(
    store: Store,
) -> None:
    assert await store.next_attempt_at() is None
    first = await store.add_reminder(make_reminder(1))
    second = await store.add_reminder(make_reminder(2))
    assert await store.next_attempt_at() == first.next_attempt_at

    await store.claim_due(first.next_attempt_at, limit=1, lease=timedelta(hours=5), worker="w")
    assert await store.next_attempt_at() == second.next_attempt_at  # the lease ends later

    await store.mark_sent("r0002", activity_id="a")
    assert await store.next_attempt_at() == first.next_attempt_at + timedelta(hours=5)

    await store.mark_sent("r0001", activity_id="b")
    assert await store.next_attempt_at() is None
    assert (await store.next_attempt_at() or T0).tzinfo == UTC


async def test_reminder_counts(store: Store) -> None:
    assert await store.reminder_counts() == {}
    for n in range(1, 7):
        await store.add_reminder(make_reminder(n))
    await store.claim_due(T0 + timedelta(hours=2), limit=2, lease=LEASE, worker="w")
    await store.mark_sent("r0001", activity_id="a")
    await store.cancel_reminder("r0003", "user-1")
    await store.finish("r0004", ReminderState.SKIPPED, detail="over")
    assert await store.reminder_counts() == {
        ReminderState.PENDING: 2,
        ReminderState.SENDING: 1,
        ReminderState.SENT: 1,
        ReminderState.CANCELLED: 1,
        ReminderState.SKIPPED: 1,
    }
