"""Unit tests for time, duration and DST resolution in bot.commands.when."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands.model import ParseError, ParseErrorKind
from bot.commands.resolve import resolve_date
from bot.commands.when import (
    Clock,
    add_absolute,
    parse_duration,
    resolve_day,
    scan_when,
    to_time,
    wall_clock,
)

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def clock(text: str) -> Clock:
    """The (first) clock of a time expression, e.g. clock("3pm")."""
    spec = scan_when(text)
    assert spec is not None and spec.time is not None, text
    return spec.time.start


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("45m", 45),
        ("45 min", 45),
        ("45 mins", 45),
        ("45 minutes", 45),
        ("1h", 60),
        ("1 hr", 60),
        ("1 hour", 60),
        ("2 hours", 120),
        ("2hrs", 120),
        ("1h30m", 90),
        ("1h30", 90),
        ("1h 15m", 75),
        ("1 hour 30 minutes", 90),
        ("1 hour and 30 minutes", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("0.25 hours", 15),
        ("90m", 90),
        ("an hour", 60),
        ("half an hour", 30),
        ("Half An  Hour", 30),
        ("an hour and a half", 90),
        ("24h", 24 * 60),
        ("1440 minutes", 24 * 60),
        ("1m", 1),
    ],
)
def test_parse_duration_accepts(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "text",
    [
        "0m",
        "0h",
        "25h",
        "24h1m",
        "1441 minutes",
        "45",  # no unit: minutes or hours?
        "1h60",
        "1.33h",  # not a whole number of minutes
        "1.5h30m",
        "2 days",
        "-5m",
        "1:30",
        "",  # a dangling "for"
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    assert parse_duration(text) == ParseError(ParseErrorKind.BAD_DURATION, text)


@pytest.mark.parametrize(
    "text",
    ["launch", "the team", "a while", "3pm", "3:30 pm", "2027 tomorrow", "2 at noon"],
)
def test_parse_duration_ignores_non_durations(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("text", "day", "time_text"),
    [
        ("tomorrow 3pm", "tomorrow", "3pm"),
        ("3pm tomorrow", "tomorrow", "3pm"),
        ("tomorrow at 3pm", "tomorrow", "3pm"),
        ("at 3pm on Fri", "Fri", "3pm"),
        ("on 2026-12-03 at 9am", "2026-12-03", "9am"),
        ("next Friday 15:00", "next Friday", "15:00"),
        ("tmrw, 3 pm", "tmrw", "3 pm"),
        ("3 p.m.", None, "3 p.m."),
        ("noon", None, "noon"),
        ("2pm - 3:30pm thu", "thu", "2pm - 3:30pm"),
        ("3-4pm", None, "3-4pm"),
        ("14:00–15:00", None, "14:00–15:00"),
        ("tomorrow", "tomorrow", None),
        ("tomorrow 25pm", "tomorrow", "25pm"),  # syntax only; the value is checked later
        ("3", None, "3"),
    ],
)
def test_scan_when_reads_time_expressions(
    text: str, day: str | None, time_text: str | None
) -> None:
    spec = scan_when(text)
    assert spec is not None
    assert (spec.day.text if spec.day else None, spec.time.text if spec.time else None) == (
        day,
        time_text,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "team",
        "at",
        "next",
        "next 3pm",
        "on 3pm",  # "on" introduces a day
        "at tomorrow",  # "at" introduces a time
        "tomorrow friday 3pm",
        "3pm 4pm",
        "2027",
        "1.5h",
        "1:1",
        "3pmish",
        "tomorrow's 3pm",
        "3pm -",
    ],
)
def test_scan_when_rejects_other_text(text: str) -> None:
    assert scan_when(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3pm", time(15)),
        ("3 PM", time(15)),
        ("3:30pm", time(15, 30)),
        ("3.30pm", time(15, 30)),
        ("9am", time(9)),
        ("9 a.m.", time(9)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("12:15am", time(0, 15)),
        ("15:00", time(15)),
        ("3:30", time(3, 30)),  # a colon without am/pm reads as 24-hour
        ("00:00", time(0)),
        ("23:59", time(23, 59)),
        ("noon", time(12)),
        ("midnight", time(0)),
    ],
)
def test_to_time_accepts(text: str, expected: time) -> None:
    assert to_time(clock(text)) == expected


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("25pm", ParseErrorKind.BAD_TIME),
        ("13pm", ParseErrorKind.BAD_TIME),
        ("0am", ParseErrorKind.BAD_TIME),
        ("24:30", ParseErrorKind.BAD_TIME),
        ("24:00", ParseErrorKind.BAD_TIME),
        ("3:60pm", ParseErrorKind.BAD_TIME),
        ("45", ParseErrorKind.BAD_TIME),
        ("3", ParseErrorKind.AMBIGUOUS_TIME),
        ("12", ParseErrorKind.AMBIGUOUS_TIME),
        ("15", ParseErrorKind.AMBIGUOUS_TIME),
    ],
)
def test_to_time_rejects(text: str, kind: ParseErrorKind) -> None:
    assert to_time(clock(text)) == ParseError(kind, text)


WEDNESDAY = date(2026, 11, 18)
SUNDAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (WEDNESDAY, "today", date(2026, 11, 18)),
        (WEDNESDAY, "tomorrow", date(2026, 11, 19)),
        (WEDNESDAY, "tmrw", date(2026, 11, 19)),
        (WEDNESDAY, "thu", date(2026, 11, 19)),
        (WEDNESDAY, "fri", date(2026, 11, 20)),
        (WEDNESDAY, "wed", None),  # today's weekday: today or next week? asked back
        (WEDNESDAY, "Monday", date(2026, 11, 23)),
        (WEDNESDAY, "next fri", date(2026, 11, 27)),  # the Friday of next (ISO) week
        (WEDNESDAY, "next wed", date(2026, 11, 25)),
        (WEDNESDAY, "next mon", date(2026, 11, 23)),
        (WEDNESDAY, "next sun", date(2026, 11, 29)),
        (SUNDAY, "mon", date(2026, 11, 23)),
        (SUNDAY, "next mon", date(2026, 11, 23)),  # Sunday ends the ISO week
        (SUNDAY, "sun", None),
        (SUNDAY, "next sun", date(2026, 11, 29)),
        (date(2026, 12, 31), "tomorrow", date(2027, 1, 1)),
        (WEDNESDAY, "2026-12-03", date(2026, 12, 3)),
        (WEDNESDAY, "2026-02-30", None),
    ],
)
def test_resolve_day(today: date, text: str, expected: date | None) -> None:
    spec = scan_when(text)
    assert spec is not None and spec.day is not None
    assert resolve_day(spec.day, today) == expected


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        (LA, date(2026, 3, 8), time(1, 59), "2026-03-08T01:59:00-08:00"),
        (LA, date(2026, 3, 8), time(2, 30), "2026-03-08T03:30:00-07:00"),  # gap: forward
        (LA, date(2026, 3, 8), time(3, 0), "2026-03-08T03:00:00-07:00"),
        (LA, date(2026, 11, 1), time(1, 30), "2026-11-01T01:30:00-07:00"),  # first 01:30
        (LA, date(2026, 11, 1), time(2, 0), "2026-11-01T02:00:00-08:00"),
        (BERLIN, date(2026, 3, 29), time(2, 30), "2026-03-29T03:30:00+02:00"),
        (BERLIN, date(2026, 10, 25), time(2, 30), "2026-10-25T02:30:00+02:00"),
        (BERLIN, date(2026, 3, 8), time(2, 30), "2026-03-08T02:30:00+01:00"),
        (SHANGHAI, date(2026, 3, 8), time(2, 30), "2026-03-08T02:30:00+08:00"),
        (SHANGHAI, date(2026, 11, 1), time(1, 30), "2026-11-01T01:30:00+08:00"),
    ],
)
def test_wall_clock(zone: ZoneInfo, day: date, at: time, expected: str) -> None:
    result = wall_clock(day, at, zone)
    assert result.isoformat() == expected
    assert result.tzinfo is zone


@pytest.mark.parametrize(
    ("start", "delta", "expected"),
    [
        ("2026-03-08T01:30:00-08:00", timedelta(hours=1), "2026-03-08T03:30:00-07:00"),
        ("2026-11-01T01:30:00-07:00", timedelta(hours=1), "2026-11-01T01:30:00-08:00"),
        ("2026-11-01T00:30:00-07:00", timedelta(hours=2), "2026-11-01T01:30:00-08:00"),
        ("2026-11-21T09:00:00-08:00", timedelta(minutes=45), "2026-11-21T09:45:00-08:00"),
    ],
)
def test_add_absolute_counts_real_time_in_la(start: str, delta: timedelta, expected: str) -> None:
    result = add_absolute(datetime.fromisoformat(start).astimezone(LA), delta)
    assert result.isoformat() == expected
    assert result.tzinfo is LA


def test_add_absolute_in_berlin_fall_back() -> None:
    start = wall_clock(date(2026, 10, 25), time(2, 30), BERLIN)
    assert add_absolute(start, timedelta(hours=1)).isoformat() == "2026-10-25T02:30:00+01:00"


def test_todays_weekday_is_asked_back_not_guessed() -> None:
    spec = scan_when("wed 9am")
    assert spec is not None and spec.day is not None
    assert resolve_date(spec.day, WEDNESDAY) == ParseError(ParseErrorKind.AMBIGUOUS_DAY, "wed")
