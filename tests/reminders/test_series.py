"""A recurring meeting's reminders, one per occurrence, on the injected clock: Graph's side is
a small in-test series (the instances a real calendar answers), the store and the connector
are real. The same story end to end, through the Graph emulator, is in tests/e2e."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.graph import GraphNotFound, GraphUnavailable
from bot.graph.models import (
    DateTimeTimeZone,
    Event,
    OnlineMeetingInfo,
    PatternedRecurrence,
    RecurrencePattern,
    RecurrenceRange,
)
from bot.reminders import MeetingSpot, ReminderScheduler
from bot.store import Reminder, ReminderState
from tests.reminders.conftest import T0, USER, World, make_scheduler

MASTER = "series-master"
LEAD = timedelta(minutes=10)
DAILY = PatternedRecurrence(
    pattern=RecurrencePattern(type="daily"), range=RecurrenceRange(type="noEnd")
)


@dataclass
class Occurrence:
    id: str
    start: datetime
    minutes: int = 30
    cancelled: bool = False


@dataclass
class Series:
    """One series master and its occurrences, read as Graph answers: a cancelled occurrence
    is not among the instances and reads as 404; a moved one is there at its new time."""

    occurrences: list[Occurrence]
    failures: int = 0  # instance lookups still to fail (Graph away)
    recurrence: PatternedRecurrence = field(default_factory=lambda: DAILY)
    lookups: list[datetime] = field(default_factory=list)  # each lookup's window start

    @classmethod
    def every(cls, step: timedelta, first: datetime, count: int) -> Series:
        return cls([Occurrence(f"{MASTER}-{n}", first + n * step) for n in range(count)])

    @classmethod
    def weekly_at(cls, wall: datetime, count: int) -> Series:
        """Same wall time every week in `wall`'s zone, across any DST change."""
        days = (wall + timedelta(days=7 * n) for n in range(count))
        return cls([Occurrence(f"{MASTER}-{n}", day) for n, day in enumerate(days)])

    def cancel(self, n: int) -> None:
        self.occurrences[n].cancelled = True

    def move(self, n: int, start: datetime) -> None:
        self.occurrences[n].start = start

    def _event(self, occurrence: Occurrence) -> Event:
        end = occurrence.start + timedelta(minutes=occurrence.minutes)
        return Event(
            id=occurrence.id,
            subject="Standup",
            start=DateTimeTimeZone.from_datetime(occurrence.start, "UTC"),
            end=DateTimeTimeZone.from_datetime(end, "UTC"),
            is_online_meeting=True,
            online_meeting=OnlineMeetingInfo(join_url=f"https://teams.example/{occurrence.id}"),
            type="occurrence",
            series_master_id=MASTER,
        )

    async def get_event(self, user_id: str, event_id: str, *, select: str = "") -> Event:
        if event_id == MASTER:
            return Event(id=MASTER, recurrence=self.recurrence)
        for occurrence in self.occurrences:
            if occurrence.id == event_id and not occurrence.cancelled:
                return self._event(occurrence)
        raise GraphNotFound(404, "ErrorItemNotFound", "not found")

    async def list_instances(
        self, user_id: str, series_id: str, start: datetime, end: datetime, *, top: int = 10
    ) -> list[Event]:
        self.lookups.append(start)
        if self.failures:
            self.failures -= 1
            raise GraphUnavailable(503, "ServiceUnavailable", "try later")
        if series_id != MASTER:
            raise GraphNotFound(404, "ErrorItemNotFound", "not found")
        inside = [
            o
            for o in self.occurrences
            if not o.cancelled and o.start < end and o.start + timedelta(minutes=o.minutes) > start
        ]
        return [self._event(o) for o in sorted(inside, key=lambda o: o.start)[:top]]

    async def list_calendar_view(
        self, user_id: str, start: datetime, end: datetime, *, zone: str
    ) -> list[Event]:
        return await self.list_instances(user_id, MASTER, start, end)


def scheduler_on(world: World, series: Series, **config: Any) -> ReminderScheduler:
    parts = world.parts(client=series)
    return make_scheduler(parts, **config)


async def made_by_meet(world: World, first: datetime) -> tuple[str, Reminder]:
    """What `meet ... every day` leaves: the master's first start, with the master's id."""
    cid = await world.conversation()
    choice = await world.reminders.for_meeting(
        MeetingSpot(USER, cid, "UTC", "en-US"),
        event_id=MASTER,
        subject="Standup",
        start=first,
        end=first + timedelta(minutes=30),
        join_url=None,
        lead=LEAD,
        series=True,
    )
    return cid, choice.reminder


async def run_until_quiet(
    world: World, scheduler: ReminderScheduler, until: datetime | None = None
) -> None:
    """Move the clock from one stored attempt to the next (the checks ahead of time among
    them), draining at each, until nothing is open or the next attempt is after `until`."""
    for _ in range(5000):
        due = await world.store.next_attempt_at()
        if due is None or (until is not None and due > until):
            return
        world.clock.set(max(world.clock.now(), due))
        await scheduler.drain()
    raise AssertionError("the reminders never went quiet")


