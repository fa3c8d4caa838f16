"""`move`, `push`, `pull` and their Chinese forms, and the scope of `cancel meeting`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import (
    CancelMeetingCommand,
    MoveCommand,
    ParseError,
    ParseErrorKind,
    SeriesScope,
    parse,
)

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=LA)  # a Saturday
THURSDAY_4PM = datetime(2026, 11, 26, 16, 0, tzinfo=LA)
ONE = SeriesScope.OCCURRENCE
ALL = SeriesScope.SERIES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("move Design review to Thursday 4pm", MoveCommand("Design review", start=THURSDAY_4PM)),
        ("Move design review to thu 4pm.", MoveCommand("design review", start=THURSDAY_4PM)),
        (
            "reschedule Design review to Thursday 4pm",
            MoveCommand("Design review", start=THURSDAY_4PM),
        ),
        ("move standup to 4pm", MoveCommand("standup", at=time(16, 0))),
        ("move standup to 16:30", MoveCommand("standup", at=time(16, 30))),
        ("move standup to Thursday", MoveCommand("standup", day=date(2026, 11, 26))),
        ("move Intro to sales to 4pm", MoveCommand("Intro to sales", at=time(16, 0))),
        (
            "move standup to in 2 hours",
            MoveCommand("standup", start=datetime(2026, 11, 21, 11, 0, tzinfo=LA)),
        ),
        (
            "move standup to Thursday 4pm this one",
            MoveCommand("standup", start=THURSDAY_4PM, scope=ONE),
        ),
        (
            "move standup to Thursday 4pm, only this one",
            MoveCommand("standup", start=THURSDAY_4PM, scope=ONE),
        ),
        ("move standup to 4pm the whole series", MoveCommand("standup", at=time(16, 0), scope=ALL)),
        ("move standup to 4pm - whole series!", MoveCommand("standup", at=time(16, 0), scope=ALL)),
        ("push standup 30m", MoveCommand("standup", shift=timedelta(minutes=30))),
        ("push standup back 1h", MoveCommand("standup", shift=timedelta(hours=1))),
        ("push standup by half an hour", MoveCommand("standup", shift=timedelta(minutes=30))),
        (
            "push standup back by 1h30 this one",
            MoveCommand("standup", shift=timedelta(minutes=90), scope=ONE),
        ),
        ("pull standup forward 15m", MoveCommand("standup", shift=timedelta(minutes=-15))),
        ("pull standup 15 minutes", MoveCommand("standup", shift=timedelta(minutes=-15))),
        (
            "pull <at>Adele</at> sync earlier by 1h",
            MoveCommand("Adele sync", shift=timedelta(hours=-1)),
        ),
        ("把设计评审改到周四下午4点", MoveCommand("设计评审", start=THURSDAY_4PM)),
        ("把设计评审移到周四 4pm", MoveCommand("设计评审", start=THURSDAY_4PM)),
        ("把站会改到下午4点", MoveCommand("站会", at=time(16, 0))),
        ("把站会改到周四", MoveCommand("站会", day=date(2026, 11, 26))),
        ("把站会推迟到周四下午4点，仅这一次", MoveCommand("站会", start=THURSDAY_4PM, scope=ONE)),
        ("把站会改到下午4点 整个系列", MoveCommand("站会", at=time(16, 0), scope=ALL)),
        ("把站会推迟1小时", MoveCommand("站会", shift=timedelta(hours=1))),
        ("把站会提前一刻钟", MoveCommand("站会", shift=timedelta(minutes=-15))),
        ("推迟站会30分钟", MoveCommand("站会", shift=timedelta(minutes=30))),
        ("延后站会半小时 只这一次", MoveCommand("站会", shift=timedelta(minutes=30), scope=ONE)),
        ("提前站会15分钟", MoveCommand("站会", shift=timedelta(minutes=-15))),
    ],
)
def test_moves(text: str, expected: MoveCommand) -> None:
    assert parse(text, NOW, locale="en-US") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("move", ParseError(ParseErrorKind.MISSING_SUBJECT)),
        ("move to 4pm", ParseError(ParseErrorKind.MISSING_SUBJECT)),
        ("move standup", ParseError(ParseErrorKind.MISSING_TIME)),
        ("move standup to soonish", ParseError(ParseErrorKind.BAD_TIME, "soonish")),
        ("move standup to 3-4pm", ParseError(ParseErrorKind.BAD_TIME, "3-4pm")),
        ("move standup to 3", ParseError(ParseErrorKind.AMBIGUOUS_TIME, "3")),
        ("move standup to today 8am", ParseError(ParseErrorKind.TIME_IN_PAST, "today 8am")),
        ("move standup to Saturday", ParseError(ParseErrorKind.AMBIGUOUS_DAY, "Saturday")),
        ("push", ParseError(ParseErrorKind.MISSING_SUBJECT)),
        ("push standup", ParseError(ParseErrorKind.MISSING_TIME)),
        ("push 30m", ParseError(ParseErrorKind.MISSING_SUBJECT)),
        ("push standup 25h", ParseError(ParseErrorKind.BAD_DURATION, "25h")),
        ("push standup 0m", ParseError(ParseErrorKind.BAD_DURATION, "0m")),
        ("push standup soon", ParseError(ParseErrorKind.BAD_DURATION, "soon")),
        ("推迟", ParseError(ParseErrorKind.UNKNOWN_COMMAND, "推迟")),
        ("推迟站会", ParseError(ParseErrorKind.UNKNOWN_COMMAND, "推迟站会")),
        ("提前5分钟提醒", ParseError(ParseErrorKind.UNKNOWN_COMMAND, "提前5分钟提醒")),
        ("推迟30分钟", ParseError(ParseErrorKind.MISSING_SUBJECT)),
        ("把站会改到后来", ParseError(ParseErrorKind.BAD_TIME, "后来")),
        ("把门关上", ParseError(ParseErrorKind.UNKNOWN_COMMAND, "把门关上")),
    ],
)
def test_moves_that_cannot_be_read(text: str, expected: ParseError) -> None:
    assert parse(text, NOW, locale="en-US") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cancel meeting standup", CancelMeetingCommand("standup")),
        ("cancel meeting standup this one", CancelMeetingCommand("standup", ONE)),
        ("cancel meeting standup, just this one", CancelMeetingCommand("standup", ONE)),
        ("cancel meeting standup the whole series", CancelMeetingCommand("standup", ALL)),
        ("cancel meeting Gone this one", CancelMeetingCommand("Gone", ONE)),
        ("cancel meeting Sthis one", CancelMeetingCommand("Sthis one")),  # not a scope
        ("取消会议站会整个系列", CancelMeetingCommand("站会", ALL)),
        ("取消会议 站会 仅这一次", CancelMeetingCommand("站会", ONE)),
        ("cancel meeting the whole series", ParseError(ParseErrorKind.MISSING_SUBJECT)),
    ],
)
def test_cancel_meeting_scope(text: str, expected: CancelMeetingCommand | ParseError) -> None:
    assert parse(text, NOW, locale="en-US") == expected
