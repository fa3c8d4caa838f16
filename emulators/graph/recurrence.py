"""A series' `recurrence` (Graph's `patternedRecurrence`): checked, normalised, and expanded.

Graph's v1.0 reference is the source of every rule here:

- patternedRecurrence: https://learn.microsoft.com/graph/api/resources/patternedrecurrence
  (a `pattern` and a `range`, both required).
- recurrencePattern: https://learn.microsoft.com/graph/api/resources/recurrencepattern
  (six types; `interval` required; `daysOfWeek` required for weekly, relativeMonthly and
  relativeYearly; `dayOfMonth` for absoluteMonthly and absoluteYearly; `month` for the yearly
  types; `firstDayOfWeek` defaults to sunday, `index` to first; with several `daysOfWeek` a
  relative pattern falls on the first day that satisfies it).
- recurrenceRange: https://learn.microsoft.com/graph/api/resources/recurrencerange
  (`startDate` always; `endDate` if endDate, `numberOfOccurrences` (positive) if numbered;
  `recurrenceTimeZone` defaults to the event's zone).

Answers show every property, zero or a default where unused, as seed 004's examples 3 and 4 do:
`daysOfWeek` lower-case (left out when the pattern has none), `month`/`dayOfMonth` 0,
`firstDayOfWeek` "sunday", `index` "first", the range's `endDate` "0001-01-01" unless it is an
endDate range and `numberOfOccurrences` 0 unless it is numbered.

Expansion works on dates in the recurrence's zone; `series` puts the master's wall time on them.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from emulators.graph.errors import GraphError, bad_request, property_validation, zone_not_supported
from emulators.graph.zones import zone_named

PATTERN_TYPES = (
    "daily",
    "weekly",
    "absoluteMonthly",
    "relativeMonthly",
    "absoluteYearly",
    "relativeYearly",
)
RANGE_TYPES = ("endDate", "noEnd", "numbered")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # weekday()
INDEXES = ("first", "second", "third", "fourth", "last")
NO_DATE = "0001-01-01"
_NEEDS_DAYS = ("weekly", "relativeMonthly", "relativeYearly")
_NEEDS_DAY_OF_MONTH = ("absoluteMonthly", "absoluteYearly")
_NEEDS_MONTH = ("absoluteYearly", "relativeYearly")


def invalid_request(message: str) -> GraphError:
    return bad_request(message, code="ErrorInvalidRequest")


def normalise(value: Any, event_zone: str) -> dict[str, Any] | None:
    """The recurrence as Graph answers it, or the 400 Graph gives for it; None stays None.

    `event_zone` is the name of the start's zone as the client sent it: a range without
    `recurrenceTimeZone` answers with it (seed 004).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_request("'recurrence' must be a patternedRecurrence object.")
    pattern, range_ = _get(value, "pattern"), _get(value, "range")
    if pattern is None or range_ is None:
        raise property_validation("A recurrence needs both a 'pattern' and a 'range'.")
    if not isinstance(pattern, dict) or not isinstance(range_, dict):
        raise invalid_request("'recurrence.pattern' and 'recurrence.range' must be objects.")
    return {"pattern": _pattern(pattern), "range": _range(range_, event_zone)}


def _pattern(value: dict[str, Any]) -> dict[str, Any]:
    kind = _enum(_get(value, "type"), PATTERN_TYPES, "recurrence.pattern.type", required=True)
    interval = _int(_get(value, "interval"), "recurrence.pattern.interval")
    if interval is None or interval < 1:
        raise property_validation("'recurrence.pattern.interval' must be 1 or more.")
    days = _days(_get(value, "daysOfWeek"))
    if kind in _NEEDS_DAYS and not days:
        raise property_validation(f"A {kind} pattern needs at least one of 'daysOfWeek'.")
    day_of_month = _int(_get(value, "dayOfMonth"), "recurrence.pattern.dayOfMonth") or 0
    if kind in _NEEDS_DAY_OF_MONTH and not 1 <= day_of_month <= 31:
        raise property_validation(f"A {kind} pattern needs a 'dayOfMonth' from 1 to 31.")
    month = _int(_get(value, "month"), "recurrence.pattern.month") or 0
    if kind in _NEEDS_MONTH and not 1 <= month <= 12:
        raise property_validation(f"A {kind} pattern needs a 'month' from 1 to 12.")
    first = _enum(_get(value, "firstDayOfWeek"), DAYS, "recurrence.pattern.firstDayOfWeek")
    index = _enum(_get(value, "index"), INDEXES, "recurrence.pattern.index")
    result: dict[str, Any] = {
        "type": kind,
        "interval": interval,
        "month": month if kind in _NEEDS_MONTH else 0,
        "dayOfMonth": day_of_month if kind in _NEEDS_DAY_OF_MONTH else 0,
    }
    if days:
        result["daysOfWeek"] = days
    result["firstDayOfWeek"] = first or "sunday"
    result["index"] = index or "first"
    return result


