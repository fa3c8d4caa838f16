"""`PendingCreates` on a real store, its finisher and sender stood in for: what is claimed when,
what the finisher is told, what is posted, and that nothing it raises escapes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.reminders import (
    Delivery,
    Finished,
    ManualClock,
    Outcome,
    PendingCreates,
    ProactiveSender,
    ReconcileConfig,
    ReminderScheduler,
    SendLimits,
)
from bot.store import PendingCreate, SqliteStore
from tests.reminders.conftest import T0 as WORLD_T0
from tests.reminders.conftest import World

T0 = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": []}


@dataclass
class Finisher:
    """Settles (and, as the meet flow does, forgets) what it is given, unless told not to."""

    store: SqliteStore
    results: list[Finished | Exception] = field(default_factory=list)
    calls: list[tuple[str, datetime, bool]] = field(default_factory=list)

    async def finish(self, pending: PendingCreate, *, now: datetime, last_try: bool) -> Finished:
        self.calls.append((pending.transaction_id, now, last_try))
        result = self.results.pop(0) if self.results else Finished(CARD, settled=True)
        if isinstance(result, Exception):
            raise result
        if result.settled:
            await self.store.drop_pending_create(pending.transaction_id)
        return result


@dataclass
class Sender:
    outcome: Outcome = field(default_factory=lambda: Outcome(Delivery.SENT, activity_id="1"))
    sent: list[tuple[dict[str, Any], Activity]] = field(default_factory=list)

    async def send(self, reference: dict[str, Any], activity: Activity) -> Outcome:
        self.sent.append((reference, activity))
        return self.outcome


@dataclass
class Parts:
    store: SqliteStore
    clock: ManualClock
    finisher: Finisher
    sender: Sender
    pending: PendingCreates


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Parts]:
    store = SqliteStore(tmp_path / "meetbot.db")
    await store.open()
    clock = ManualClock(T0)
    finisher, sender = Finisher(store), Sender()
    pending = PendingCreates(
        store=store,
        finisher=finisher,
        sender=sender,
        clock=clock,
        config=ReconcileConfig(lease=LEASE, batch=2, max_attempts=3),
    )
    await store.save_reference("a:chat", {"conversation": {"id": "a:chat"}}, now=T0)
    yield Parts(store, clock, finisher, sender, pending)
    await store.close()


def _pending(n: int = 1, conversation_id: str = "a:chat") -> PendingCreate:
    start = T0 + timedelta(days=1, hours=n)
    return PendingCreate(
        transaction_id=f"tx-{n}",
        user_id="user",
        conversation_id=conversation_id,
        subject=f"Meeting {n}",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        attendees=(),
        lead=timedelta(minutes=10),
        zone="UTC",
        locale="en-US",
        next_attempt_at=T0 + LEASE,
    )


async def test_a_create_is_finished_once_its_hold_is_over_and_its_card_posted(
    parts: Parts,
) -> None:
    await parts.store.add_pending_create(_pending(1))
    assert await parts.pending.run_once() == T0 + LEASE  # the next due: not yet
    assert parts.finisher.calls == []

    parts.clock.set(T0 + LEASE)
    assert await parts.pending.run_once() is None  # nothing left
    assert parts.finisher.calls == [("tx-1", T0 + LEASE, False)]
    ((reference, activity),) = parts.sender.sent
    assert reference == {"conversation": {"id": "a:chat"}}
    assert activity.attachments[0].content == CARD
    assert parts.pending.reconciled == 1


async def test_a_full_batch_says_look_again_now(parts: Parts) -> None:
    for n in range(3):
        await parts.store.add_pending_create(_pending(n))
    parts.clock.set(T0 + LEASE)
    assert await parts.pending.run_once() == T0 + LEASE
    assert await parts.pending.run_once() is None
    assert len(parts.finisher.calls) == 3


async def test_what_is_not_settled_comes_back_after_the_lease_the_last_time_as_such(
    parts: Parts,
) -> None:
    await parts.store.add_pending_create(_pending(1))
    parts.finisher.results = [Finished(None, settled=False), RuntimeError("store locked")]
    for attempt in range(1, 4):
        parts.clock.set(T0 + attempt * LEASE)
        await parts.pending.run_once()
    assert [last for _, _, last in parts.finisher.calls] == [False, False, True]
    assert len(parts.sender.sent) == 1  # only the settled one told the chat
    assert await parts.store.next_pending_create_at() is None


async def test_a_card_without_a_conversation_or_delivery_is_only_logged(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    await parts.store.add_pending_create(_pending(1, conversation_id="a:unknown"))
    await parts.store.add_pending_create(_pending(2))
    parts.sender.outcome = Outcome(Delivery.REFUSED, detail="HTTP 413")
    parts.clock.set(T0 + LEASE)
    assert await parts.pending.run_once() == T0 + LEASE  # a full batch: maybe more
    assert await parts.pending.run_once() is None
    assert parts.pending.reconciled == 2
    assert len(parts.sender.sent) == 1  # to the known conversation only
    assert "no conversation to tell about create tx-1" in caplog.text
    assert "not delivered: refused HTTP 413" in caplog.text


async def test_a_slow_reconcile_does_not_hold_up_a_due_reminder(world: World) -> None:
    """The scheduler runs a reconcile beside its round, as a task in flight."""
    started, gate = asyncio.Event(), asyncio.Event()

    class Slow:
        async def finish(
            self, pending: PendingCreate, *, now: datetime, last_try: bool
        ) -> Finished:
            started.set()
            await gate.wait()  # Graph taking its time
            await world.store.drop_pending_create(pending.transaction_id)
            return Finished(None, settled=True)

    sender = ProactiveSender(world.connectors)
    scheduler = ReminderScheduler(
        store=world.store,
        events=world.client,
        sender=sender,
        limits=SendLimits.unlimited(),
        clock=world.clock,
        pending=PendingCreates(
            store=world.store, finisher=Slow(), sender=sender, clock=world.clock
        ),
    )
    await world.store.add_pending_create(dataclasses.replace(_pending(1), next_attempt_at=WORLD_T0))
    reminder = await world.meeting("Due soon", WORLD_T0 + timedelta(minutes=11))
    runner = asyncio.create_task(scheduler.run())
    try:
        await started.wait()
        world.clock.set(reminder.due_at)
        await world.connector.emulator.wait_for(
            lambda e: len(e.activities(reminder.conversation_id)) == 1, timeout=10
        )
        assert not gate.is_set()  # sent while the reconcile was still waiting on Graph
    finally:
        gate.set()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    assert await world.store.next_pending_create_at() is None  # and it finished on shutdown
