"""How a recurring meeting repeats, in the catalog's words, from Graph's `PatternedRecurrence`.

`recurrence_text` reads the recurrence Graph answered (not what the user typed), so the cards
say what the calendar holds: "Every Monday until Dec 31, 2026", "Every 2 weeks on Friday",
"The first Monday of every month, 10 times"; "每周一，直到 2026年12月31日".

Graph's pattern types and the fields each one uses (Graph v1.0, "recurrencePattern resource
type", https://learn.microsoft.com/graph/api/resources/recurrencepattern):

    daily            interval
    weekly           interval, daysOfWeek, firstDayOfWeek
    absoluteMonthly  interval, dayOfMonth
    relativeMonthly  interval, daysOfWeek, index
    absoluteYearly   interval, dayOfMonth, month
    relativeYearly   interval, daysOfWeek, index, month

Graph answers every field of the pattern, unused ones zero or defaulted (the seed's weekly
series answers `"index": "first"`), so each type reads only its own. The range
("recurrenceRange resource type") is `endDate` (until `endDate`, inclusive), `numbered`
(`numberOfOccurrences`) or `noEnd`.

The days and dates of a recurrence are those of its `recurrenceTimeZone`, the organizer's. A
card shows times in the viewer's zone, where the meeting may fall on another day (Thursday
3 pm in Los Angeles is Friday morning in Shanghai); then the sentence says whose days it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.graph.models import PatternedRecurrence, RecurrencePattern, RecurrenceRange, zone_for
from bot.i18n import Catalog

# Graph's day names, in the catalog's order (Monday first, as `date.weekday()` counts).
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEK_INDEXES = ("first", "second", "third", "fourth", "last")
WORK_WEEK = frozenset(DAYS[:5])


def recurrence_text(
    recurrence: PatternedRecurrence, catalog: Catalog, *, shown_start: datetime | None = None
) -> str:
    """The whole sentence: the pattern, then how the series ends (if it does).

    `shown_start` is a start of the meeting as the card shows it (aware, in the viewer's
    zone): when that is another date in the recurrence's zone, the zone is named."""
    pattern = _pattern_text(recurrence.pattern, recurrence.range, catalog)
    text = _with_range(pattern, recurrence.range, catalog)
    zone_name = recurrence.range.recurrence_time_zone
    if shown_start is None or not zone_name or shown_start.tzinfo is None:
        return text
    if shown_start.astimezone(zone_for(zone_name)).date() == shown_start.date():
        return text
    return catalog.recurrence_in_zone.format(pattern=text, zone=zone_name)


def _pattern_text(pattern: RecurrencePattern, span: RecurrenceRange, catalog: Catalog) -> str:
    interval = max(pattern.interval, 1)
    repeats = interval > 1
    days = _days(pattern, span)
    match pattern.type:
        case "daily":
            if repeats:
                return catalog.recurrence_daily_interval.format(interval=interval)
            return catalog.recurrence_daily
        case "weekly" if days:
            if not repeats and set(days) == WORK_WEEK:
                return catalog.recurrence_weekdays
            named = _day_list(days, catalog)
            if repeats:
                return catalog.recurrence_weekly_interval.format(interval=interval, days=named)
            return catalog.recurrence_weekly.format(days=named)
        case "absoluteMonthly" if 1 <= pattern.day_of_month <= 31:
            day = pattern.day_of_month
            if repeats:
                return catalog.recurrence_monthly_interval.format(interval=interval, day=day)
            return catalog.recurrence_monthly.format(day=day)
        case "relativeMonthly" if days and (index := _index(pattern, catalog)):
            named = _day_list(days, catalog)
            if repeats:
                return catalog.recurrence_monthly_relative_interval.format(
                    interval=interval, index=index, days=named
                )
            return catalog.recurrence_monthly_relative.format(index=index, days=named)
        case "absoluteYearly" if (month := _month(pattern, catalog)) and pattern.day_of_month:
            day = pattern.day_of_month
            if repeats:
                return catalog.recurrence_yearly_interval.format(
                    interval=interval, month=month, day=day
                )
            return catalog.recurrence_yearly.format(month=month, day=day)
        case "relativeYearly" if (
            days and (month := _month(pattern, catalog)) and (index := _index(pattern, catalog))
        ):
            named = _day_list(days, catalog)
            if repeats:
                return catalog.recurrence_yearly_relative_interval.format(
                    interval=interval, index=index, days=named, month=month
                )
            return catalog.recurrence_yearly_relative.format(index=index, days=named, month=month)
    # A type Graph added later, or a pattern without the fields its type needs: it still
    # repeats, and the card says so rather than guess how.
    return catalog.recurrence_other


def _with_range(pattern: str, span: RecurrenceRange, catalog: Catalog) -> str:
    if span.type == "endDate" and span.end_date is not None and span.end_date > date.min:
        return catalog.recurrence_until.format(
            pattern=pattern, date=_until_date(span.end_date, catalog)
        )
    if span.type == "numbered" and span.number_of_occurrences > 1:
        return catalog.recurrence_count.format(pattern=pattern, count=span.number_of_occurrences)
    if span.type == "numbered" and span.number_of_occurrences == 1:
        return catalog.recurrence_count_one.format(pattern=pattern)
    return pattern  # noEnd, or a range without the field its type needs


def _days(pattern: RecurrencePattern, span: RecurrenceRange) -> tuple[str, ...]:
    """The pattern's days in week order from its `firstDayOfWeek` (Sunday unless Graph says
    otherwise, as Outlook lists them). A weekly pattern without days repeats on the weekday of
    its start date (Graph's default for a weekly pattern)."""
    named = {day.casefold() for day in pattern.days_of_week} & set(DAYS)
    if not named and pattern.type == "weekly" and span.start_date is not None:
        named = {DAYS[span.start_date.weekday()]}
    first = (pattern.first_day_of_week or "sunday").casefold()
    start = DAYS.index(first) if first in DAYS else DAYS.index("sunday")
    week = DAYS[start:] + DAYS[:start]
    return tuple(day for day in week if day in named)


def _day_list(days: Sequence[str], catalog: Catalog) -> str:
    names = [catalog.recurrence_day_names[DAYS.index(day)] for day in days]
    if len(names) == 1:
        return names[0]
    return catalog.date_list_separator.join(names[:-1]) + catalog.recurrence_list_last + names[-1]


def _index(pattern: RecurrencePattern, catalog: Catalog) -> str | None:
    index = (pattern.index or "").casefold()
    if index not in WEEK_INDEXES:
        return None
    return catalog.recurrence_week_indexes[WEEK_INDEXES.index(index)]


def _month(pattern: RecurrencePattern, catalog: Catalog) -> str | None:
    return catalog.month_names[pattern.month - 1] if 1 <= pattern.month <= 12 else None


def _until_date(value: date, catalog: Catalog) -> str:
    """ "Dec 31, 2026" / "2026年12月31日": a series' last day, without its weekday."""
    return catalog.recurrence_until_date.format(
        year=value.year, month=catalog.month_names[value.month - 1], day=value.day
    )
