"""Reminders in delegated mode when the organizer has no token (signed out, consent revoked):
the scheduler's Graph reads raise `SignInRequired`. A due reminder still goes out, once, with
what was stored when it was made and a line saying it was not re-checked; with a token it is
re-read as ever; a calendar watch skips its round. The store, the Graph emulator and the
connector emulator are real; time is a ManualClock."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from bot.reminders import MeetingSpot, SchedulerConfig
from bot.reminders.plan import next_check
from bot.store import ReminderState
from tests.reminders.conftest import T0, USER, World
from tests.reminders.signed_out import (
    EN,
    ZH,
    booked,
    card_of,
    joins,
    move,
    scheduler_for,
    stored,
    warnings,
)
from tests.reminders.test_series import run_until_quiet

# --- one meeting ------------------------------------------------------------------------------


async def test_without_a_token_the_due_reminder_goes_out_as_stored_and_says_so(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    start = T0 + timedelta(hours=2)
    reminder, join_url = await booked(world, "Design review", start)
    move(world, reminder.event_id, start + timedelta(hours=1))  # unseen: it cannot be read
    organizer.signed_in = False

    world.clock.set(reminder.due_at)
    assert await scheduler.drain() == 1

    (call,) = world.sent(reminder.conversation_id)
    card = card_of(call)
    assert card["body"][0]["text"] == "Starts in 10 min"  # the stored time
    assert warnings(card) == [EN.reminder_not_rechecked]
    assert card["body"][2]["text"] == "Design review"
    assert joins(card) == [join_url]  # the link stored when it was made
    assert call.body["channelData"]["meetbot"]["deliveryKey"] == reminder.delivery_key
    assert call.body["summary"] == "Reminder: Design review"
    assert organizer.refused == ["get_event"]
    sent = await stored(world, reminder.id)
    assert sent.state is ReminderState.SENT and sent.attempts == 0
    assert scheduler.stats.sent == 1 and scheduler.stats.unchecked == 1

    world.clock.advance(timedelta(hours=2))  # nothing more: sent once
    assert await scheduler.drain() == 0
    assert len(world.sent(reminder.conversation_id)) == 1


async def test_with_a_token_the_reminder_is_rechecked_as_ever(world: World) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    start = T0 + timedelta(hours=2)
    reminder, join_url = await booked(world, "Design review", start)
    later = start + timedelta(hours=1)
    move(world, reminder.event_id, later)

    world.clock.set(reminder.due_at)
    await scheduler.drain()
    assert world.sent() == []  # the move was seen: nothing at the old time
    assert (await stored(world, reminder.id)).starts_at == later

    world.clock.set(later - timedelta(minutes=10))
    assert await scheduler.drain() == 1
    (call,) = world.sent(reminder.conversation_id)
    card = card_of(call)
    assert warnings(card) == []
    assert card["body"][0]["text"] == "Starts in 10 min"
    assert joins(card) == [join_url]
    assert "tel:" in json.dumps(card)  # the dial-in Graph gave, which nothing stores
    assert organizer.refused == [] and scheduler.stats.unchecked == 0


async def test_the_chinese_card_says_it_in_chinese(world: World) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    reminder, _ = await booked(world, "周会", T0 + timedelta(hours=1), locale="zh-CN")
    organizer.signed_in = False

    world.clock.set(reminder.due_at)
    await scheduler.drain()

    (call,) = world.sent(reminder.conversation_id)
    assert warnings(card_of(call)) == [ZH.reminder_not_rechecked]


async def test_checks_ahead_of_time_without_a_token_go_on_and_see_a_move_after_a_sign_in(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    start = T0 + timedelta(hours=3)
    reminder, _ = await booked(world, "Planning", start)
    organizer.signed_in = False

    world.clock.set(reminder.next_attempt_at)  # the first check
    assert await scheduler.drain() == 1
    waiting = await stored(world, reminder.id)
    assert waiting.state is ReminderState.PENDING and waiting.attempts == 0
    assert waiting.next_attempt_at == next_check(world.clock.now(), reminder.due_at)
    assert world.sent() == []

    later = start + timedelta(hours=2)
    move(world, reminder.event_id, later)
    organizer.signed_in = True  # signed in again before the reminder was due
    world.clock.set(waiting.next_attempt_at)
    await scheduler.drain()
    assert (await stored(world, reminder.id)).starts_at == later

    world.clock.set(start - timedelta(minutes=10))  # the old time: nothing
    await scheduler.drain()
    assert world.sent() == []
    await run_until_quiet(world, scheduler)
    (call,) = world.sent(reminder.conversation_id)
    assert warnings(card_of(call)) == []


async def test_without_a_token_a_reminder_picked_up_after_its_meeting_ended_is_skipped(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    start = T0 + timedelta(hours=1)
    reminder, _ = await booked(world, "Retro", start)
    organizer.signed_in = False

    world.clock.set(start + timedelta(minutes=31))  # the bot was down through the meeting
    await scheduler.drain()

    assert world.sent() == []
    skipped = await stored(world, reminder.id)
    assert skipped.state is ReminderState.SKIPPED


async def test_a_failed_send_without_a_token_is_retried_and_arrives_once(world: World) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    reminder, join_url = await booked(world, "Sync", T0 + timedelta(hours=1))
    organizer.signed_in = False
    world.connector.emulator.fail_next("send", 1, 500)  # not retried within the send

    world.clock.set(reminder.due_at)
    await scheduler.drain()
    assert world.sent() == []
    retried = await stored(world, reminder.id)
    assert retried.state is ReminderState.PENDING and retried.attempts == 1

    world.clock.set(retried.next_attempt_at)
    await scheduler.drain()
    (call,) = world.sent(reminder.conversation_id)
    assert joins(card_of(call)) == [join_url]
    assert call.body["channelData"]["meetbot"]["deliveryKey"] == reminder.delivery_key
    assert (await stored(world, reminder.id)).state is ReminderState.SENT
    assert organizer.refused == ["get_event", "get_event"]


async def test_the_running_loop_stays_healthy_and_sends_as_stored_without_a_token(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    reminder, join_url = await booked(world, "Design review", T0 + timedelta(minutes=20))
    await world.reminders.watch(MeetingSpot(USER, reminder.conversation_id, "UTC", "en-US"))
    organizer.signed_in = False
    runner = asyncio.create_task(scheduler.run())
    try:
        await scheduler.settle()  # the watch's round is skipped, not failed
        assert organizer.refused == ["list_calendar_view"]
        world.clock.set(reminder.due_at)
        await world.connector.emulator.wait_for(lambda e: len(e.activities()) == 1, timeout=10)
        await scheduler.settle()
        health = scheduler.health()
        assert health["ok"] is True and health["failing_rounds"] == 0
        assert health["stats"]["unchecked"] == 1
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
    (call,) = world.sent(reminder.conversation_id)
    assert joins(card_of(call)) == [join_url]
    assert (await stored(world, reminder.id)).state is ReminderState.SENT


# --- a calendar watch -------------------------------------------------------------------------


async def test_a_watch_without_a_token_skips_the_round_and_scans_after_a_sign_in(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    cid = await world.conversation()
    await world.reminders.watch(MeetingSpot(USER, cid, "UTC", "en-US"))
    world.seed("Weekly sync", T0 + timedelta(minutes=40))
    organizer.signed_in = False

    await scheduler.drain()

    assert organizer.refused == ["list_calendar_view"]
    assert await world.store.open_reminders(USER) == []
    watch = await world.store.get_watch(USER)
    assert watch is not None  # kept, and due again after one interval
    assert watch.next_scan_at == T0 + SchedulerConfig().watch_interval
    await scheduler.drain()  # not before then
    assert organizer.refused == ["list_calendar_view"]

    organizer.signed_in = True
    world.clock.set(watch.next_scan_at)
    await scheduler.drain()
    (reminder,) = await world.store.open_reminders(USER)
    assert reminder.source == "watch" and reminder.subject == "Weekly sync"


async def test_a_watched_meeting_without_a_token_is_reminded_without_a_join_link(
    world: World,
) -> None:
    organizer, scheduler = scheduler_for(world, world.client)
    cid = await world.conversation()
    await world.reminders.watch(MeetingSpot(USER, cid, "UTC", "en-US"))
    start = T0 + timedelta(minutes=40)
    world.seed("Weekly sync", start)
    await scheduler.drain()  # the scan, with the token, makes the reminder
    (reminder,) = await world.store.open_reminders(USER)
    organizer.signed_in = False

    world.clock.set(reminder.due_at)
    await scheduler.drain()

    (call,) = world.sent(cid)
    card = card_of(call)
    assert warnings(card) == [EN.reminder_not_rechecked]
    assert card["body"][2]["text"] == "Weekly sync"
    assert joins(card) == []  # a watch keeps no join link of its own
    assert (await stored(world, reminder.id)).state is ReminderState.SENT
