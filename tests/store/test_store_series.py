"""A recurring meeting's reminders on both engines: the series master kept with a reminder,
its occurrence set when found, and the next occurrence's reminder added with the final state
of the one before, once however often it is handed on."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

from bot.store import Reminder, ReminderState, SentMark, Store, reminder_key, successor_of
from tests.store.helpers import LEAD, T0, OpenStore, make_reminder

LEASE = timedelta(minutes=2)
MASTER = "series-master-1"


def first_of_series() -> Reminder:
    """What `meet` writes for a daily series: the master's id, its first start."""
    return make_reminder(1, event_id=MASTER, series_id=MASTER)


async def test_a_series_reminder_keeps_its_master_and_waits_for_its_occurrence(
    store: Store,
) -> None:
    stored = await store.add_reminder(first_of_series())
    assert stored.series_id == MASTER and stored.awaits_occurrence
    assert (await store.get_reminder(stored.id)) == stored
    single = await store.add_reminder(make_reminder(2))
    assert single.series_id is None and not single.awaits_occurrence

    found = await store.reschedule(
        stored.id,
        subject=stored.subject,
        starts_at=stored.starts_at,
        ends_at=stored.ends_at,
        event_id="occurrence-1",
    )
    assert found is not None
    assert (found.event_id, found.series_id, found.key) == ("occurrence-1", MASTER, stored.key)
    assert not found.awaits_occurrence
    moved = await store.reschedule(
        stored.id, subject="x", starts_at=T0, ends_at=T0 + timedelta(minutes=5)
    )
    assert moved is not None and moved.event_id == "occurrence-1"  # kept when not given


async def test_marks_written_together_hand_a_series_on_once(store: Store) -> None:
    first = await store.add_reminder(first_of_series())
    (claimed,) = await store.claim_due(first.due_at, limit=5, lease=LEASE, worker="w")
    successor = successor_of(claimed, now=first.due_at)
    assert successor is not None
    marks = [SentMark(claimed.id, "a-1", successor), SentMark("unknown", None)]
    await store.mark_sent_many(marks)
    await store.mark_sent_many(marks)  # again: closed already, so no second hand-on

    assert (await store.get_reminder(first.id)).state is ReminderState.SENT  # type: ignore[union-attr]
    assert await store.get_reminder(successor.id) == successor
    assert [r.id for r in await store.open_reminders(first.user_id)] == [successor.id]


async def test_sent_hands_on_to_the_next_occurrence_in_the_same_write(store: Store) -> None:
    first = await store.add_reminder(first_of_series())
    (claimed,) = await store.claim_due(first.due_at, limit=5, lease=LEASE, worker="w")
    successor = successor_of(claimed, now=first.due_at)
    assert successor is not None
    await store.mark_sent(claimed.id, activity_id="a-1", successor=successor)

    sent = await store.get_reminder(first.id)
    assert sent is not None and sent.state is ReminderState.SENT
    following = await store.get_reminder(successor.id)
    assert following == successor
    assert following.awaits_occurrence and following.state is ReminderState.PENDING
    assert following.looks_for_next and not first.looks_for_next  # only the first has a start
    assert following.starts_at > first.starts_at  # the next occurrence starts after it
    assert following.key == f"{reminder_key('a:chat-1', MASTER)}|after:{first.id}"
    # The next one is due at once: it is claimed to find its occurrence.
    assert await store.next_attempt_at() == first.due_at


async def test_a_skip_or_failure_hands_on_but_a_closed_reminder_does_not(store: Store) -> None:
    one = await store.add_reminder(first_of_series())
    two = await store.add_reminder(make_reminder(2, event_id="series-2", series_id="series-2"))
    three = await store.add_reminder(make_reminder(3, event_id="series-3", series_id="series-3"))
    now = three.due_at
    await store.claim_due(now, limit=5, lease=LEASE, worker="w")
    after_one, after_two = successor_of(one, now=now), successor_of(two, now=now)
    assert after_one is not None and after_two is not None
    await store.finish(one.id, ReminderState.SKIPPED, detail="cancelled", successor=after_one)
    await store.finish(two.id, ReminderState.FAILED, detail="gave up", successor=after_two)
    assert await store.get_reminder(after_one.id) == after_one
    assert await store.get_reminder(after_two.id) == after_two

    # A reminder the user cancelled meanwhile is closed: a late settle adds nothing.
    await store.release(three.id, retry_at=now, failed=False)
    assert await store.cancel_reminder(three.id, "user-1")
    after_three = successor_of(three, now=now)
    assert after_three is not None
    await store.mark_sent(three.id, activity_id="late", successor=after_three)
    await store.finish(three.id, ReminderState.SKIPPED, detail="late", successor=after_three)
    assert await store.get_reminder(after_three.id) is None
    closed = await store.get_reminder(three.id)
    assert closed is not None and closed.state is ReminderState.CANCELLED


async def test_two_instances_settling_one_reminder_add_one_successor(
    store: Store, open_another: OpenStore
) -> None:
    first = await store.add_reminder(first_of_series())
    await store.claim_due(first.due_at, limit=5, lease=LEASE, worker="w")
    async with open_another() as other:
        # Each instance makes its own successor object (own id), as a retaken lease does.
        mine, theirs = (successor_of(first, now=first.due_at) for _ in range(2))
        assert mine is not None and theirs is not None and mine.id != theirs.id
        await asyncio.gather(
            store.mark_sent(first.id, activity_id="a", successor=mine),
            other.mark_sent(first.id, activity_id="b", successor=theirs),
        )
    counts = await store.reminder_counts()
    assert counts == {ReminderState.SENT: 1, ReminderState.PENDING: 1}
    (following,) = await store.open_reminders("user-1")
    assert following.id in (mine.id, theirs.id)


async def test_a_chain_of_successors_keeps_keys_short(store: Store) -> None:
    reminder = await store.add_reminder(first_of_series())
    for _ in range(5):
        await store.claim_due(reminder.next_attempt_at, limit=1, lease=LEASE, worker="w")
        following = successor_of(reminder, now=reminder.next_attempt_at + LEAD)
        assert following is not None
        await store.mark_sent(reminder.id, activity_id=None, successor=following)
        reminder = dataclasses.replace(following)
    assert len(reminder.key) == len(f"{reminder_key('a:chat-1', MASTER)}|after:{'x' * 32}")
    assert await store.reminder_counts() == {ReminderState.SENT: 5, ReminderState.PENDING: 1}
