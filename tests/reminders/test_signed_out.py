"""Reminders in delegated mode when the organizer has no token (signed out, consent revoked):
the scheduler's Graph reads raise `SignInRequired`, as GraphClient does before sending
anything. A due reminder still goes out, once, with what was stored when it was made and a
line saying it was not re-checked; with a token it is re-read as ever. The store, the Graph
emulator and the connector emulator are real; time is a ManualClock."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

import pytest

from bot.graph import GraphClient, SignInRequired
from bot.graph.client import REMINDER_SELECT
from bot.graph.models import DateTimeTimeZone, Event, OnlineMeetingInfo
from bot.i18n import catalog_for
from bot.reminders import (
    MeetingSpot,
    PendingCreates,
    ProactiveSender,
    ReconcileConfig,
    ReminderScheduler,
    SchedulerConfig,
)
from bot.reminders.plan import next_check
from bot.reminders.scheduler import SIGN_IN_PATIENCE, SIGN_IN_RECHECK, EventSource
from bot.store import PendingCreate, Reminder, ReminderState
from dialogs.meet import MeetingFlow
from tests.reminders.conftest import T0, USER, World, make_scheduler
from tests.reminders.test_series import LEAD, MASTER, Series, run_until_quiet

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")


@dataclass
class Organizer:
    """The scheduler's Graph reads as delegated mode makes them: with the organizer's token
    while they are signed in; without one, `SignInRequired` and no request at all."""

    graph: EventSource
    signed_in: bool = True
    refused: list[str] = field(default_factory=list)  # the reads that had no token

    def _token(self, user_id: str, read: str) -> None:
        if not self.signed_in:
            self.refused.append(read)
            raise SignInRequired(user_id)

    async def get_event(
        self, user_id: str, event_id: str, *, select: str = REMINDER_SELECT
    ) -> Event:
        self._token(user_id, "get_event")
        return await self.graph.get_event(user_id, event_id, select=select)

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]:
        self._token(user_id, "list_calendar_view")
        return await self.graph.list_calendar_view(user_id, start, end, zone=zone)

    async def list_instances(
        self, user_id: str, series_id: str, start: datetime, end: datetime, *, top: int = 10
    ) -> list[Event]:
        self._token(user_id, "list_instances")
        return await self.graph.list_instances(user_id, series_id, start, end, top=top)


def scheduler_for(world: World, graph: EventSource) -> tuple[Organizer, ReminderScheduler]:
    organizer = Organizer(graph)
    parts = {
        "store": world.store,
        "client": organizer,
        "clock": world.clock,
        "adapter": world.adapter,
    }
    return organizer, make_scheduler(parts)


async def booked(
    world: World, subject: str, start: datetime, *, locale: str = "en-US"
) -> tuple[Reminder, str]:
    """A meeting `meet` made: the event in Graph, the meeting (with its join link) and its
    reminder in the store. The reminder and the join link."""
    cid = await world.conversation()
    event_id = world.seed(subject, start)
    (event,) = [e for e in world.graph.emulator.events(USER) if e["id"] == event_id]
    join_url = str(event["onlineMeeting"]["joinUrl"])
    choice = await world.reminders.for_meeting(
        MeetingSpot(USER, cid, "UTC", locale),
        event_id=event_id,
        subject=subject,
        start=start,
        end=start + timedelta(minutes=30),
        join_url=join_url,
        lead=timedelta(minutes=10),
    )
    return choice.reminder, join_url


def card_of(call: Any) -> dict[str, Any]:
    content: dict[str, Any] = call.body["attachments"][0]["content"]
    return content


def warnings(card: dict[str, Any]) -> list[str]:
    return [
        b["text"]
        for b in card["body"]
        if b.get("type") == "TextBlock" and b.get("color") == "Warning"
    ]


def joins(card: dict[str, Any]) -> list[str]:
    return [a["url"] for a in card.get("actions", []) if a["type"] == "Action.OpenUrl"]


def move(world: World, event_id: str, start: datetime) -> None:
    def wall(value: datetime) -> str:
        return value.replace(tzinfo=None).isoformat()

    world.graph.emulator.update_event(
        USER,
        event_id,
        {
            "start": {"dateTime": wall(start), "timeZone": "UTC"},
            "end": {"dateTime": wall(start + timedelta(minutes=30)), "timeZone": "UTC"},
        },
    )


async def stored(world: World, reminder_id: str) -> Reminder:
    found = await world.store.get_reminder(reminder_id)
    assert found is not None
    return found


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
    world.connector.emulator.fail_next("reply", 1, 500)  # not retried within the send

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


# --- a series ---------------------------------------------------------------------------------


SERIES_JOIN = "https://teams.example/the-series"


async def series_by_meet(world: World, series: Series) -> tuple[str, Reminder]:
    """What `meet ... every day` leaves, the series' join link stored with the master."""
    cid = await world.conversation()
    first = series.occurrences[0].start
    choice = await world.reminders.for_meeting(
        MeetingSpot(USER, cid, "UTC", "en-US"),
        event_id=MASTER,
        subject="Standup",
        start=first,
        end=first + timedelta(minutes=30),
        join_url=SERIES_JOIN,
        lead=LEAD,
        series=True,
    )
    return cid, choice.reminder


