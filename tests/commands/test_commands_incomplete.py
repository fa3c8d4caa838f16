"""A `meet` line missing its subject or time becomes an IncompleteMeet that keeps the rest."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import IncompleteMeet, ParseError, ParseErrorKind, parse

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday


def la(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meet", IncompleteMeet(None, None, None, None)),
        ("meet Sync", IncompleteMeet("Sync", None, None, None)),
        ("meet Sync with team", IncompleteMeet("Sync with team", None, None, None)),
        ("meet Sync for 45m", IncompleteMeet("Sync", None, None, timedelta(minutes=45))),
        ("meet for 1h", IncompleteMeet(None, None, None, timedelta(hours=1))),
        ("meet tomorrow 3pm", IncompleteMeet(None, la(19, 15), la(19, 15, 30), None)),
        ("meet at 3pm for 1h", IncompleteMeet(None, la(18, 15), la(18, 16), None)),
        ("meet in 2 hours", IncompleteMeet(None, la(18, 11), la(18, 11, 30), None)),
        (
            "meet with adele@contoso.com",
            IncompleteMeet(None, None, None, None, ("adele@contoso.com",)),
        ),
        (
            "meet Sync for 45m with <at>Adele Vance</at>",
            IncompleteMeet("Sync", None, None, timedelta(minutes=45), (), ("Adele Vance",)),
        ),
        (
            "meet tomorrow 3pm for 1h with bob@contoso.com",
            IncompleteMeet(None, la(19, 15), la(19, 16), None, ("bob@contoso.com",)),
        ),
        # a day without a time is kept as `day`
        ("meet Sync tomorrow", IncompleteMeet("Sync", None, None, None, day=date(2026, 11, 19))),
        ("meet Sync today", IncompleteMeet("Sync", None, None, None, day=date(2026, 11, 18))),
        (
            "meet Sync next Friday",
            IncompleteMeet("Sync", None, None, None, day=date(2026, 11, 27)),
        ),
        (
            "meet Sync on 2026-12-03 for 1h",
            IncompleteMeet("Sync", None, None, timedelta(hours=1), day=date(2026, 12, 3)),
        ),
        ("meet Sync Dec 3", IncompleteMeet("Sync", None, None, None, day=date(2026, 12, 3))),
        # Chinese
        ("会议", IncompleteMeet(None, None, None, None)),
        ("会议 设计评审", IncompleteMeet("设计评审", None, None, None)),
        ("会议设计评审", IncompleteMeet("设计评审", None, None, None)),
        ("会议 明天下午3点", IncompleteMeet(None, la(19, 15), la(19, 15, 30), None)),
        ("会议明天下午3点", IncompleteMeet(None, la(19, 15), la(19, 15, 30), None)),
        ("会议 设计评审 45分钟", IncompleteMeet("设计评审", None, None, timedelta(minutes=45))),
        (
            "会议 设计评审 明天",
            IncompleteMeet("设计评审", None, None, None, day=date(2026, 11, 19)),
        ),
        (
            "会议 设计评审 下周一 1小时",
            IncompleteMeet("设计评审", None, None, timedelta(hours=1), day=date(2026, 11, 23)),
        ),
        (
            "会议 设计评审 和 adele@contoso.com",
            IncompleteMeet("设计评审", None, None, None, ("adele@contoso.com",)),
        ),
    ],
)
def test_incomplete(text: str, expected: IncompleteMeet) -> None:
    result = parse(text, NOW)
    assert result == expected
    assert isinstance(result, IncompleteMeet)
    # Same-zone datetimes compare by wall clock; the offsets must match too.
    assert [t.isoformat() if t else None for t in (result.start, result.end)] == [
        t.isoformat() if t else None for t in (expected.start, expected.end)
    ]


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        # what was said is wrong, not missing: asked back as before
        ("meet tomorrow 3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("meet Sync 3", ParseErrorKind.AMBIGUOUS_TIME, "3"),
        ("meet today 8am", ParseErrorKind.TIME_IN_PAST, "today 8am"),
        ("meet tomorrow 25pm", ParseErrorKind.BAD_TIME, "25pm"),
        ("meet Sync 2026-11-17", ParseErrorKind.TIME_IN_PAST, "2026-11-17"),
        ("meet Sync 2026-02-30", ParseErrorKind.BAD_TIME, "2026-02-30"),
        ("meet Sync Feb 30", ParseErrorKind.BAD_TIME, "Feb 30"),
        ("meet for 25h", ParseErrorKind.BAD_DURATION, "25h"),
        ("meet Sync for", ParseErrorKind.BAD_DURATION, ""),
        ("meet with adele@", ParseErrorKind.BAD_ATTENDEE, "adele@"),
        ("meet Sync tomorrow with Adele", ParseErrorKind.BAD_ATTENDEE, "Adele"),
        ("会议 明天3点", ParseErrorKind.AMBIGUOUS_TIME, "3点"),
        ("会议 设计评审 25小时", ParseErrorKind.BAD_DURATION, "25小时"),
    ],
)
def test_errors_are_not_incomplete(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse(text, NOW) == ParseError(kind, detail)
