"""The scheduler against real parts, time moved by hand: nothing here waits for time to pass."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.reminders import Reminders, SendLimits
from bot.reminders.scheduler import first_of
from bot.store import ReminderState
from tests.reminders.conftest import T0, USER, World, make_scheduler
from tests.test_tasks import slow_to_end


def _card(call: Any) -> dict[str, Any]:
    attachment = call.body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment["content"]
    return content


def _text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_a_reminder_goes_out_when_due_and_not_before(world: World) -> None:
    start = T0 + timedelta(hours=2)
    reminder = await world.meeting("Design review", start)
    cid = reminder.conversation_id

    world.clock.set(start - timedelta(minutes=11))
    await world.scheduler.drain()
    assert world.sent(cid) == []

    world.clock.set(start - timedelta(minutes=10))
    assert await world.scheduler.drain() == 1
    (call,) = world.sent(cid)
    card = _card(call)
    assert "Starts in 10 min" in _text(card)
    assert "Design review" in _text(card)
    join = [a for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    event = world.graph.emulator.events(USER)[0]
    assert join[0]["url"] == event["onlineMeeting"]["joinUrl"]
    assert "tel:" in _text(card)  # one-tap dial-in
    assert call.body["channelData"]["meetbot"]["deliveryKey"] == reminder.delivery_key
    assert call.body["channelData"]["notification"] == {"alert": True}

    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENT
    world.clock.advance(timedelta(minutes=5))
    assert await world.scheduler.drain() == 0
    assert len(world.sent(cid)) == 1


async def test_checks_ahead_of_time_read_graph_but_send_nothing(world: World) -> None:
    start = T0 + timedelta(days=2)
    reminder = await world.meeting("Planning", start)
    checks = 0
    while (now := world.clock.now()) < reminder.due_at:
        stored = await world.store.get_reminder(reminder.id)
        assert stored is not None
        world.clock.set(max(now, stored.next_attempt_at))
        checks += await world.scheduler.drain()
        if world.clock.now() == now:
            world.clock.advance(timedelta(seconds=1))
    assert world.sent() != []
    assert len(world.sent()) == 1
    assert 96 <= checks <= 100  # every 30 minutes for 2 days, closer at the end, then the send


async def test_a_cancelled_meeting_is_not_reminded(world: World) -> None:
    start = T0 + timedelta(hours=1)
    reminder = await world.meeting("Retro", start)
    world.graph.emulator.cancel_event(USER, reminder.event_id)

    world.clock.set(reminder.due_at)
    await world.scheduler.drain()
    assert world.sent() == []
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SKIPPED


async def test_a_meeting_moved_later_is_reminded_at_the_new_time_only(world: World) -> None:
    start = T0 + timedelta(hours=1)
    reminder = await world.meeting("1:1", start)
    later = start + timedelta(hours=3)
    world.graph.emulator.update_event(
        USER,
        reminder.event_id,
        {
            "start": {"dateTime": later.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
            "end": {
                "dateTime": (later + timedelta(minutes=30)).replace(tzinfo=None).isoformat(),
                "timeZone": "UTC",
            },
        },
    )

    world.clock.set(reminder.due_at)
    await world.scheduler.drain()
    assert world.sent() == []
    moved = await world.store.get_reminder(reminder.id)
    assert moved is not None and moved.starts_at == later
    assert moved.delivery_key != reminder.delivery_key

    world.clock.set(later - timedelta(minutes=10))
    while await world.scheduler.drain() == 0 and world.clock.now() < later:
        world.clock.advance(timedelta(minutes=1))
    assert world.clock.now() == later - timedelta(minutes=10)
    (call,) = world.sent()
    assert "Starts in 10 min" in _text(_card(call))


async def test_a_meeting_moved_earlier_is_noticed_before_the_old_reminder_time(
    world: World,
) -> None:
    start = T0 + timedelta(hours=4)
    reminder = await world.meeting("Budget", start)
    earlier = T0 + timedelta(hours=1)
    world.graph.emulator.update_event(
        USER,
        reminder.event_id,
        {
            "start": {"dateTime": earlier.replace(tzinfo=None).isoformat(), "timeZone": "UTC"},
            "end": {
                "dateTime": (earlier + timedelta(minutes=30)).replace(tzinfo=None).isoformat(),
                "timeZone": "UTC",
            },
        },
    )
    # Step through time minute by minute, as a clock would, until something is sent.
    while not world.sent() and world.clock.now() < start:
        world.clock.advance(timedelta(minutes=1))
        await world.scheduler.drain()
    assert world.sent(), "the moved meeting was never reminded"
    assert world.clock.now() <= earlier - timedelta(minutes=10)


async def test_no_reminder_means_none_is_sent(world: World) -> None:
    reminder = await world.meeting("Quiet", T0 + timedelta(hours=1), lead=None)
    assert reminder.state is ReminderState.CANCELLED
    world.clock.set(T0 + timedelta(minutes=50))
    await world.scheduler.drain()
    assert world.sent() == []


async def test_a_removed_bot_drops_the_reference_and_records_undeliverable(world: World) -> None:
    reminder = await world.meeting("Sync", T0 + timedelta(hours=1))
    world.connector.emulator.remove_bot(reminder.conversation_id)

    world.clock.set(reminder.due_at)
    await world.scheduler.drain()
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.UNDELIVERABLE
    assert await world.store.get_reference(reminder.conversation_id) is None
    assert world.scheduler.stats.undeliverable == 1


async def test_a_429_is_honoured_with_its_retry_after(world: World) -> None:
    """Nine reminders into one conversation at once, with our own pacing off: Teams allows 7
    a second, so two come back 429 and go out once Retry-After has passed."""
    emulator = world.connector.emulator
    emulator.enable_rate_limits(clock=lambda: world.clock.now().timestamp())
    greedy = make_scheduler(
        world.parts(),
        limits=SendLimits.unlimited(),
    )
    cid = await world.conversation()
    start = T0 + timedelta(hours=1)
    for index in range(9):
        await world.meeting(f"Meeting {index}", start, conversation_id=cid)

    world.clock.set(start - timedelta(minutes=10))
    await greedy.drain()
    assert len(world.sent(cid)) == 7
    assert greedy.stats.throttled == 2
    await greedy.drain()  # Retry-After has not passed on the clock: nothing more
    assert len(world.sent(cid)) == 7

    world.clock.advance(timedelta(seconds=2))
    await greedy.drain()
    assert len(world.sent(cid)) == 9
    counts = await world.store.reminder_counts()
    assert counts == {ReminderState.SENT: 9}


async def test_our_own_buckets_keep_under_teams_limits(world: World) -> None:
    """The same nine, paced by the scheduler's buckets: no 429 at all."""
    emulator = world.connector.emulator
    paced = make_scheduler(
        world.parts(),
        limits=SendLimits(app_rate=48),
    )
    emulator.enable_rate_limits(clock=lambda: world.clock.now().timestamp())
    cid = await world.conversation()
    start = T0 + timedelta(hours=1)
    for index in range(9):
        await world.meeting(f"Meeting {index}", start, conversation_id=cid)
    world.clock.set(start - timedelta(minutes=10))

    task = asyncio.ensure_future(paced.drain())
    while not task.done():  # whenever a sender waits for a token, move time to its turn
        sleeping = asyncio.ensure_future(world.clock.until_sleeping())
        await asyncio.wait({task, sleeping}, return_when=asyncio.FIRST_COMPLETED)
        sleeping.cancel()
        if (wake := world.clock.next_wake()) is not None:
            world.clock.set(wake)
    await task
    assert world.clock.now() > start - timedelta(minutes=10)  # the buckets did make it wait
    assert len(world.sent(cid)) == 9
    assert emulator.throttled == []


