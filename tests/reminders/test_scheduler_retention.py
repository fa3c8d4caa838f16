"""The scheduler forgets old history (`RETENTION_DAYS`), time moved by hand: a sent reminder and
its meeting outlive the retention period by one prune, a backlog goes a batch per round."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from bot.store import ReminderState
from tests.reminders.conftest import T0, USER, World, make_scheduler
from tests.store.helpers import make_reminder


async def _sent_meeting(world: World) -> str:
    """A meeting made through the bot and its reminder sent: the reminder's id."""
    start = T0 + timedelta(hours=1)
    reminder = await world.meeting("Design review", start)
    world.clock.set(reminder.due_at)
    assert await world.scheduler.drain() == 1
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENT
    assert await world.store.get_meeting(USER, reminder.event_id) is not None
    return reminder.id


async def test_history_is_forgotten_once_older_than_the_retention_period(world: World) -> None:
    reminder_id = await _sent_meeting(world)
    stored = await world.store.get_reminder(reminder_id)
    assert stored is not None

    world.clock.set(stored.ends_at + timedelta(days=29))
    await world.scheduler.run_once()
    assert await world.store.get_reminder(reminder_id) is not None

    world.clock.set(stored.ends_at + timedelta(days=30, seconds=1))
    await world.scheduler.run_once()
    assert await world.store.get_reminder(reminder_id) is None
    assert await world.store.get_meeting(USER, stored.event_id) is None


async def test_without_retention_history_is_kept(world: World) -> None:
    scheduler = make_scheduler(world.parts(), retention=None)
    reminder_id = await _sent_meeting(world)
    world.clock.advance(timedelta(days=3650))
    await scheduler.run_once()
    assert await world.store.get_reminder(reminder_id) is not None


async def test_open_reminders_are_never_forgotten(world: World) -> None:
    scheduler = make_scheduler(world.parts(), lease=timedelta(days=400))
    reminder = await world.meeting("Planning", T0 + timedelta(hours=1))
    await world.store.claim_due(
        reminder.due_at, limit=1, lease=timedelta(days=400), worker="crashed"
    )
    world.clock.advance(timedelta(days=90))
    await scheduler.run_once()
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENDING


async def test_a_backlog_goes_a_batch_per_round_then_once_per_interval(world: World) -> None:
    scheduler = make_scheduler(
        world.parts(), prune_batch=2, prune_every=timedelta(hours=1), retention=timedelta(days=1)
    )
    for n in range(1, 6):  # meetings n hours after T0, all sent
        added = await world.store.add_reminder(make_reminder(n))
        await world.store.mark_sent(added.id, activity_id=f"activity-{n}")
    world.clock.set(T0 + timedelta(days=2))

    remaining = []
    for _ in range(4):
        await scheduler.run_once()
        remaining.append(sum((await world.store.reminder_counts()).values()))
    assert remaining == [3, 1, 0, 0]

    late = await world.store.add_reminder(make_reminder(9))
    await world.store.mark_sent(late.id, activity_id="activity-9")
    await scheduler.run_once()  # the backlog is gone: the next look is an interval away
    assert await world.store.get_reminder(late.id) is not None
    world.clock.advance(timedelta(hours=1))
    await scheduler.run_once()
    assert await world.store.get_reminder(late.id) is None


class _PruneFails:
    """The real store, whose `prune` fails (a lock timeout, say) until told otherwise."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.failing = True
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def prune(self, before: Any, *, limit: int) -> int:
        self.calls += 1
        if self.failing:
            raise sqlite3.OperationalError("database is locked")
        result: int = await self._store.prune(before, limit=limit)
        return result


async def test_a_failing_prune_holds_up_no_reminder_and_is_tried_an_interval_later(
    world: World,
) -> None:
    store = _PruneFails(world.store)
    scheduler = make_scheduler(world.parts() | {"store": store}, prune_every=timedelta(hours=1))
    old = await world.store.add_reminder(make_reminder(1))
    await world.store.mark_sent(old.id, activity_id="activity-1")
    reminder = await world.meeting("Design review", T0 + timedelta(days=40))
    world.clock.set(reminder.due_at)

    assert await scheduler.run_once() == 1  # sent, though the prune after it failed
    assert len(world.sent(reminder.conversation_id)) == 1
    assert store.calls == 1

    store.failing = False
    await scheduler.run_once()
    assert store.calls == 1  # not again before the interval
    world.clock.advance(timedelta(hours=1))
    await scheduler.run_once()
    assert store.calls == 2
    assert await world.store.get_reminder(old.id) is None
