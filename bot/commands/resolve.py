"""Resolving a `WhenSpec` against the sender's own clock: aware start and end, or a ParseError.

Rules chosen where the phrasing is open:

* A weekday ("fri", "周五") is its next occurrence strictly after today; "today" must be written
  out. "next <weekday>" ("下周一") is that weekday in the following Monday-to-Sunday week (ISO
  weeks): on a Wednesday "next fri" is 9 days out and "next mon" 5; on a Sunday "next mon" is
  tomorrow.
* A date without a year ("Dec 3", "12月3日", "3/12") is the next such date that is not before
  today: this year's, else next year's (Feb 29 waits for a leap year).
* "3/12" is read in the sender's locale: month/day for en-US, es-US, en-PH, Chinese, Japanese
  and Korean; day/month for every other locale. With no locale (None) it reads as en-US. Only
  when that order gives no date at all is the other one used ("13/12" is 13 December).
* A bare hour ("tomorrow 3", "3点") is never guessed: AMBIGUOUS_TIME. "3:30" without am/pm is
  24-hour.
* "midnight" is 00:00 at the start of the named day; as the end of a range it is the next midnight.
* In a range one side may omit am/pm and borrows it from the other ("3-4pm"), flipped when that
  would end before it starts ("11-1pm" is 11am-1pm). Otherwise an end not after the start is
  BAD_TIME: ranges do not cross midnight except to end exactly at it.
* "in 2 hours" is counted in elapsed time from now and rounded down to the whole minute.
* Wall-clock times are built with fold=0; a time in a spring-forward gap moves forward by the gap
  (02:30 -> 03:30), an ambiguous fall-back time is its first occurrence. Durations are added in
  absolute time, so "for 1h" is one real hour even across a DST change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.commands.model import ParseError, ParseErrorKind
from bot.commands.spec import (
    Clock,
    DaySpec,
    IsoDate,
    Meridiem,
    MonthDay,
    NumericDate,
    RelativeDay,
    TimeSpec,
    Weekday,
    WhenSpec,
)

# Locales whose short dates put the month before the day (CLDR: M/d/y or y/M/d).
_MONTH_FIRST = frozenset(
    {
        *("en-us", "es-us", "en-ph"),
        *("zh", "zh-cn", "zh-hans", "zh-hans-cn", "zh-tw", "zh-hant", "zh-hant-tw"),
        *("ja", "ja-jp", "ko", "ko-kr"),
    }
)
# How far ahead a date without a year may land: far enough for the next Feb 29.
_YEARS_AHEAD = 8


def require_aware(now: datetime) -> tzinfo:
    """`now`'s zone; a naive `now` is a programming error, not a user's."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.tzinfo


def resolve_when(
    spec: WhenSpec,
    now: datetime,
    duration: timedelta,
    *,
    locale: str | None = None,
    default_day: date | None = None,
) -> tuple[datetime, datetime] | ParseError:
    """Resolve `spec` to (start, end) in `now`'s zone; `duration` applies to single times.

    `default_day` is the day of a time written without one (today when None). A time past what
    `datetime` can hold (only from a clock near year 1 or 9999) is BAD_TIME.
    """
    try:
        return _resolve_when(spec, now, duration, locale, default_day)
    except OverflowError:
        return ParseError(ParseErrorKind.BAD_TIME, spec.text)


def _resolve_when(
    spec: WhenSpec,
    now: datetime,
    duration: timedelta,
    locale: str | None,
    default_day: date | None,
) -> tuple[datetime, datetime] | ParseError:
    zone = require_aware(now)
    if spec.offset is not None:
        start = _floor_minute(add_absolute(now, spec.offset))
        return start, add_absolute(start, duration)
    if spec.time is None:
        assert spec.day is not None  # the scanners guarantee one of the two
        return ParseError(ParseErrorKind.MISSING_TIME, spec.day.text)
    times = _times(spec.time)
    if isinstance(times, ParseError):
        return times
    day = resolve_date(spec.day, now.date(), locale) if spec.day else default_day or now.date()
    if isinstance(day, ParseError):
        return day
    start = wall_clock(day, times[0], zone)
    if start.astimezone(UTC) < now.astimezone(UTC):
        return ParseError(ParseErrorKind.TIME_IN_PAST, spec.text)
    end = _range_end(day, times, zone) if spec.time.end else add_absolute(start, duration)
    return start, end


def _floor_minute(moment: datetime) -> datetime:
    whole = moment.astimezone(UTC).replace(second=0, microsecond=0)
    return whole.astimezone(moment.tzinfo)


# --- days -------------------------------------------------------------------------------------


def resolve_date(spec: DaySpec, today: date, locale: str | None = None) -> date | ParseError:
    """The date `spec` names relative to `today`: BAD_TIME for an impossible date (or one past
    what `date` can hold)."""
    try:
        return _resolve_date(spec, today, locale)
    except OverflowError:
        return ParseError(ParseErrorKind.BAD_TIME, spec.text)


