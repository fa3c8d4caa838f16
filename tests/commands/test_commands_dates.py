"""English dates, offsets and "tonight": month names, 3/12 by locale, "in 2 hours"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import IncompleteMeet, MeetCommand, ParseError, ParseErrorKind, parse
from bot.commands.resolve import month_first, resolve_date
from bot.commands.spec import MonthDay, NumericDate
from bot.commands.when import scan_when

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday


def start(text: str, *, locale: str | None = None, now: datetime = NOW) -> str:
    result = parse(f"meet Sync {text}", now, locale=locale)
    assert isinstance(result, MeetCommand), result
    assert result.subject == "Sync"
    return result.start.strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    "text",
    [
        "Dec 3 3pm",
        "dec 3 3pm",
        "Dec. 3 3pm",
        "December 3rd 3pm",
        "3 Dec 3pm",
        "3rd of December 3pm",
        "3 December 2026 3pm",
        "December 3, 2026 3pm",
        "on Dec 3 at 3pm",
        "3pm Dec 3",
        "2026/12/03 3pm",
        "12/3/2026 3pm",
        "12/3/26 3pm",
    ],
)
def test_month_and_day(text: str) -> None:
    assert start(text, locale="en-US") == "2026-12-03 15:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov 18 10am", "2026-11-18 10:00"),  # today is not past
        ("Nov 17 10am", "2027-11-17 10:00"),  # yesterday's date is next year's
        ("Jan 5 10am", "2027-01-05 10:00"),
        ("Feb 29 10am", "2028-02-29 10:00"),  # waits for a leap year
        ("Nov 17, 2027 10am", "2027-11-17 10:00"),
    ],
)
def test_a_date_without_a_year_is_the_next_one(text: str, expected: str) -> None:
    assert start(text) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en-US", "2027-03-12 09:00"),
        ("en_US", "2027-03-12 09:00"),
        ("EN-us", "2027-03-12 09:00"),
        (None, "2027-03-12 09:00"),  # no locale reads as en-US
        ("zh-CN", "2027-03-12 09:00"),
        ("ja-JP", "2027-03-12 09:00"),
        ("en-GB", "2026-12-03 09:00"),
        ("en-AU", "2026-12-03 09:00"),
        ("de-DE", "2026-12-03 09:00"),
        ("fr", "2026-12-03 09:00"),
        ("zh-HK", "2026-12-03 09:00"),
    ],
)
def test_numeric_date_reads_in_the_senders_locale(locale: str | None, expected: str) -> None:
    assert start("3/12 9am", locale=locale) == expected


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("13/12 9am", "en-US", "2026-12-13 09:00"),  # 13 is no month: only one reading
        ("12/13 9am", "en-GB", "2026-12-13 09:00"),
        ("3/3 9am", None, "2027-03-03 09:00"),
        ("3/12/27 9am", "en-GB", "2027-12-03 09:00"),
    ],
)
def test_numeric_dates_with_one_reading(text: str, locale: str | None, expected: str) -> None:
    assert start(text, locale=locale) == expected


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("Feb 30 10am", ParseErrorKind.BAD_TIME, "Feb 30"),
        ("Dec 32 10am", ParseErrorKind.BAD_TIME, "Dec 32"),
        ("2/30 10am", ParseErrorKind.BAD_TIME, "2/30"),
        ("Nov 17, 2026 10am", ParseErrorKind.TIME_IN_PAST, "Nov 17, 2026 10am"),
        ("Nov 18 8am", ParseErrorKind.TIME_IN_PAST, "Nov 18 8am"),
        ("Dec 3 3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("tonight 8am", ParseErrorKind.TIME_IN_PAST, "tonight 8am"),
    ],
)
def test_date_errors(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse(f"meet Sync {text}", NOW, locale="en-US") == ParseError(kind, detail)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 2 hours", "2026-11-18 11:00"),
        ("in 2h", "2026-11-18 11:00"),
        ("in 1h30m", "2026-11-18 10:30"),
        ("in 1.5 hours", "2026-11-18 10:30"),
        ("in 45 mins", "2026-11-18 09:45"),
        ("in half an hour", "2026-11-18 09:30"),
        ("in 25 hours", "2026-11-19 10:00"),  # an offset, unlike a duration, may exceed a day
    ],
)
def test_offsets(text: str, expected: str) -> None:
    assert start(text) == expected


def test_an_offset_is_rounded_down_to_the_minute() -> None:
    result = parse("meet Sync in 30 minutes", NOW.replace(second=45, microsecond=123))
    assert isinstance(result, MeetCommand), result
    assert (result.start.isoformat(), result.end.isoformat()) == (
        "2026-11-18T09:30:00-08:00",
        "2026-11-18T10:00:00-08:00",
    )


@pytest.mark.parametrize("text", ["in 0 minutes", "in 2 days", "in a while"])
def test_other_in_phrases_stay_in_the_subject(text: str) -> None:
    assert parse(f"meet Sync {text}", NOW) == IncompleteMeet(f"Sync {text}", None, None, None)


@pytest.mark.parametrize(
    ("text", "start_", "end"),
    [
        ("tonight 8", "20:00", "20:30"),
        ("tonight 8pm", "20:00", "20:30"),
        ("tonight 8:30", "20:30", "21:00"),
        ("tonight 20:00", "20:00", "20:30"),
        ("tonight 8-9", "20:00", "21:00"),
    ],
)
def test_tonight_reads_hours_as_evening(text: str, start_: str, end: str) -> None:
    result = parse(f"meet Sync {text}", NOW)
    assert isinstance(result, MeetCommand), result
    assert (result.start.strftime("%H:%M"), result.end.strftime("%H:%M")) == (start_, end)
    assert result.start.date() == date(2026, 11, 18)


def test_scan_when_reads_dates_and_offsets() -> None:
    month_day = scan_when("Dec 3rd")
    assert month_day is not None and month_day.day == MonthDay(12, 3, None, "Dec 3rd")
    numeric = scan_when("3/12")
    assert numeric is not None and numeric.day == NumericDate(3, 12, None, "3/12")
    offset = scan_when("in 90 min")
    assert offset is not None and offset.offset == timedelta(minutes=90)
    assert scan_when("2026/12") is None


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en-US", True), (None, True), ("ko-KR", True), ("en-GB", False), ("pt-BR", False)],
)
def test_month_first(locale: str | None, expected: bool) -> None:
    assert month_first(locale) is expected


def test_resolve_date_reports_the_date_as_typed() -> None:
    spec = NumericDate(31, 31, None, "31/31")
    assert resolve_date(spec, date(2026, 11, 18)) == ParseError(ParseErrorKind.BAD_TIME, "31/31")
