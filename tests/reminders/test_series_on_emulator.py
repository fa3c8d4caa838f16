"""A recurring meeting's reminders against the Graph emulator over HTTP, on the injected clock:
the series POSTed as `meet` posts it, its reminder written by the meet flow's own `remind`,
one occurrence cancelled and one moved through Graph's API, and the scheduler finding each
next occurrence through `instances`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.graph.models import Event
from bot.local import LOCAL_CLIENT_ID, LOCAL_CLIENT_SECRET
from bot.reminders import MeetingSpot, ReminderScheduler
from bot.store import ReminderState
from dialogs.meet import remind
from tests.conftest import RunningGraph
from tests.reminders.conftest import USER, World, make_scheduler

LA = ZoneInfo("America/Los_Angeles")  # DST begins on Sunday, March 10, 2030
PST = "Pacific Standard Time"
LEAD = timedelta(minutes=10)


async def graph_call(
    graph: RunningGraph, method: str, path: str, *, user: str = USER, **kwargs: Any
) -> Any:
    """One Graph request on `user`'s mailbox as any app makes it: a client-credentials token,
    then the call; its JSON."""
    async with graph.client() as http:
        token = await http.post(
            f"/{graph.emulator.config.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": LOCAL_CLIENT_ID,
                "client_secret": LOCAL_CLIENT_SECRET,
                "scope": "https://graph.microsoft.com/.default",
            },
        )
        token.raise_for_status()
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response: httpx.Response = await http.request(
            method, f"/v1.0/users/{user}{path}", headers=headers, **kwargs
        )
    response.raise_for_status()
    return response.json() if response.content else None


async def book_series(
    world: World, start: str, pattern: dict[str, Any], range_: dict[str, Any]
) -> tuple[Event, str]:
    """POST a 30-minute online series starting at `start` (Los Angeles wall time) and give it
    its reminders as the meet flow does: the master, and the chat they go to."""
    first = datetime.fromisoformat(start)
    created = await graph_call(
        world.graph,
        "POST",
        "/events",
        json={
            "subject": "Standup",
            "start": {"dateTime": start, "timeZone": PST},
            "end": {"dateTime": (first + timedelta(minutes=30)).isoformat(), "timeZone": PST},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "recurrence": {"pattern": pattern, "range": range_},
        },
    )
    master = Event.model_validate(created)
    cid = await world.conversation()
    spot = MeetingSpot(USER, cid, "America/Los_Angeles", "en-US")
    await remind(world.reminders, master, spot, "Standup", LEAD, settles="no-pending-create")
    return master, cid


async def occurrences(world: World, master: Event, since: str, until: str) -> list[Event]:
    listed = await graph_call(
        world.graph,
        "GET",
        f"/events/{master.id}/instances",
        params={"startDateTime": since, "endDateTime": until},
    )
    return [Event.model_validate(item) for item in listed["value"]]


async def send_times(world: World, cid: str, scheduler: ReminderScheduler) -> list[datetime]:
    """Move the clock from one stored attempt to the next until nothing is open, noting the
    clock at each reminder that reached `cid`."""
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


def instance_reads(world: World) -> list[str]:
    return [r.path for r in world.graph.emulator.requests if r.path.endswith("/instances")]


def joins(world: World, cid: str) -> list[str]:
    found = []
    for call in world.sent(cid):
        card = call.body["attachments"][0]["content"]
        found += [a["url"] for a in card["actions"] if a["type"] == "Action.OpenUrl"]
    return found


async def test_a_daily_series_over_three_days_one_cancelled_one_moved(world: World) -> None:
    daily = {"type": "daily", "interval": 1}
    numbered = {"type": "numbered", "startDate": "2030-03-05", "numberOfOccurrences": 3}
    master, cid = await book_series(world, "2030-03-05T09:00:00", daily, numbered)
    first, second, third = await occurrences(
        world, master, "2030-03-05T00:00:00Z", "2030-03-09T00:00:00Z"
    )
    (reminder,) = await world.store.open_reminders(USER)
    assert (reminder.event_id, reminder.series_id) == (master.id, master.id)

    await graph_call(
        world.graph, "POST", f"/events/{second.id}/cancel", json={"comment": "Holiday"}
    )
    await graph_call(
        world.graph,
        "PATCH",
        f"/events/{third.id}",
        json={
            "start": {"dateTime": "2030-03-07T11:00:00", "timeZone": PST},
            "end": {"dateTime": "2030-03-07T11:30:00", "timeZone": PST},
        },
    )
    asked = len(instance_reads(world))
    times = await send_times(world, cid, world.scheduler)

    assert [t.astimezone(LA) for t in times] == [
        datetime(2030, 3, 5, 8, 50, tzinfo=LA),
        datetime(2030, 3, 7, 10, 50, tzinfo=LA),  # the moved one, at its new time
    ]
    assert joins(world, cid) == [first.join_url, third.join_url]
    assert all(url for url in joins(world, cid))
    stored = await world.store.reminder_counts()
    assert stored == {ReminderState.SENT: 2, ReminderState.SKIPPED: 1}  # then: the series ended
    # The bot's lookups: the first occurrence, the one after it, and the end.
    assert len(instance_reads(world)) - asked == 3


async def test_a_weekly_series_across_the_dst_change_keeps_its_wall_time(world: World) -> None:
    weekly = {"type": "weekly", "interval": 1, "daysOfWeek": ["friday"]}
    until = {"type": "endDate", "startDate": "2030-03-08", "endDate": "2030-03-15"}
    world.clock.set(datetime(2030, 3, 8, 6, 0, tzinfo=LA))  # the Friday before the change
    _, cid = await book_series(world, "2030-03-08T09:00:00", weekly, until)

    times = await send_times(world, cid, world.scheduler)

    local = [t.astimezone(LA) for t in times]
    assert [(t.month, t.day, t.hour, t.minute) for t in local] == [(3, 8, 8, 50), (3, 15, 8, 50)]
    assert [t.astimezone(UTC).hour for t in times] == [16, 15]  # PST, then PDT


async def test_the_watch_reminds_each_occurrence_once_beside_the_bots_own_series(
    world: World,
) -> None:
    daily = {"type": "daily", "interval": 1}
    numbered = {"type": "numbered", "startDate": "2030-03-05", "numberOfOccurrences": 3}
    parts = world.parts()
    # Scans far ahead, and seldom: each occurrence is seen by many of them all the same.
    scheduler = make_scheduler(
        parts, watch_lookahead=timedelta(days=4), watch_interval=timedelta(hours=6)
    )
    # One series made elsewhere, one made by the bot in the chat the watch reminds in.
    elsewhere = world.graph.emulator.seed_event(
        USER,
        {
            "subject": "Made elsewhere",
            "start": {"dateTime": "2030-03-05T07:00:00", "timeZone": PST},
            "end": {"dateTime": "2030-03-05T07:30:00", "timeZone": PST},
            "isOnlineMeeting": True,
            "onlineMeetingProvider": "teamsForBusiness",
            "recurrence": {"pattern": daily, "range": numbered},
        },
    )
    master, cid = await book_series(world, "2030-03-05T09:00:00", daily, numbered)
    await world.reminders.watch(MeetingSpot(USER, cid, "America/Los_Angeles", "en-US"))
    await scheduler.drain()  # the first scan

    times = await send_times(world, cid, scheduler)

    assert len(times) == 6  # three of each series, each once
    subjects = [card_subject(call.body) for call in world.sent(cid)]
    assert subjects.count("Made elsewhere") == 3 and subjects.count("Standup") == 3
    keys = [call.body["channelData"]["meetbot"]["deliveryKey"] for call in world.sent(cid)]
    assert len(set(keys)) == 6
    reminders = await world.store.open_reminders(USER)
    assert reminders == []
    assert elsewhere["id"] != master.id


def card_subject(body: dict[str, Any]) -> str:
    return str(body["summary"]).removeprefix("Reminder: ")
