"""Rooms invited to a meeting answer it, as Exchange's booking assistant does for a room
mailbox: accepted when the room is free for the meeting's time, declined when another event
on the calendar already holds it (a series holds it at each of its occurrences).

Attendee resource type (https://learn.microsoft.com/graph/api/resources/attendee): a room is
an attendee of `type` resource, and its answer is its `status` (a responseStatus with the
response and when it was given).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from emulators.graph.events import StoredEvent
from emulators.graph.series import Series, instances, overlaps
from emulators.graph.zones import instant_text


def answer_rooms(
    event: StoredEvent,
    calendar: Iterable[StoredEvent],
    series: Mapping[str, Series],
    now: datetime,
) -> None:
    """Let each room of `event` that has not answered yet accept or decline it.

    A new series is checked at its first occurrence only: rooms decline a series in Exchange
    when too many of its occurrences clash, which this emulator does not judge.
    """
    others = [other for other in calendar if other.id != event.id and not other.is_cancelled]
    answered = []
    for attendee in event.attendees:
        status = attendee["status"]
        if attendee["type"] == "resource" and status["response"] == "none":
            address = attendee["emailAddress"]["address"].lower()
            taken = any(_holds(other, address, event, series) for other in others)
            status = {"response": "declined" if taken else "accepted", "time": instant_text(now)}
        answered.append({**attendee, "status": status})
    event.attendees = tuple(answered)


def _holds(
    other: StoredEvent, address: str, event: StoredEvent, series: Mapping[str, Series]
) -> bool:
    if not any(_accepted_by(item, address) for item in other.attendees):
        return False
    if other.props["recurrence"] is None:
        return overlaps(other, event.start, event.end)
    found = instances(other, series.get(other.id) or Series(), event.start, event.end)
    return any(item.id != event.id for item in found)


def _accepted_by(attendee: dict[str, Any], address: str) -> bool:
    email: str = attendee["emailAddress"]["address"]
    return (
        attendee["type"] == "resource"
        and attendee["status"]["response"] == "accepted"
        and email.lower() == address
    )