async def send_times(world: World, scheduler: ReminderScheduler, cid: str) -> list[datetime]:
    """`run_until_quiet` to the end, noting the clock at each reminder sent to `cid`."""
    times: list[datetime] = []
    for _ in range(5000):
        due = await world.store.next_attempt_at()
        if due is None:
            return times
        world.clock.set(max(world.clock.now(), due))
        before = len(world.sent(cid))
        await scheduler.drain()
        times.extend([world.clock.now()] * (len(world.sent(cid)) - before))
    raise AssertionError("the reminders never went quiet")


def sent_at(world: World, cid: str) -> list[tuple[str, str]]:
    """(the occurrence's join URL, the card text's start) for each reminder sent."""
    found = []
    for call in world.sent(cid):
        content = call.body["attachments"][0]["content"]
        urls = [a["url"] for a in content.get("actions", []) if a["type"] == "Action.OpenUrl"]
        found.append((urls[0], call.body["channelData"]["meetbot"]["deliveryKey"]))
    return found


async def test_a_daily_series_over_three_days_skips_the_cancelled_and_follows_the_moved(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)  # 09:00 UTC on three days
    series = Series.every(timedelta(days=1), first, 4)
    scheduler = scheduler_on(world, series)
    cid, reminder = await made_by_meet(world, first)
    assert reminder.series_id == MASTER and reminder.due_at == first - LEAD
    series.cancel(1)  # tomorrow's is cancelled
    moved = first + timedelta(days=2, hours=5)
    series.move(2, moved)  # the day after, at 14:00
    series.occurrences.pop()  # the series ends after the third day

    times = await send_times(world, scheduler, cid)

    assert times == [first - LEAD, moved - LEAD]  # one per occurrence, at its own time
    assert [url for url, _ in sent_at(world, cid)] == [
        f"https://teams.example/{MASTER}-0",
        f"https://teams.example/{MASTER}-2",
    ]
    for call in world.sent(cid):  # the occurrence's card says how its series repeats
        assert "Every day" in json.dumps(call.body["attachments"][0]["content"])
    counts = await world.store.reminder_counts()
    # Two sent, and the last one found that the series had ended; nothing is left open.
    assert counts == {ReminderState.SENT: 2, ReminderState.SKIPPED: 1}
    assert scheduler.stats.sent == 2 and scheduler.stats.followed == 2


async def test_an_occurrence_cancelled_after_it_was_found_is_skipped_and_the_series_goes_on(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 3)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)
    await run_until_quiet(world, scheduler, first)  # day 1 sent; day 2's reminder found
    assert len(world.sent(cid)) == 1
    (waiting,) = await world.store.open_reminders(USER)
    assert waiting.event_id == f"{MASTER}-1"
    series.cancel(1)
    await run_until_quiet(world, scheduler, first + timedelta(days=5))
    assert [url for url, _ in sent_at(world, cid)] == [
        f"https://teams.example/{MASTER}-0",
        f"https://teams.example/{MASTER}-2",
    ]
    skipped = await world.store.get_reminder(waiting.id)
    assert skipped is not None and skipped.state is ReminderState.SKIPPED
    assert await world.store.open_reminders(USER) == []


async def test_graph_away_while_finding_the_next_occurrence_is_retried_not_lost(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 2)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)
    await run_until_quiet(world, scheduler, first - LEAD)
    assert len(world.sent(cid)) == 1
    series.failures = 3
    await run_until_quiet(world, scheduler, first + timedelta(days=3))
    assert len(world.sent(cid)) == 2
    assert scheduler.stats.retried >= 3
    assert len(series.lookups) >= 3 + 3  # first, then three failures and the lookup after


async def test_graph_away_for_long_does_not_end_the_series(world: World) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 2)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)
    await run_until_quiet(world, scheduler, first - LEAD)
    series.failures = 30  # well past the retry budget, for hours
    await run_until_quiet(world, scheduler, first + timedelta(days=3))
    assert len(world.sent(cid)) == 2
    assert series.failures == 0
    assert scheduler.stats.failed == 0


async def test_two_schedulers_and_a_restart_remind_each_occurrence_once(world: World) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 3)
    one, other = scheduler_on(world, series), scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)
    for _ in range(5000):
        due = await world.store.next_attempt_at()
        if due is None:
            break
        world.clock.set(max(world.clock.now(), due))
        await asyncio.gather(one.drain(), other.drain())
        one = scheduler_on(world, series)  # a restart: a new scheduler, the same store
    keys = [key for _, key in sent_at(world, cid)]
    assert len(keys) == 3 == len(set(keys))
    assert world.connector.emulator.duplicates == []


async def test_a_series_unread_at_the_send_still_sends_the_reminder(world: World) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 1)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)

    async def refused(user_id: str, event_id: str, *, select: str = "") -> Event:
        if event_id == MASTER:
            raise GraphUnavailable(503, "ServiceUnavailable", "try later")
        return await Series.get_event(series, user_id, event_id)

    series.get_event = refused  # type: ignore[method-assign]
    await run_until_quiet(world, scheduler)
    (call,) = world.sent(cid)
    assert "Every day" not in json.dumps(call.body["attachments"][0]["content"])


