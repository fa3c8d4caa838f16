"""What the tests of reminders without the organizer's token share: a Graph whose reads raise
`SignInRequired` while the organizer is signed out (as GraphClient does in delegated mode,
before sending anything), and readers of the cards that reached the connector emulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.graph import SignInRequired
from bot.graph.client import REMINDER_SELECT
from bot.graph.models import Event
from bot.i18n import catalog_for
from bot.reminders import MeetingSpot, ReminderScheduler
from bot.reminders.scheduler import EventSource
from bot.store import Reminder
from tests.reminders.conftest import USER, World, make_scheduler

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
    parts = world.parts(client=organizer)
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
