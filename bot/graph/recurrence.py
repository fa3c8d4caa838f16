"""A `Repeat` as Graph's `patternedRecurrence`: the `recurrence` of a create-event body.

The shape is the one the create-event page's requests use (seeds/004, examples 3 and 4):
`pattern` {type, interval, daysOfWeek, dayOfMonth, index, firstDayOfWeek} and `range` {type,
startDate, endDate | numberOfOccurrences, recurrenceTimeZone}, with day names capitalised as
there ("Monday"). A pattern carries only the properties its type uses (Graph's recurrencePattern
resource: https://learn.microsoft.com/graph/api/resources/recurrencepattern): weekly takes
`daysOfWeek`, absoluteMonthly `dayOfMonth`, relativeMonthly `daysOfWeek` and `index`; daily none.
`firstDayOfWeek` is always sent, as Outlook's default (Sunday), so that an interval of two weeks
counts the weeks Outlook counts. A range is `endDate` (inclusive), `numbered` or `noEnd`
(https://learn.microsoft.com/graph/api/resources/recurrencerange); its `startDate` is the first
occurrence's date in the meeting's zone, and `recurrenceTimeZone` is that zone, by which Graph
keeps the wall-clock time of every occurrence across DST changes.
"""

from __future__ import annotations

from datetime import datetime

from bot.commands.model import Repeat, RepeatType, WeekIndex
from bot.graph.models import zone_for

FIRST_DAY_OF_WEEK = "Sunday"
_WITH_DAYS = frozenset({RepeatType.WEEKLY, RepeatType.RELATIVE_MONTHLY})


def recurrence_json(
    repeat: Repeat, first_start: datetime, zone_name: str
) -> dict[str, dict[str, object]]:
    """The `recurrence` of an event whose first occurrence starts at `first_start` (aware),
    repeating in `zone_name` (the Windows or IANA name the event's start is sent in)."""
    return {"pattern": _pattern(repeat), "range": _range(repeat, first_start, zone_name)}


def _pattern(repeat: Repeat) -> dict[str, object]:
    pattern: dict[str, object] = {"type": str(repeat.type), "interval": repeat.interval}
    if repeat.type in _WITH_DAYS:
        pattern["daysOfWeek"] = [day.capitalize() for day in repeat.days_of_week]
    if repeat.type == RepeatType.ABSOLUTE_MONTHLY:
        pattern["dayOfMonth"] = repeat.day_of_month
    if repeat.type == RepeatType.RELATIVE_MONTHLY:
        pattern["index"] = str(repeat.index or WeekIndex.FIRST)  # Graph's default
    pattern["firstDayOfWeek"] = FIRST_DAY_OF_WEEK
    return pattern


def _range(repeat: Repeat, first_start: datetime, zone_name: str) -> dict[str, object]:
    start_date = first_start.astimezone(zone_for(zone_name)).date().isoformat()
    if repeat.until is not None:
        ends: dict[str, object] = {"type": "endDate", "startDate": start_date}
        ends["endDate"] = repeat.until.isoformat()
    elif repeat.count is not None:
        ends = {"type": "numbered", "startDate": start_date}
        ends["numberOfOccurrences"] = repeat.count
    else:
        ends = {"type": "noEnd", "startDate": start_date}
    ends["recurrenceTimeZone"] = zone_name
    return ends