async def test_a_crash_after_sending_is_not_a_second_message(world: World) -> None:
    """The send reached the connector but the instance died before marking it: the next one
    resends with the same delivery key, and the connector already has it."""
    reminder = await world.meeting("Crash test", T0 + timedelta(hours=1))
    world.clock.set(reminder.due_at)

    original = world.store.mark_sent_many

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed between send and mark")

    world.store.mark_sent_many = crash  # type: ignore[method-assign]
    with contextlib.suppress(RuntimeError):
        await world.scheduler.drain()
    world.store.mark_sent_many = original  # type: ignore[method-assign]
    assert len(world.sent()) == 1
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENDING

    world.clock.advance(timedelta(seconds=30))  # lease still running: nobody touches it
    assert await world.scheduler.drain() == 0
    world.clock.advance(timedelta(seconds=31))
    assert await world.scheduler.drain() == 1
    assert len(world.sent()) == 1
    assert len(world.connector.emulator.duplicates) == 1
    stored = await world.store.get_reminder(reminder.id)
    assert stored is not None and stored.state is ReminderState.SENT


async def test_two_schedulers_on_one_store_send_each_reminder_once(world: World) -> None:
    parts = world.parts()
    one, other = make_scheduler(parts, concurrency=7), make_scheduler(parts, concurrency=7)
    start = T0 + timedelta(hours=1)
    for index in range(60):
        await world.meeting(f"Meeting {index}", start)
    world.clock.set(start - timedelta(minutes=10))
    claimed = await asyncio.gather(one.drain(), other.drain())
    assert sum(claimed) == 60
    assert min(claimed) > 0  # both took part
    keys = [call.body["channelData"]["meetbot"]["deliveryKey"] for call in world.sent()]
    assert len(keys) == 60 == len(set(keys))
    assert world.connector.emulator.duplicates == []


