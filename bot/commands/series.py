"""A repeating meeting's first occurrence, and its `Repeat` once that first day is known.

The repeat clause (`bot.commands.repeat`, `bot.commands.repeat_zh`) is read before the time
is, so what it says may still lack what only the first day gives: "weekly" and "monthly" with
no day repeat on the first day's weekday or day of the month, and "for 10 weeks" ends 10 weeks
after the first day. `RepeatClause` holds what was said; `first_occurrence` finds the series'
first meeting and `finish` writes the `Repeat` Graph is sent.

Rules chosen where the phrasing is open, as Outlook books a series:

* With no day given the series starts on the first day from today that fits the pattern, at
  the time given: "every Monday 3pm" said on a Monday before 3pm is today, after 3pm next week.
* A day given that does not fit the pattern ("every Monday starting Tuesday") is where the
  search starts: the series starts on the first day on or after it that fits (the next Monday),
  as Outlook moves a series' start to its first occurrence.
* The time is a wall-clock time in the sender's zone on that day (`resolve.wall_clock`), so a
  first meeting after a DST change keeps its hour; Graph repeats it by `recurrenceTimeZone`.
* "for N weeks" (days, months) ends the day before the same weekday N weeks on: N meetings of
  a weekly series. An end (`until`) before the first day is BAD_REPEAT.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal

from bot.commands.model import ParseError, ParseErrorKind, Repeat, RepeatType, WeekIndex
from bot.commands.resolve import add_absolute, resolve_date, resolve_when, wall_clock
from bot.commands.spec import WhenSpec

# Graph's `dayOfWeek` names, Monday first as `date.weekday()` counts.
DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WORKWEEK = DAY_NAMES[:5]
MAX_COUNT = 999  # occurrences: far more than any meeting series, a typo past it
MAX_INTERVAL = 99
_INDEX_WEEK = {WeekIndex.FIRST: 0, WeekIndex.SECOND: 1, WeekIndex.THIRD: 2, WeekIndex.FOURTH: 3}
# A fitting day is always within this many days: "the 31st" or "the fifth week" come within
# a few months.
_SEARCH_DAYS = 366

SpanUnit = Literal["days", "weeks", "months"]


@dataclass(frozen=True, slots=True)
class Span:
    """ "for 10 weeks": a range counted from the first day."""

    amount: int
    unit: SpanUnit


@dataclass(frozen=True, slots=True)
class RepeatClause:
    """A repeat clause as said: `repeat` may lack its days (or day of the month) and, with a
    `span`, its end; `text` is the clause as typed, for BAD_REPEAT."""

    repeat: Repeat
    text: str
    span: Span | None = None


def with_end(repeat: Repeat, *, until: date | None = None, count: int | None = None) -> Repeat:
    """`repeat` with the range the clause said (either end, or neither), in place of its own."""
    return replace(repeat, until=until, count=count)


def week_days(days: set[int]) -> tuple[str, ...]:
    """Graph's names of the weekdays `days` (Monday 0), in week order."""
    return tuple(DAY_NAMES[day] for day in sorted(days))


def fits(repeat: Repeat, day: date) -> bool:
    """Whether `day` is one the pattern names (an unset day or weekday names any)."""
    match repeat.type:
        case RepeatType.DAILY:
            return True
        case RepeatType.WEEKLY:
            return not repeat.days_of_week or DAY_NAMES[day.weekday()] in repeat.days_of_week
        case RepeatType.ABSOLUTE_MONTHLY:
            return repeat.day_of_month is None or day.day == repeat.day_of_month
        case RepeatType.RELATIVE_MONTHLY:
            return DAY_NAMES[day.weekday()] in repeat.days_of_week and _in_week(repeat, day)


def _in_week(repeat: Repeat, day: date) -> bool:
    if repeat.index in (None, WeekIndex.LAST):
        return day.day + 7 > calendar.monthrange(day.year, day.month)[1]
    return (day.day - 1) // 7 == _INDEX_WEEK[repeat.index]


def first_day(repeat: Repeat, start: date) -> date:
    """The first day on or after `start` that fits the pattern (`start` itself if none does
    before the end of what `date` holds)."""
    day = start
    for _ in range(_SEARCH_DAYS):
        if fits(repeat, day):
            return day
        if day == date.max:
            break
        day += timedelta(days=1)
    return start