def _range(value: dict[str, Any], event_zone: str) -> dict[str, Any]:
    kind = _enum(_get(value, "type"), RANGE_TYPES, "recurrence.range.type", required=True)
    start = _date(_get(value, "startDate"), "recurrence.range.startDate")
    if start is None:
        raise property_validation("A recurrence range needs a 'startDate'.")
    end = _date(_get(value, "endDate"), "recurrence.range.endDate")
    if kind == "endDate":
        if end is None:
            raise property_validation("An endDate range needs an 'endDate'.")
        if end < start:
            raise property_validation("The recurrence range's 'endDate' is before its start.")
    count = _int(_get(value, "numberOfOccurrences"), "recurrence.range.numberOfOccurrences")
    if kind == "numbered" and (count is None or count < 1):
        raise property_validation("A numbered range needs a positive 'numberOfOccurrences'.")
    zone = _get(value, "recurrenceTimeZone")
    if zone is not None and (not isinstance(zone, str) or zone_named(zone) is None):
        raise zone_not_supported(zone if isinstance(zone, str) else "")
    return {
        "type": kind,
        "startDate": start.isoformat(),
        "endDate": end.isoformat() if kind == "endDate" and end is not None else NO_DATE,
        "recurrenceTimeZone": zone or event_zone,
        "numberOfOccurrences": count if kind == "numbered" and count is not None else 0,
    }


def _get(obj: dict[str, Any], name: str) -> Any:
    """A property matched without regard to case, as Graph matches them."""
    return next((v for k, v in obj.items() if k.lower() == name.lower()), None)


def _enum(value: Any, allowed: tuple[str, ...], name: str, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise property_validation(f"'{name}' is required.")
        return None
    canonical = {option.lower(): option for option in allowed}
    if not isinstance(value, str) or value.lower() not in canonical:
        raise invalid_request(f"The value '{value}' is not valid for {name}.")
    return canonical[value.lower()]


def _int(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_request(f"'{name}' must be an integer.")
    return value


def _days(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_request("'recurrence.pattern.daysOfWeek' must be an array.")
    named = {_enum(day, DAYS, "recurrence.pattern.daysOfWeek") for day in value}
    return [day for day in DAYS_FROM_SUNDAY if day in named]


DAYS_FROM_SUNDAY = (DAYS[6], *DAYS[:6])


def _date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        pass
    raise invalid_request(f"The value '{value}' of '{name}' is not a valid date.")


# --- expansion -------------------------------------------------------------------------------


def occurrence_dates(recurrence: dict[str, Any], until: date) -> Iterator[date]:
    """The dates a (normalised) recurrence falls on, in order, none after `until`.

    A numbered range counts from its start whatever `until` is, so a window late in a series
    still sees only the occurrences the series has.
    """
    pattern, range_ = recurrence["pattern"], recurrence["range"]
    start = date.fromisoformat(range_["startDate"])
    last = until
    if range_["type"] == "endDate":
        last = min(last, date.fromisoformat(range_["endDate"]))
    remaining = range_["numberOfOccurrences"] if range_["type"] == "numbered" else None
    for day in _candidates(pattern, start):
        if day > last or remaining == 0:
            return
        if day < start:
            continue
        yield day
        if remaining is not None:
            remaining -= 1


def falls_on(recurrence: dict[str, Any], day: date) -> bool:
    """Whether `day` is one of the recurrence's dates."""
    return day in occurrence_dates(recurrence, day)


def _candidates(pattern: dict[str, Any], start: date) -> Iterator[date]:
    """The pattern's dates from the period holding `start` on, without end (some before it)."""
    kind, interval = pattern["type"], pattern["interval"]
    if kind == "daily":
        day = start
        while True:
            yield day
            day += timedelta(days=interval)
    if kind == "weekly":
        yield from _weekly(pattern, start)
    step = interval if kind.endswith("Monthly") else 12 * interval
    year, month = start.year, start.month
    while True:
        if kind.endswith("Yearly"):
            month = pattern["month"]
        if kind.startswith("absolute"):
            last_day = calendar.monthrange(year, month)[1]
            # Outlook puts "the 31st" on the last day of a shorter month.
            yield date(year, month, min(pattern["dayOfMonth"], last_day))
        else:
            yield _relative_day(year, month, pattern["daysOfWeek"], pattern["index"])
        year, month = year + (month - 1 + step) // 12, (month - 1 + step) % 12 + 1


def _weekly(pattern: dict[str, Any], start: date) -> Iterator[date]:
    first = DAYS.index(pattern["firstDayOfWeek"])
    week = start - timedelta(days=(start.weekday() - first) % 7)
    offsets = sorted((DAYS.index(day) - first) % 7 for day in pattern["daysOfWeek"])
    while True:
        for offset in offsets:
            yield week + timedelta(days=offset)
        week += timedelta(weeks=pattern["interval"])


def _relative_day(year: int, month: int, days: list[str], index: str) -> date:
    """The `index`th day of the month that is any of `days`: "the second Thursday or Friday"
    is the second such day, as Outlook's "second weekday of the month" is its second workday."""
    wanted = {DAYS.index(day) for day in days}
    last_day = calendar.monthrange(year, month)[1]
    month_days = (date(year, month, n) for n in range(1, last_day + 1))
    matching = [day for day in month_days if day.weekday() in wanted]
    return matching[-1] if index == "last" else matching[INDEXES.index(index)]