async def test_the_running_loop_sleeps_until_due_and_wakes_for_new_reminders(
    world: World,
) -> None:
    """With an hour-long poll, only the due time and `wake()` can get the loop going."""
    parts = world.parts()
    looping = make_scheduler(parts, poll=timedelta(hours=1))
    world.reminders = Reminders(
        world.store,
        default_lead=timedelta(minutes=10),
        clock=world.clock.now,
        on_change=looping.wake,
    )
    runner = asyncio.create_task(looping.run())
    emulator = world.connector.emulator
    try:
        first = await world.meeting("First", T0 + timedelta(hours=1))
        await asyncio.wait_for(world.clock.until_sleeping(), 10)
        world.clock.set(first.due_at)
        await emulator.wait_for(lambda e: len(e.activities()) == 1, timeout=10)

        await asyncio.wait_for(world.clock.until_sleeping(), 10)  # idle again, for an hour at most
        second = await world.meeting(
            "Second", world.clock.now() + timedelta(minutes=5), lead=timedelta(minutes=4)
        )
        assert second.state is ReminderState.PENDING
        await asyncio.wait_for(world.clock.until_sleeping(), 10)
        world.clock.advance(timedelta(minutes=1))  # its due time, long before the poll
        await emulator.wait_for(lambda e: len(e.activities()) == 2, timeout=10)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_a_reminder_due_after_the_planned_wake_does_not_wake_the_loop(
    world: World,
) -> None:
    """Each `meet` adds a reminder; one due after the loop's own wake-up costs no round."""
    parts = world.parts()
    looping = make_scheduler(parts, poll=timedelta(minutes=30))
    world.reminders = Reminders(
        world.store,
        default_lead=timedelta(minutes=10),
        clock=world.clock.now,
        on_change=looping.wake,
    )
    runner = asyncio.create_task(looping.run())
    try:
        chat = await world.conversation()
        await asyncio.wait_for(world.clock.until_sleeping(), 10)
        before = world.store.stats.operations
        for hour in (2, 3, 4):  # due after the 30 minute poll: the loop sleeps on
            await world.meeting(f"Later {hour}", T0 + timedelta(hours=hour), conversation_id=chat)
        assert world.store.stats.operations - before == 3  # the three meetings, nothing else

        soon = await world.meeting(
            "Soon", T0 + timedelta(minutes=20), lead=timedelta(minutes=5), conversation_id=chat
        )
        world.clock.set(soon.due_at)  # before the poll: only a wake-up can have planned this
        await world.connector.emulator.wait_for(lambda e: len(e.activities()) == 1, timeout=10)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_the_loop_outlives_a_database_failure_and_health_says_so(world: World) -> None:
    parts = world.parts()
    looping = make_scheduler(parts, poll=timedelta(seconds=5))
    real_next_attempt_at = world.store.next_attempt_at
    failures = 0

    async def database_away() -> datetime | None:
        nonlocal failures
        failures += 1
        raise OSError("database unreachable")

    world.store.next_attempt_at = database_away  # type: ignore[method-assign]
    runner = asyncio.create_task(looping.run())
    try:
        await asyncio.wait_for(world.clock.until_sleeping(), 10)  # pausing after the failure
        assert failures == 1
        health = looping.health()
        assert health["running"] is True
        assert health["ok"] is False
        assert health["failing_rounds"] == 1

        world.store.next_attempt_at = real_next_attempt_at  # type: ignore[method-assign]
        world.clock.advance(timedelta(seconds=5))
        await looping.settle()
        assert looping.health()["ok"] is True
        first = await world.meeting("After the outage", T0 + timedelta(hours=1))
        await looping.settle()
        world.clock.set(first.due_at)
        await world.connector.emulator.wait_for(lambda e: len(e.activities()) == 1, timeout=10)
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_a_cancel_that_comes_while_first_of_tidies_up_goes_on_up() -> None:
    """The scheduler's wait for "the poll interval or a wake-up": when the stop comes just as
    the other wait is being ended, the scheduler still stops (a swallowed cancel left
    shutdown waiting for it for ever)."""
    ending = asyncio.Event()

    async def at_once() -> None:
        return None

    waiting = asyncio.create_task(first_of(at_once(), slow_to_end(ending)))
    await ending.wait()  # first_of has the first result and is ending the other
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