async def test_a_series_occurrence_without_a_token_goes_out_as_stored_and_the_series_waits(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 3)
    organizer, scheduler = scheduler_for(world, series)
    cid, made = await series_by_meet(world, series)
    world.clock.set(made.next_attempt_at)
    await scheduler.drain()  # the first occurrence is found, with the token
    (found,) = await world.store.open_reminders(USER)
    assert found.event_id == f"{MASTER}-0"
    organizer.signed_in = False

    world.clock.set(found.due_at)
    await scheduler.drain()

    (call,) = world.sent(cid)
    card = card_of(call)
    assert warnings(card) == [EN.reminder_not_rechecked_series]
    assert joins(card) == [SERIES_JOIN]
    assert (await stored(world, found.id)).state is ReminderState.SENT
    # Its successor cannot look for the next occurrence: it stays open, to look again later.
    (waiting,) = await world.store.open_reminders(USER)
    assert waiting.awaits_occurrence and waiting.state is ReminderState.PENDING
    assert waiting.next_attempt_at == world.clock.now() + SIGN_IN_RECHECK
    assert waiting.attempts == 0
    assert organizer.refused == ["get_event", "list_instances"]
    assert await world.reminders.pending(USER) == []  # not listed until it knows its time


async def test_a_series_picks_up_the_next_occurrence_still_to_come_after_a_sign_in(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 5)
    organizer, scheduler = scheduler_for(world, series)
    cid, _ = await series_by_meet(world, series)
    await run_until_quiet(world, scheduler, first)  # day 1 reminded, day 2's found
    organizer.signed_in = False
    day_2, day_4 = series.occurrences[1].start, series.occurrences[3].start

    await run_until_quiet(world, scheduler, day_4 - timedelta(hours=2))  # day 3 passes

    cards = [card_of(call) for call in world.sent(cid)]
    assert len(cards) == 2  # day 2's went out as stored; nothing could find day 3
    assert warnings(cards[0]) == [] and warnings(cards[1]) == [EN.reminder_not_rechecked_series]
    looked = organizer.refused.count("list_instances")
    assert 0 < looked <= (day_4 - day_2) / SIGN_IN_RECHECK  # hourly, not in a loop
    organizer.signed_in = True

    await run_until_quiet(world, scheduler, day_4)
    cards = [card_of(call) for call in world.sent(cid)]
    assert len(cards) == 3
    assert warnings(cards[2]) == []  # found and re-read: rechecked
    assert joins(cards[2]) == [f"https://teams.example/{MASTER}-3"]  # day 4's, not day 3's
    assert organizer.refused.count("list_instances") == looked


async def test_a_series_whose_organizer_never_signs_in_again_ends_and_stops_looking(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 60)
    organizer, scheduler = scheduler_for(world, series)
    cid, _ = await series_by_meet(world, series)
    await run_until_quiet(world, scheduler, first)  # day 1 reminded, day 2's found
    organizer.signed_in = False
    day_2 = series.occurrences[1].start
    await run_until_quiet(world, scheduler, day_2)  # day 2 as stored; its successor waits
    (waiting,) = await world.store.open_reminders(USER)

    await run_until_quiet(world, scheduler)  # until nothing is open

    assert (
        day_2 + SIGN_IN_PATIENCE <= world.clock.now() < day_2 + SIGN_IN_PATIENCE + SIGN_IN_RECHECK
    )
    assert len(world.sent(cid)) == 2  # day 1, and day 2 as stored
    # Hourly from the hand-on (before day 2 began) to the look that gave up: no more.
    assert organizer.refused.count("list_instances") <= SIGN_IN_PATIENCE / SIGN_IN_RECHECK + 2
    assert await world.store.open_reminders(USER) == []
    ended = await stored(world, waiting.id)  # (the sent ones are past retention by now)
    assert ended.state is ReminderState.FAILED
    assert ended.detail is not None and "signed in" in ended.detail


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


