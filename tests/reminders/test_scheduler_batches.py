"""The running scheduler works off a backlog in batches: claims for several slots at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from botbuilder.schema import Activity

from bot.reminders import ProactiveSender, ReminderScheduler, SchedulerConfig, SendLimits
from bot.reminders.delivery import Outcome
from bot.store import Reminder, ReminderState, SentMark, Store
from tests.reminders.conftest import T0, World


class Watched:
    """The store, with the size of each claim asked for and each reminder marked sent (and
    the store's commits once each mark was written)."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.claim_limits: list[int] = []
        self.claimed = 0
        self.marked = 0
        self.commits_at_mark: list[int] = []
        self._changed = asyncio.Condition()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def claim_due(
        self, now: datetime, *, limit: int, lease: timedelta, worker: str
    ) -> list[Reminder]:
        claimed = await self._store.claim_due(now, limit=limit, lease=lease, worker=worker)
        if claimed:
            async with self._changed:
                self.claim_limits.append(limit)
                self.claimed += len(claimed)
                self._changed.notify_all()
        return claimed

    async def mark_sent_many(self, marks: Sequence[SentMark]) -> None:
        await self._store.mark_sent_many(marks)
        async with self._changed:
            self.marked += len(marks)
            self.commits_at_mark += [self._store.stats.commits] * len(marks)
            self._changed.notify_all()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), 10)


class Gate:
    """A sender that lets each send through only when the test says."""

    def __init__(self, inner: ProactiveSender) -> None:
        self._inner = inner
        self._turns = asyncio.Semaphore(0)

    def let_through(self) -> None:
        self._turns.release()

    async def send(self, reference: dict[str, Any], activity: Activity) -> Outcome:
        await self._turns.acquire()
        return await self._inner.send(reference, activity)


async def test_a_backlog_is_claimed_a_batch_of_slots_at_a_time(world: World) -> None:
    """Sends finishing one by one free one slot at a time; the loop claims again only when a
    quarter of its slots are free, and every reminder still goes out once."""
    store = Watched(world.store)
    gate = Gate(ProactiveSender(world.connectors))
    looping = ReminderScheduler(
        store=store,  # type: ignore[arg-type]  # (the store's methods, through the proxy)
        events=world.client,
        sender=gate,
        limits=SendLimits.unlimited(),
        clock=world.clock,
        config=SchedulerConfig(concurrency=8),
    )
    start = T0 + timedelta(hours=1)
    for index in range(20):
        await world.meeting(f"Meeting {index}", start)
    world.clock.set(start - timedelta(minutes=10))
    runner = asyncio.create_task(looping.run())
    try:
        await store.until(lambda: store.claimed == 8)
        emulator = world.connector.emulator
        for sent in range(1, 21):
            gate.let_through()
            await emulator.wait_for(lambda e, sent=sent: len(e.activities()) == sent, timeout=10)
        await store.until(lambda: store.marked == 20)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

    assert store.claimed == 20
    assert store.claim_limits[0] == 8
    assert min(store.claim_limits) >= 2  # never one slot at a time
    keys = [call.body["channelData"]["meetbot"]["deliveryKey"] for call in world.sent()]
    assert len(keys) == 20 == len(set(keys))


async def test_reminders_sent_one_by_one_are_recorded_together(world: World) -> None:
    """The marks of a round's sends are written together once the round's sends are done,
    not one commit per send; each reminder is recorded SENT."""
    store = Watched(world.store)
    gate = Gate(ProactiveSender(world.connectors))
    scheduler = ReminderScheduler(
        store=store,  # type: ignore[arg-type]
        events=world.client,
        sender=gate,
        limits=SendLimits.unlimited(),
        clock=world.clock,
    )
    start = T0 + timedelta(hours=1)
    reminders = [await world.meeting(f"Meeting {index}", start) for index in range(8)]
    world.clock.set(start - timedelta(minutes=10))
    draining = asyncio.create_task(scheduler.drain())
    emulator = world.connector.emulator
    for sent in range(1, 9):
        gate.let_through()
        await emulator.wait_for(lambda e, sent=sent: len(e.activities()) == sent, timeout=10)
    assert await draining == 8

    assert store.marked == 8
    assert len(set(store.commits_at_mark)) == 1  # one write for the eight
    for reminder in reminders:
        stored = await world.store.get_reminder(reminder.id)
        assert stored is not None and stored.state is ReminderState.SENT