def _resolve_date(spec: DaySpec, today: date, locale: str | None) -> date | ParseError:
    match spec:
        case RelativeDay(offset=offset):
            return today + timedelta(days=offset)
        case Weekday(weekday=weekday, following_week=following_week, text=text):
            if not following_week and weekday == today.weekday():
                # "Friday" said on a Friday: today or a week from now? Asked back, not guessed.
                return ParseError(ParseErrorKind.AMBIGUOUS_DAY, text)
            if following_week:
                monday_next_week = today + timedelta(days=7 - today.weekday())
                return monday_next_week + timedelta(days=weekday)
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        case IsoDate(text=text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return ParseError(ParseErrorKind.BAD_TIME, text)
        case MonthDay(month=month, day=day, year=year, text=text):
            found = calendar_date(month, day, year, today)
            return ParseError(ParseErrorKind.BAD_TIME, text) if found is None else found
        case NumericDate(first=first, second=second, year=year, text=text):
            readings = [(first, second), (second, first)]
            if not month_first(locale):
                readings.reverse()
            # The locale's order first; the other only when that is no date at all ("13/12").
            for month, day in readings:
                if (found := calendar_date(month, day, year, today)) is not None:
                    return found
            return ParseError(ParseErrorKind.BAD_TIME, text)


def resolve_day(spec: DaySpec, today: date, locale: str | None = None) -> date | None:
    """`resolve_date` without the reason: None for an impossible date."""
    found = resolve_date(spec, today, locale)
    return None if isinstance(found, ParseError) else found


def calendar_date(month: int, day: int, year: int | None, today: date) -> date | None:
    """`year`-`month`-`day`, or without a year the next such date not before `today`."""
    years = [year] if year is not None else range(today.year, today.year + _YEARS_AHEAD)
    for candidate in years:
        try:
            found = date(candidate, month, day)
        except ValueError:
            continue
        if year is not None or found >= today:
            return found
    return None


def month_first(locale: str | None) -> bool:
    """Whether "3/12" is March 12 for a sender writing in `locale` (None reads as en-US)."""
    if locale is None:
        return True
    tag = locale.replace("_", "-").casefold()
    return tag in _MONTH_FIRST or tag.split("-")[0] in {"ja", "ko"}


# --- times ------------------------------------------------------------------------------------


def _times(spec: TimeSpec) -> tuple[time, time | None] | ParseError:
    if spec.end is None:
        single = to_time(spec.start)
        return single if isinstance(single, ParseError) else (single, None)
    return _range_times(spec.start, spec.end, spec.text)


def to_time(clock: Clock) -> time | ParseError:
    """The time of day `clock` means; bare hours are ambiguous, out-of-range values bad."""
    minute = clock.minute or 0
    if minute > 59:
        return ParseError(ParseErrorKind.BAD_TIME, clock.text)
    if clock.is_bare:
        kind = ParseErrorKind.AMBIGUOUS_TIME if clock.hour <= 23 else ParseErrorKind.BAD_TIME
        return ParseError(kind, clock.text)
    if clock.meridiem is None:
        return time(clock.hour, minute) if 0 <= clock.hour <= 23 else _bad(clock)
    if not 1 <= clock.hour <= 12:
        return _bad(clock)
    return time(clock.hour % 12 + (12 if clock.meridiem == "pm" else 0), minute)


def _bad(clock: Clock) -> ParseError:
    return ParseError(ParseErrorKind.BAD_TIME, clock.text)


def _range_times(first: Clock, second: Clock, text: str) -> tuple[time, time] | ParseError:
    # Every reading shares the hours and minutes, so an invalid value fails them all alike.
    for start_clock, end_clock in _meridiem_candidates(first, second):
        start, end = to_time(start_clock), to_time(end_clock)
        if isinstance(start, ParseError):
            return start
        if isinstance(end, ParseError):
            return end
        if end > start or (end == time(0) and start != time(0)):
            return start, end
    return ParseError(ParseErrorKind.BAD_TIME, text)


def _meridiem_candidates(first: Clock, second: Clock) -> list[tuple[Clock, Clock]]:
    """Readings of a range where one side borrows am/pm from the other ("3-4pm")."""
    if first.meridiem is None and second.meridiem is not None and 1 <= first.hour <= 12:
        return [(_with(first, m), second) for m in _preferring(second.meridiem)]
    if second.meridiem is None and first.meridiem is not None and 1 <= second.hour <= 12:
        return [(first, _with(second, m)) for m in _preferring(first.meridiem)]
    return [(first, second)]


def _preferring(meridiem: Meridiem) -> tuple[Meridiem, Meridiem]:
    return ("am", "pm") if meridiem == "am" else ("pm", "am")


def _with(clock: Clock, meridiem: Meridiem) -> Clock:
    return Clock(clock.hour, clock.minute, meridiem, clock.text)


def _range_end(day: date, times: tuple[time, time | None], zone: tzinfo) -> datetime:
    start, end = times
    assert end is not None
    end_day = day + timedelta(days=1) if end <= start else day  # only ever "...-midnight"
    return wall_clock(end_day, end, zone)


def wall_clock(day: date, at: time, zone: tzinfo) -> datetime:
    """`day` at `at` in `zone`: fold=0, with times in a DST gap moved forward by the gap."""
    # A gap time with fold=0 gets the pre-transition offset; the UTC round trip turns
    # 02:30 PST (which never happens) into 03:30 PDT and leaves every real time unchanged.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def add_absolute(start: datetime, delta: timedelta) -> datetime:
    """`start + delta` in elapsed time (aware `+` is wall-clock arithmetic), in start's zone."""
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)