def finish(clause: RepeatClause, first: date) -> Repeat | ParseError:
    """The `Repeat` of a series that starts on `first`: days and end filled in and checked."""
    repeat = clause.repeat
    if repeat.type == RepeatType.WEEKLY and not repeat.days_of_week:
        repeat = replace(repeat, days_of_week=(DAY_NAMES[first.weekday()],))
    if repeat.type == RepeatType.ABSOLUTE_MONTHLY and repeat.day_of_month is None:
        repeat = replace(repeat, day_of_month=first.day)
    if clause.span is not None:
        try:
            repeat = replace(repeat, until=_span_end(first, clause.span))
        except (OverflowError, ValueError):  # an end past what `date` holds
            return ParseError(ParseErrorKind.BAD_REPEAT, clause.text)
    if repeat.until is not None and repeat.until < first:
        return ParseError(ParseErrorKind.BAD_REPEAT, clause.text)
    return repeat


def _span_end(first: date, span: Span) -> date:
    if span.unit == "days":
        return first + timedelta(days=span.amount - 1)
    if span.unit == "weeks":
        return first + timedelta(weeks=span.amount) - timedelta(days=1)
    months = first.month - 1 + span.amount
    year, month = first.year + months // 12, months % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(first.day, last)) - timedelta(days=1)


def first_occurrence(
    clause: RepeatClause,
    when: WhenSpec,
    now: datetime,
    length: timedelta,
    locale: str | None,
) -> tuple[datetime, datetime, Repeat] | ParseError:
    """The first meeting of the series `when` starts ("9am", "Tuesday 9am", "in 2 hours"):
    its start and end in `now`'s zone, and the finished `Repeat`. A series that would run
    past what `date` holds (from a date near the year 9999) is BAD_TIME."""
    try:
        return _first_occurrence(clause, when, now, length, locale)
    except (OverflowError, ValueError):
        return ParseError(ParseErrorKind.BAD_TIME, when.text)


def _first_occurrence(
    clause: RepeatClause,
    when: WhenSpec,
    now: datetime,
    length: timedelta,
    locale: str | None,
) -> tuple[datetime, datetime, Repeat] | ParseError:
    if when.offset is not None:
        times = resolve_when(when, now, length, locale=locale)
        if isinstance(times, ParseError):
            return times
        start, end = times
        day = first_day(clause.repeat, start.date())
        if day != start.date():
            start, end = _moved(start, end, day)
    else:
        anchor = now.date()
        if when.day is not None:
            given = resolve_date(when.day, now.date(), locale)
            if isinstance(given, ParseError):
                return given
            anchor = given
        spec = replace(when, day=None)
        found = _first_time(clause.repeat, spec, anchor, now=now, length=length, locale=locale)
        if isinstance(found, ParseError):
            return found
        start, end = found
    repeat = finish(clause, start.date())
    return repeat if isinstance(repeat, ParseError) else (start, end, repeat)


def _first_time(
    repeat: Repeat,
    when: WhenSpec,
    anchor: date,
    *,
    now: datetime,
    length: timedelta,
    locale: str | None,
) -> tuple[datetime, datetime] | ParseError:
    day = first_day(repeat, anchor)
    times = resolve_when(when, now, length, locale=locale, default_day=day)
    past = isinstance(times, ParseError) and times.kind == ParseErrorKind.TIME_IN_PAST
    if past and day == now.date():  # today's meeting is over: the series starts at the next one
        later = first_day(repeat, day + timedelta(days=1))
        return resolve_when(when, now, length, locale=locale, default_day=later)
    return times


def _moved(start: datetime, end: datetime, day: date) -> tuple[datetime, datetime]:
    """The meeting at the same wall-clock time on `day`, as long as it was."""
    assert start.tzinfo is not None
    moved = wall_clock(day, start.time(), start.tzinfo)
    return moved, add_absolute(moved, end - start)


def first_day_of(clause: RepeatClause, day: date) -> tuple[date, Repeat] | ParseError:
    """For a meeting with no time yet: the series' first day on or after `day`, and its
    `Repeat` (BAD_TIME past what `date` holds, as for `first_occurrence`)."""
    try:
        first = first_day(clause.repeat, day)
        repeat = finish(clause, first)
    except (OverflowError, ValueError):
        return ParseError(ParseErrorKind.BAD_TIME, clause.text)
    return repeat if isinstance(repeat, ParseError) else (first, repeat)
