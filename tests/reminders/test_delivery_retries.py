"""Reminders sent through Meetbot's connector transport (as `meetbot run` sends them): a
transient connector failure is retried within the send, a lasting one is recorded by the
scheduler, and a refusal is not retried. (A reminder is a send to the conversation, so the
faults are injected on sends.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest

from bot.reminders import ReminderScheduler
from bot.store import ReminderState
from bot.teams.connector import MeetbotConnectorFactory
from tests.fake_time import FakeTime
from tests.reminders.conftest import T0, World, make_scheduler


@pytest.fixture
async def sending(world: World) -> AsyncIterator[tuple[ReminderScheduler, FakeTime]]:
    """A scheduler whose sends go through Meetbot's connector clients, on fake time."""
    time = FakeTime()
    async with aiohttp.ClientSession() as http:
        parts = {
            "store": world.store,
            "client": world.client,
            "clock": world.clock,
            "connectors": MeetbotConnectorFactory(http, None, time.policy(), ""),
        }
        yield make_scheduler(parts), time


async def test_a_proactive_send_under_412_then_success_is_recorded_sent(
    world: World, sending: tuple[ReminderScheduler, FakeTime]
) -> None:
    scheduler, time = sending
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.connector.emulator.fail_next("send", 1, 412)
    world.clock.set(reminder.due_at)
    assert await scheduler.drain() == 1
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENT
    assert stored.attempts == 0  # retried within the send, not by the scheduler
    assert len(world.sent(reminder.conversation_id)) == 1
    assert [f.status for f in world.connector.emulator.faults_served] == [412]
    assert len(time.sleeps) == 1


async def test_a_lasting_failure_is_recorded_and_retried_later(
    world: World, sending: tuple[ReminderScheduler, FakeTime]
) -> None:
    scheduler, time = sending
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.connector.emulator.fail_next("send", 100, 502)
    world.clock.set(reminder.due_at)
    await scheduler.drain()
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None
    assert stored.state is ReminderState.PENDING and stored.attempts == 1
    assert stored.next_attempt_at > reminder.due_at
    assert world.sent(reminder.conversation_id) == []
    assert time.now <= time.policy().budget


async def test_a_403_is_not_retried_and_the_reminder_is_undeliverable(
    world: World, sending: tuple[ReminderScheduler, FakeTime]
) -> None:
    scheduler, time = sending
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.connector.emulator.fail_next("send", 5, 403)
    world.clock.set(reminder.due_at)
    await scheduler.drain()
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.UNDELIVERABLE
    assert len(world.connector.emulator.faults_served) == 1
    assert time.sleeps == []


async def test_a_429_comes_back_to_the_scheduler_at_once_and_waits_its_retry_after(
    world: World, sending: tuple[ReminderScheduler, FakeTime]
) -> None:
    """A reminder's 429 is not tried again inside the send (that try would go out past the
    pacing every instance shares): the scheduler holds the budgets and puts it back."""
    scheduler, time = sending
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.connector.emulator.fail_next("send", 1, 429, retry_after=7)
    world.clock.set(reminder.due_at)
    await scheduler.drain()
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.PENDING
    assert stored.next_attempt_at == reminder.due_at + timedelta(seconds=7)
    assert [f.status for f in world.connector.emulator.faults_served] == [429]
    assert time.sleeps == []  # no wait inside the send
    assert scheduler.stats.throttled == 1

    world.clock.set(stored.next_attempt_at)
    await scheduler.drain()
    assert len(world.sent(reminder.conversation_id)) == 1
