"""Teams mentions (`<at>Name</at>`): attendees in the attendee clause, plain names elsewhere."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import (
    JoinCommand,
    MeetCommand,
    MeetNowCommand,
    OfflineCommand,
    ParseError,
    ParseErrorKind,
    parse,
)

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def meet(text: str) -> MeetCommand:
    result = parse(text, NOW)
    assert isinstance(result, MeetCommand), result
    return result


@pytest.mark.parametrize(
    ("text", "attendees", "mentions"),
    [
        (
            "meet Sync tomorrow 3pm with <at>Adele Vance</at>, bob@contoso.com and <at>Lee Gu</at>",
            ("bob@contoso.com",),
            ("Adele Vance", "Lee Gu"),
        ),
        ("meet Sync tomorrow 3pm with <at>Adele Vance</at>", (), ("Adele Vance",)),
        (
            "meet Sync tomorrow 3pm with <at>Lee Gu</at> and <at>Adele Vance</at>",
            (),
            ("Lee Gu", "Adele Vance"),
        ),
        (
            "meet Sync tomorrow 3pm with <at>Adele</at>, <at>adele</at> and <at>Adele</at>",
            (),
            ("Adele",),
        ),
        ("meet Sync tomorrow 3pm with <AT>Adele Vance</AT>", (), ("Adele Vance",)),
        ("meet Sync tomorrow 3pm with <at> Adele   Vance </at>", (), ("Adele Vance",)),
        ("meet Sync tomorrow 3pm with <at>Tom with Hat</at>", (), ("Tom with Hat",)),
        ("meet Sync tomorrow 3pm with <at>O&#39;Neil</at>.", (), ("O'Neil",)),
        (
            "meet Sync tomorrow 3pm for 1h with bob@contoso.com <at>Lee Gu</at>",
            ("bob@contoso.com",),
            ("Lee Gu",),
        ),
        # the attendee clause may come before the time
        ("meet Sync with <at>Adele Vance</at> tomorrow 3pm", (), ("Adele Vance",)),
        (
            "meet Sync with <at>Adele Vance</at> and bob@contoso.com tomorrow 3pm for 1h",
            ("bob@contoso.com",),
            ("Adele Vance",),
        ),
        # Chinese clause keywords, spaced or glued
        (
            "会议 评审 明天下午3点 和 <at>张三</at>、<at>李四</at>",
            (),
            ("张三", "李四"),
        ),
        ("会议评审明天下午3点和<at>张三</at>", (), ("张三",)),
        (
            "会议 评审 明天下午3点 邀请 <at>Adele Vance</at> 和 bob@contoso.com",
            ("bob@contoso.com",),
            ("Adele Vance",),
        ),
        ("会议 评审 和<at>张三</at>明天下午3点", (), ("张三",)),
    ],
)
def test_mentions_in_the_attendee_clause(
    text: str, attendees: tuple[str, ...], mentions: tuple[str, ...]
) -> None:
    result = meet(text)
    assert (result.attendees, result.mentions) == (attendees, mentions)
    assert result.start.isoformat() == "2026-11-19T15:00:00-08:00"


@pytest.mark.parametrize(
    ("text", "subject", "mentions"),
    [
        ("meet <at>Adele Vance</at> 1:1 tomorrow 3pm", "Adele Vance 1:1", ()),
        (
            "meet Intro to <at>Lee Gu</at> tomorrow 3pm with <at>Adele Vance</at>",
            "Intro to Lee Gu",
            ("Adele Vance",),
        ),
        ("会议 和<at>张三</at>的周会 明天下午3点", "和张三的周会", ()),
    ],
)
def test_mentions_elsewhere_stay_in_the_subject_as_names(
    text: str, subject: str, mentions: tuple[str, ...]
) -> None:
    result = meet(text)
    assert (result.subject, result.mentions) == (subject, mentions)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("join <at>Adele Vance</at> 1:1", JoinCommand("Adele Vance 1:1")),
        # Issue 24: a `meet now` with-clause names participants (it used to stay the subject).
        ("meet now with <at>Lee Gu</at>", MeetNowCommand(None, mentions=("Lee Gu",))),
        ("meet now <at>Lee Gu</at> sync", MeetNowCommand("Lee Gu sync")),
        ("offline <at>Lee Gu</at> sync", OfflineCommand("Lee Gu sync")),
        ("<at>Adele</at> hello", ParseError(ParseErrorKind.UNKNOWN_COMMAND, "Adele")),
        (
            "meet Sync tomorrow 3pm with <at>Adele</at> and Bob",
            ParseError(ParseErrorKind.BAD_ATTENDEE, "Bob"),
        ),
    ],
)
def test_mentions_in_other_commands(text: str, expected: object) -> None:
    assert parse(text, NOW) == expected


def test_private_use_characters_typed_by_the_sender_are_dropped() -> None:
    # Mentions are folded to private-use characters internally; typed ones must not collide.
    result = meet("meet Sync\ue000 tomorrow 3pm with <at>Adele</at>")
    assert (result.subject, result.mentions) == ("Sync", ("Adele",))