# --- a pending create -------------------------------------------------------------------------

LEASE = timedelta(seconds=60)


@dataclass
class CreatingGraph:
    """The two Graph calls the meet flow's reconcile makes, as delegated mode answers them:
    `SignInRequired` while the organizer is signed out, else the event the create made."""

    start: datetime
    signed_in: bool = False
    calls: list[str] = field(default_factory=list)

    def event(self, transaction_id: str) -> Event:
        return Event(
            id="made-by-the-create",
            subject="Kickoff",
            start=DateTimeTimeZone.from_datetime(self.start, "UTC"),
            end=DateTimeTimeZone.from_datetime(self.start + timedelta(minutes=30), "UTC"),
            is_online_meeting=True,
            online_meeting=OnlineMeetingInfo(join_url="https://teams.example/kickoff"),
            transaction_id=transaction_id,
        )

    def event_request(self, **_: Any) -> object:
        return object()  # what the create is sent: not looked at here

    async def create_event(
        self, user_id: str, request: object, *, zone: str, transaction_id: str
    ) -> Event:
        self.calls.append("create_event")
        if not self.signed_in:
            raise SignInRequired(user_id)
        return self.event(transaction_id)

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]:
        self.calls.append("list_calendar_view")
        if not self.signed_in:
            raise SignInRequired(user_id)
        return [self.event("tx-kickoff")]


def reconciling(world: World, graph: CreatingGraph) -> PendingCreates:
    flow = MeetingFlow(cast(GraphClient, graph), simulated=False, reminders=world.reminders)
    return PendingCreates(
        store=world.store,
        finisher=flow,
        sender=ProactiveSender(world.adapter, ""),
        clock=world.clock,
        config=ReconcileConfig(lease=LEASE, max_attempts=3),
    )


def pending_create(cid: str, start: datetime, *, find_only: bool) -> PendingCreate:
    return PendingCreate(
        transaction_id="tx-kickoff",
        user_id=USER,
        conversation_id=cid,
        subject="Kickoff",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        attendees=(),
        lead=timedelta(minutes=10),
        zone="UTC",
        locale="en-US",
        next_attempt_at=T0,
        find_only=find_only,
    )


@pytest.mark.parametrize("find_only", [False, True], ids=["create", "find"])
async def test_a_pending_create_waits_for_a_sign_in_past_its_attempts_and_then_finishes(
    world: World, find_only: bool
) -> None:
    cid = await world.conversation()
    start = T0 + timedelta(days=1)
    graph = CreatingGraph(start)
    pending = reconciling(world, graph)
    await world.store.add_pending_create(pending_create(cid, start, find_only=find_only))

    for _ in range(5):  # more than max_attempts: none of them gives up
        assert await pending.run_once() == world.clock.now() + LEASE  # back after the lease
        world.clock.advance(LEASE)
    assert len(graph.calls) == 5
    assert world.sent(cid) == []  # nothing told, nothing settled
    assert await world.store.open_reminders(USER) == []

    graph.signed_in = True
    assert await pending.run_once() is None  # settled

    (reminder,) = await world.store.open_reminders(USER)
    assert reminder.event_id == "made-by-the-create" and reminder.starts_at == start
    (call,) = world.sent(cid)  # the meeting card, once
    assert "https://teams.example/kickoff" in json.dumps(card_of(call))
    assert pending.reconciled == 1


async def test_a_pending_create_whose_organizer_never_signs_in_ends_with_its_meeting(
    world: World,
) -> None:
    cid = await world.conversation()
    start = T0 + timedelta(minutes=30)
    graph = CreatingGraph(start)
    pending = reconciling(world, graph)
    await world.store.add_pending_create(pending_create(cid, start, find_only=False))

    while (due := await pending.run_once()) is not None:
        world.clock.set(due)

    assert world.clock.now() == start + timedelta(minutes=30)  # the meeting's end
    assert len(graph.calls) == 60  # once a lease, while the meeting was still to come or on
    assert world.sent(cid) == []
    assert await world.store.open_reminders(USER) == []
