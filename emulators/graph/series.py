"""Recurring series on a calendar: the master, its occurrences and its exceptions.

Graph's v1.0 pages say how a series looks from outside:

- event resource type (https://learn.microsoft.com/graph/api/resources/event): `type` is
  singleInstance, occurrence, exception or seriesMaster; an occurrence or exception names its
  master in `seriesMasterId`; only the master carries `recurrence`.
- List calendarView (https://learn.microsoft.com/graph/api/user-list-calendarview): the
  occurrences and exceptions of a series in the window, never its master.
- List instances (https://learn.microsoft.com/graph/api/event-list-instances): the same for
  one master, and its window is required.
- event: cancel (https://learn.microsoft.com/graph/api/event-cancel): the organizer "can also
  cancel an occurrence of a recurring meeting by providing the occurrence event ID"; cancelling
  the master cancels the series.

Only the master is stored. An occurrence is derived from it on each read (so a change to the
master shows in every occurrence) and has a stable id that names the master and the date it
falls on, so it can be read, changed or cancelled later. A changed occurrence becomes an
exception, kept on the series under its original date; a cancelled one is remembered by date.
Occurrences start at the master's wall time in the recurrence's zone, across DST changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from emulators.graph.events import StoredEvent
from emulators.graph.recurrence import falls_on, occurrence_dates
from emulators.graph.zones import zone_named

_ID_PREFIX = "AAMkADoccur"
_ID_MARK = b"occurrence:"


@dataclass
class Series:
    """What a series holds besides its master: exceptions and cancellations, by their date."""

    exceptions: dict[date, StoredEvent] = field(default_factory=dict)
    cancelled: set[date] = field(default_factory=set)

    def forget_changes(self) -> None:
        """Drop exceptions and cancellations, as Outlook does when the series' pattern or
        time changes."""
        self.exceptions.clear()
        self.cancelled.clear()


def occurrence_id(master_id: str, day: date) -> str:
    """The id of the occurrence of `master_id` that falls on `day` (stable across reads)."""
    raw = _ID_MARK + master_id.encode() + b"|" + day.isoformat().encode()
    return _ID_PREFIX + base64.urlsafe_b64encode(raw).decode()


def parse_occurrence_id(event_id: str) -> tuple[str, date] | None:
    """The master id and date an occurrence id names, or None if it is no occurrence id."""
    if not event_id.startswith(_ID_PREFIX):
        return None
    try:
        raw = base64.urlsafe_b64decode(event_id[len(_ID_PREFIX) :].encode())
        master, _, day = raw.removeprefix(_ID_MARK).decode().rpartition("|")
        return master, date.fromisoformat(day)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _wall_start(master: StoredEvent) -> datetime:
    """The master's start as a wall time in the recurrence's zone."""
    name = master.props["recurrence"]["range"]["recurrenceTimeZone"]
    zone = zone_named(name) or zone_named(master.start_zone)
    assert zone is not None  # both were checked when the event was stored
    return master.start.astimezone(zone.tz)


def occurrence(master: StoredEvent, day: date) -> StoredEvent:
    """The occurrence of `master` on `day`, as the master is now."""
    wall = _wall_start(master)
    start = datetime.combine(day, wall.timetz()).astimezone(UTC)
    event = StoredEvent(
        id=occurrence_id(master.id, day),
        created=master.created,
        start=start,
        end=start + (master.end - master.start),
        start_zone=master.start_zone,
        end_zone=master.end_zone,
        subject=master.subject,
        body_type=master.body_type,
        body_content=master.body_content,
        attendees=master.attendees,
        location=master.location,
        locations=master.locations,
        provider=master.provider,
        teams=master.teams,
        other_meeting=master.other_meeting,
        props={**master.props, "recurrence": None},
        organizer=master.organizer,
        event_type="occurrence",
        series_master_id=master.id,
        original_start=start,
        is_cancelled=master.is_cancelled,  # an attendee's copy of a cancelled series
        # The event resource: iCalUId "is different for each occurrence in a recurring series".
        ical_uid=master.ical_uid[:32] + _digest(master.ical_uid, day),
    )
    event.modified, event.change_key = master.modified, master.change_key
    return event


def _digest(ical_uid: str, day: date) -> str:
    return hashlib.sha256(f"{ical_uid}|{day.isoformat()}".encode()).hexdigest().upper()[:80]


def instances(
    master: StoredEvent, series: Series, start: datetime, end: datetime
) -> list[StoredEvent]:
    """The occurrences and exceptions of `master` that overlap [start, end), soonest first."""
    found = [event for event in series.exceptions.values() if overlaps(event, start, end)]
    wall = _wall_start(master)
    duration = master.end - master.start
    # Local dates in the recurrence's zone; a day either side covers any offset.
    until = end.astimezone(wall.tzinfo).date() + timedelta(days=1)
    earliest = (start - duration).astimezone(wall.tzinfo).date() - timedelta(days=1)
    for day in occurrence_dates(master.props["recurrence"], until):
        if day < earliest or day in series.cancelled or day in series.exceptions:
            continue
        event = occurrence(master, day)
        if overlaps(event, start, end):
            found.append(event)
    return sorted(found, key=lambda event: event.start)


def member(master: StoredEvent, series: Series, day: date) -> StoredEvent | None:
    """The occurrence or exception of `master` on `day`; None if it has none or it was
    cancelled."""
    if day in series.cancelled:
        return None
    if day in series.exceptions:
        return series.exceptions[day]
    return occurrence(master, day) if falls_on(master.props["recurrence"], day) else None


def overlaps(event: StoredEvent, start: datetime, end: datetime) -> bool:
    """Whether `event` overlaps [start, end); a zero-length event sits at one instant."""
    if event.start == event.end:
        return start <= event.start < end
    return event.start < end and event.end > start