async def test_a_crash_between_send_and_hand_on_neither_loses_nor_doubles(world: World) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 2)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, first)
    await run_until_quiet(world, scheduler, first - LEAD - timedelta(seconds=1))
    world.clock.set(first - LEAD)
    original = world.store.mark_sent_many

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed between send and mark")

    world.store.mark_sent_many = crash  # type: ignore[method-assign]
    with contextlib.suppress(RuntimeError):
        await scheduler.drain()
    world.store.mark_sent_many = original  # type: ignore[method-assign]
    await run_until_quiet(world, scheduler, first + timedelta(days=3))
    keys = [key for _, key in sent_at(world, cid)]
    assert len(keys) == 2 == len(set(keys))  # day 1, then day 2
    assert len(world.connector.emulator.duplicates) == 1  # day 1 resent with its own key
    assert await world.store.reminder_counts() == {
        ReminderState.SENT: 2,
        ReminderState.SKIPPED: 1,  # after day 2: the series had ended
    }


async def test_a_weekly_series_across_a_dst_change_keeps_its_wall_time(world: World) -> None:
    new_york = ZoneInfo("America/New_York")  # DST begins on Sunday, March 10, 2030
    wall = datetime(2030, 3, 5, 9, 0, tzinfo=new_york)
    series = Series.weekly_at(wall, 3)
    scheduler = scheduler_on(world, series)
    cid, _ = await made_by_meet(world, wall.astimezone(UTC))
    times = await send_times(world, scheduler, cid)
    local = [moment.astimezone(new_york) for moment in times]
    assert [(m.hour, m.minute) for m in local] == [(8, 50)] * 3
    assert [m.utcoffset() for m in local] == [timedelta(hours=-5)] + [timedelta(hours=-4)] * 2


async def test_a_first_occurrence_too_soon_for_its_reminder_starts_with_the_next(
    world: World,
) -> None:
    first = T0 + timedelta(minutes=5)
    series = Series.every(timedelta(days=1), first, 2)
    scheduler = scheduler_on(world, series)
    cid, reminder = await made_by_meet(world, first)
    assert reminder.state is ReminderState.PENDING and reminder.awaits_occurrence
    await run_until_quiet(world, scheduler, first + timedelta(days=3))
    assert [url for url, _ in sent_at(world, cid)] == [f"https://teams.example/{MASTER}-1"]


async def test_the_watch_reminds_each_occurrence_once_and_leaves_the_bots_own_series(
    world: World,
) -> None:
    first = T0 + timedelta(minutes=40)
    series = Series.every(timedelta(hours=1), first, 3)
    scheduler = scheduler_on(world, series, watch_lookahead=timedelta(hours=4))
    cid = await world.conversation()
    watch, _ = await world.reminders.watch(MeetingSpot(USER, cid, "UTC", "en-US"))
    await scheduler.drain()  # the first scan
    await run_until_quiet(world, scheduler, first + timedelta(hours=3))
    await scheduler.scan_watch(watch, world.clock.now())  # a second scan adds nothing
    assert len(world.sent(cid)) == 3
    assert len({key for _, key in sent_at(world, cid)}) == 3

    # The same series made by the bot in this chat: the watch leaves it to its own reminders.
    await world.store.stop_watch(USER)
    again = Series.every(timedelta(hours=1), world.clock.now() + timedelta(hours=2), 2)
    scheduler = scheduler_on(world, again)
    _, own = await made_by_meet(world, again.occurrences[0].start)
    watch, _ = await world.reminders.watch(MeetingSpot(USER, own.conversation_id, "UTC", None))
    assert await scheduler.scan_watch(watch, world.clock.now()) == 0
    assert [r.id for r in await world.store.open_reminders(USER)] == [own.id]


async def test_the_reminders_list_shows_a_series_by_its_next_occurrence_once_found(
    world: World,
) -> None:
    first = T0 + timedelta(hours=1)
    series = Series.every(timedelta(days=1), first, 2)
    scheduler = scheduler_on(world, series)
    _, reminder = await made_by_meet(world, first)
    assert [r.id for r in await world.reminders.pending(USER)] == [reminder.id]

    await run_until_quiet(world, scheduler, first - LEAD - timedelta(seconds=1))
    world.clock.set(first - LEAD)
    series.failures = 1  # the send goes out; finding the next occurrence waits for Graph
    await scheduler.run_once()
    await scheduler.run_once()
    (looking,) = await world.store.open_reminders(USER)
    assert looking.awaits_occurrence
    assert await world.reminders.pending(USER) == []

    await run_until_quiet(world, scheduler, first)
    (listed,) = await world.reminders.pending(USER)
    assert listed.event_id == f"{MASTER}-1"
    assert listed.starts_at == first + timedelta(days=1)
