"""`parse_when`: a dialog's answer to "When?", a time expression alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MAX_TEXT_LENGTH, ParseError, ParseErrorKind, parse_when

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday
HOUR = timedelta(hours=1)


def iso(result: tuple[datetime, datetime] | ParseError) -> tuple[str, str]:
    assert isinstance(result, tuple), result
    start, end = result
    assert start.tzinfo is NOW.tzinfo and end.tzinfo is NOW.tzinfo
    return start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("tomorrow 3pm", "2026-11-19T15:00-08:00", "2026-11-19T15:30-08:00"),
        ("  tomorrow \t 3pm ", "2026-11-19T15:00-08:00", "2026-11-19T15:30-08:00"),
        ("at 3pm on fri", "2026-11-20T15:00-08:00", "2026-11-20T15:30-08:00"),
        ("3pm for 45 minutes", "2026-11-18T15:00-08:00", "2026-11-18T15:45-08:00"),
        ("Friday 2-3pm", "2026-11-20T14:00-08:00", "2026-11-20T15:00-08:00"),
        ("noon", "2026-11-18T12:00-08:00", "2026-11-18T12:30-08:00"),
        ("next Monday 10:30", "2026-11-23T10:30-08:00", "2026-11-23T11:00-08:00"),
        ("in 2 hours for 45m", "2026-11-18T11:00-08:00", "2026-11-18T11:45-08:00"),
        ("in 30 minutes", "2026-11-18T09:30-08:00", "2026-11-18T10:00-08:00"),
        ("Dec 3 10am", "2026-12-03T10:00-08:00", "2026-12-03T10:30-08:00"),
        ("明天下午3点", "2026-11-19T15:00-08:00", "2026-11-19T15:30-08:00"),
        ("下午3点 1小时", "2026-11-18T15:00-08:00", "2026-11-18T16:00-08:00"),
        ("周五下午2点到3点", "2026-11-20T14:00-08:00", "2026-11-20T15:00-08:00"),
        ("2小时后", "2026-11-18T11:00-08:00", "2026-11-18T11:30-08:00"),
    ],
)
def test_answers(text: str, start: str, end: str) -> None:
    assert iso(parse_when(text, NOW)) == (start, end)


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("tomorrow 3pm", "2026-11-19T16:00-08:00"),  # the line's duration
        ("tomorrow 3pm for 45m", "2026-11-19T15:45-08:00"),  # the answer's own wins
        ("tomorrow 3-5pm", "2026-11-19T17:00-08:00"),  # so does a range
        ("明天下午3点", "2026-11-19T16:00-08:00"),
        ("明天下午3点 半小时", "2026-11-19T15:30-08:00"),
    ],
)
def test_the_lines_duration_applies_when_the_answer_has_none(text: str, end: str) -> None:
    assert iso(parse_when(text, NOW, duration=HOUR))[1] == end


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("3pm", "2026-12-01T15:00-08:00"),  # the line said "Dec 1", the answer only the time
        ("下午3点", "2026-12-01T15:00-08:00"),
        ("tomorrow 3pm", "2026-11-19T15:00-08:00"),  # a day in the answer wins
        ("in 2 hours", "2026-11-18T11:00-08:00"),
    ],
)
def test_the_lines_day_applies_when_the_answer_has_none(text: str, start: str) -> None:
    assert iso(parse_when(text, NOW, day=date(2026, 12, 1)))[0] == start


@pytest.mark.parametrize(
    ("locale", "start"),
    [
        ("en-US", "2027-03-12T09:00-08:00"),
        ("en-GB", "2026-12-03T09:00-08:00"),
        (None, "2027-03-12T09:00-08:00"),
    ],
)
def test_numeric_dates_follow_the_locale(locale: str | None, start: str) -> None:
    assert iso(parse_when("3/12 9am", NOW, locale=locale))[0] == start


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("", ParseErrorKind.MISSING_TIME, ""),
        ("   ", ParseErrorKind.MISSING_TIME, ""),
        ("for 45m", ParseErrorKind.MISSING_TIME, ""),
        ("tomorrow", ParseErrorKind.MISSING_TIME, "tomorrow"),
        ("明天", ParseErrorKind.MISSING_TIME, "明天"),
        ("whenever suits", ParseErrorKind.BAD_TIME, "whenever suits"),
        ("meet Sync tomorrow 3pm", ParseErrorKind.BAD_TIME, "meet Sync tomorrow 3pm"),
        ("tomorrow 25pm", ParseErrorKind.BAD_TIME, "25pm"),
        ("3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("tomorrow at 10", ParseErrorKind.AMBIGUOUS_TIME, "10"),
        ("明天3点", ParseErrorKind.AMBIGUOUS_TIME, "3点"),
        ("8am", ParseErrorKind.TIME_IN_PAST, "8am"),
        ("今天上午8点", ParseErrorKind.TIME_IN_PAST, "今天上午8点"),
        ("tomorrow 3pm for 25h", ParseErrorKind.BAD_DURATION, "25h"),
        ("tomorrow 2-3pm for 1h", ParseErrorKind.BAD_DURATION, "1h"),
        ("x" * (MAX_TEXT_LENGTH + 1), ParseErrorKind.TOO_LONG, ""),
    ],
)
def test_errors(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse_when(text, NOW, duration=HOUR) == ParseError(kind, detail)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_when("tomorrow 3pm", datetime(2026, 11, 18, 9, 0))
