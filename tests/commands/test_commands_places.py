"""The place clause, optional attendees, the agenda and meet now's attendees, as parsed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MeetCommand, MeetNowCommand, ParseError, ParseErrorKind, parse

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def meet(text: str) -> MeetCommand:
    result = parse(text, NOW)
    assert isinstance(result, MeetCommand), result
    return result


@pytest.mark.parametrize(
    ("text", "subject", "places", "room"),
    [
        ("meet Lunch tomorrow noon at Harry's Bar", "Lunch", ("Harry's Bar",), None),
        (
            "meet Picnic tomorrow 11am at Conf Room 3; Fourth Coffee; Home Office",
            "Picnic",
            ("Conf Room 3", "Fourth Coffee", "Home Office"),
            None,
        ),
        ("meet Lunch tomorrow at noon at Harry's Bar", "Lunch", ("Harry's Bar",), None),
        ("meet Review tomorrow 3pm in room baker@contoso.com", "Review", (), "baker@contoso.com"),
        ("meet Review tomorrow 3pm in Conf Room 3", "Review", (), "Conf Room 3"),
        ("meet Review in 2 hours in Conf Room 3", "Review", (), "Conf Room 3"),
        ("开会 评审 明天下午3点在3号会议室", "评审", ("3号会议室",), None),
        ("开会 评审 明天下午3点 地点：A座；B座", "评审", ("A座", "B座"), None),
        ("开会 评审 明天下午3点 会议室：火星厅", "评审", (), "火星厅"),
    ],
)
def test_a_place_after_the_time(
    text: str, subject: str, places: tuple[str, ...], room: str | None
) -> None:
    command = meet(text)
    assert (command.subject, command.places, command.room) == (subject, places, room)


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("meet Look at the numbers tomorrow 3pm", "Look at the numbers"),
        ("meet Sync tomorrow at 3pm", "Sync"),
        ("meet Sync in 2 hours", "Sync"),
        ("meet Check in with support tomorrow 9am", "Check in with support"),
    ],
)
def test_at_and_in_before_the_time_are_no_place(text: str, subject: str) -> None:
    command = meet(text)
    assert (command.subject, command.places, command.room) == (subject, (), None)


def test_the_place_may_come_before_or_after_the_attendees() -> None:
    before = meet("meet Lunch tomorrow noon at Harry's Bar with adele@contoso.com")
    after = meet("meet Lunch tomorrow noon with adele@contoso.com at Harry's Bar")
    for command in (before, after):
        assert (command.places, command.attendees) == (("Harry's Bar",), ("adele@contoso.com",))


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("meet Lunch tomorrow noon at", "at"),
        ("meet Review tomorrow 3pm in room baker@", "baker@"),
    ],
)
def test_a_place_clause_gone_wrong_is_bad_place(text: str, detail: str) -> None:
    assert parse(text, NOW) == ParseError(ParseErrorKind.BAD_PLACE, detail)


@pytest.mark.parametrize(
    ("text", "required", "optional", "mentions", "optional_mentions"),
    [
        (
            "meet Sync tomorrow 3pm with <at>Adele</at> and optional <at>Megan</at>",
            (),
            (),
            ("Adele",),
            ("Megan",),
        ),
        (
            "meet Sync tomorrow 3pm with a@contoso.com, optional b@contoso.com and c@contoso.com",
            ("a@contoso.com",),
            ("b@contoso.com", "c@contoso.com"),
            (),
            (),
        ),
        (
            "meet Sync tomorrow 3pm with a@contoso.com optional A@contoso.com",
            ("a@contoso.com",),
            (),
            (),
            (),
        ),
        (
            "开会 周会 明天下午3点 邀请 a@contoso.com 和可选 b@contoso.com",
            ("a@contoso.com",),
            ("b@contoso.com",),
            (),
            (),
        ),
    ],
)
def test_optional_attendees(
    text: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    mentions: tuple[str, ...],
    optional_mentions: tuple[str, ...],
) -> None:
    command = meet(text)
    assert (command.attendees, command.optional) == (required, optional)
    assert (command.mentions, command.optional_mentions) == (mentions, optional_mentions)


@pytest.mark.parametrize(
    ("text", "subject", "agenda"),
    [
        ("meet Q3 tomorrow 3pm agenda: review the Q3 numbers", "Q3", "review the Q3 numbers"),
        ("meet Q3 tomorrow 3pm agenda: go with Bob at noon", "Q3", "go with Bob at noon"),
        ("开会 评审 明天下午3点 议程：检查数字", "评审", "检查数字"),
        ("meet Q3 tomorrow 3pm\nReview\n\nPlan <at>Megan</at>", "Q3", "Review\n\nPlan Megan"),
        ("meet Q3 tomorrow 3pm agenda: one\ntwo", "Q3", "one\ntwo"),
        ("meet Agenda review tomorrow 3pm", "Agenda review", None),
    ],
)
def test_the_agenda(text: str, subject: str, agenda: str | None) -> None:
    command = meet(text)
    assert (command.subject, command.agenda) == (subject, agenda)


def test_only_a_meet_takes_further_lines() -> None:
    assert parse("cancel\nplease", NOW) == ParseError(
        ParseErrorKind.UNKNOWN_COMMAND, "cancel please"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meet now", MeetNowCommand(None)),
        ("meet now Standup with <at>Adele</at>", MeetNowCommand("Standup", mentions=("Adele",))),
        ("meet now with a@contoso.com", MeetNowCommand(None, attendees=("a@contoso.com",))),
        ("meet now Lunch with team", MeetNowCommand("Lunch with team")),
        ("立即开会 邀请 <at>张三</at>", MeetNowCommand(None, mentions=("张三",))),
    ],
)
def test_meet_now_attendees(text: str, expected: MeetNowCommand) -> None:
    assert parse(text, NOW) == expected
