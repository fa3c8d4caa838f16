"""Reminders: the reminder clause of a `meet` line, and the reminder commands.

The clause may stand anywhere after the subject; a keyword that is no clause stays in the
subject, and one after the time that does not read is BAD_REMINDER with the clause as typed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import (
    Command,
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    ReminderRequest,
    RemindersCommand,
    WatchCommand,
    parse,
)
from bot.commands.reminder import MAX_REMINDER

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday
START = datetime(2026, 11, 19, 15, 0, tzinfo=LA)  # "tomorrow 3pm"
ADELE = "adele@contoso.com"


def before(**length: float) -> ReminderRequest:
    return ReminderRequest(timedelta(**length))


NO_REMINDER = ReminderRequest(None)


def meet(text: str, locale: str = "en-US") -> MeetCommand:
    result = parse(text, NOW, locale=locale)
    assert isinstance(result, MeetCommand), result
    return result


# --- the clause in English --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("remind 5m", before(minutes=5)),
        ("remind me 5m", before(minutes=5)),
        ("Remind Me 5m", before(minutes=5)),
        ("remind 10 minutes before", before(minutes=10)),
        ("remind me 1h before", before(hours=1)),
        ("reminder 15m", before(minutes=15)),
        ("reminder 15 min before", before(minutes=15)),
        ("remind 1h30m", before(minutes=90)),
        ("remind 1h30", before(minutes=90)),
        ("remind 1.5h", before(minutes=90)),
        ("remind 5 mins", before(minutes=5)),
        ("remind 2 hours before", before(hours=2)),
        ("remind 1 hour and 30 minutes before", before(minutes=90)),
        ("remind me half an hour before", before(minutes=30)),
        ("remind an hour and a half before", before(minutes=90)),
        ("reminder: 15m", before(minutes=15)),
        ("remind 5m.", before(minutes=5)),
        # the bounds: at the start, and a day before
        ("remind 0m", before(minutes=0)),
        ("remind 0 minutes before", before(minutes=0)),
        ("remind 24h", before(hours=24)),
        ("remind 1440 minutes before", before(hours=24)),
        # no reminder
        ("no reminder", NO_REMINDER),
        ("No reminders", NO_REMINDER),
        ("without reminder", NO_REMINDER),
        ("without a reminder", NO_REMINDER),
        ("don't remind me", NO_REMINDER),
        ("dont remind me", NO_REMINDER),
        ("Don\u2019t remind me.", NO_REMINDER),
        ("do not remind me", NO_REMINDER),
    ],
)
def test_english_clause_at_the_end(clause: str, expected: ReminderRequest) -> None:
    assert meet(f"meet Design review tomorrow 3pm {clause}") == MeetCommand(
        "Design review", START, START + timedelta(minutes=30), (), (), expected
    )


def test_the_bounds_are_zero_and_a_day() -> None:
    assert meet("meet Sync tomorrow 3pm remind 24h").reminder == ReminderRequest(MAX_REMINDER)
    assert meet("meet Sync tomorrow 3pm remind 0m").reminder == ReminderRequest(timedelta(0))
    over = parse("meet Sync tomorrow 3pm remind 24h1m", NOW)
    assert over == ParseError(ParseErrorKind.BAD_REMINDER, "remind 24h1m")


@pytest.mark.parametrize(
    "text",
    [
        "meet Design review tomorrow 3pm",
        "meet Design review tomorrow 3pm for 45m with adele@contoso.com",
        "meet Remind Bob about taxes tomorrow 3pm",
    ],
)
def test_nothing_said_is_none(text: str) -> None:
    assert meet(text).reminder is None


# --- where the clause stands ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes", "reminder"),
    [
        # with the duration
        ("meet Sync tomorrow 3pm for 45m remind 5m", 45, before(minutes=5)),
        ("meet Sync tomorrow 3pm remind 5m for 45m", 45, before(minutes=5)),
        ("meet Sync for 45m remind 5m tomorrow 3pm", 45, before(minutes=5)),
        ("meet Sync remind 5m for 45m tomorrow 3pm", 45, before(minutes=5)),
        ("meet Sync tomorrow 3pm for 1h no reminder", 60, NO_REMINDER),
        ("meet Sync tomorrow 3pm-4pm remind 10m", 60, before(minutes=10)),
        # before the time
        ("meet Sync remind 5m tomorrow 3pm", 30, before(minutes=5)),
        ("meet Sync no reminder tomorrow 3pm", 30, NO_REMINDER),
        ("meet Sync, remind 5m, tomorrow 3pm", 30, before(minutes=5)),
        ("meet Sync tomorrow 3pm, remind 5m.", 30, before(minutes=5)),
    ],
)
def test_clause_with_duration_and_time(text: str, minutes: int, reminder: ReminderRequest) -> None:
    result = meet(text)
    assert (result.subject, result.start, result.end) == (
        "Sync",
        START,
        START + timedelta(minutes=minutes),
    )
    assert result.reminder == reminder


@pytest.mark.parametrize(
    ("text", "attendees", "mentions", "reminder"),
    [
        ("meet Sync tomorrow 3pm with adele@contoso.com remind 5m", (ADELE,), (), 5),
        ("meet Sync tomorrow 3pm remind 5m with adele@contoso.com", (ADELE,), (), 5),
        ("meet Sync remind 5m with adele@contoso.com tomorrow 3pm", (ADELE,), (), 5),
        ("meet Sync with adele@contoso.com tomorrow 3pm remind 5m", (ADELE,), (), 5),
        (
            "meet Sync tomorrow 3pm for 45m with adele@contoso.com, bob@contoso.com remind 1h",
            (ADELE, "bob@contoso.com"),
            (),
            60,
        ),
        ("meet Sync tomorrow 3pm with <at>Adele Vance</at> remind 5m", (), ("Adele Vance",), 5),
        ("meet Sync tomorrow 3pm remind 5m with <at>Adele Vance</at>", (), ("Adele Vance",), 5),
        (
            "meet Sync tomorrow 3pm remind me 10 minutes before with <at>Adele Vance</at> and "
            "adele@contoso.com",
            (ADELE,),
            ("Adele Vance",),
            10,
        ),
        ("meet Sync tomorrow 3pm with adele@contoso.com no reminder", (ADELE,), (), None),
        ("meet Sync tomorrow 3pm don't remind me with <at>Bob</at>", (), ("Bob",), None),
    ],
)
def test_clause_with_attendees_and_mentions(
    text: str, attendees: tuple[str, ...], mentions: tuple[str, ...], reminder: int | None
) -> None:
    result = meet(text)
    assert (result.subject, result.start, result.attendees, result.mentions) == (
        "Sync",
        START,
        attendees,
        mentions,
    )
    expected = NO_REMINDER if reminder is None else before(minutes=reminder)
    assert result.reminder == expected


# --- subjects keep their words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "subject"),
    [
        ("meet Reminder service design tomorrow 3pm", "Reminder service design"),
        ("meet Remind Bob about taxes tomorrow 3pm", "Remind Bob about taxes"),
        ("meet Reminders review tomorrow 3pm", "Reminders review"),
        ("meet Remind 5 people tomorrow 3pm", "Remind 5 people"),
        ("meet Remind 5m early tomorrow 3pm", "Remind 5m early"),
        ("meet No reminder emails tomorrow 3pm", "No reminder emails"),
        ("meet Why remind me twice tomorrow 3pm", "Why remind me twice"),
        ("meet Plan reminder emails for launch tomorrow 3pm", "Plan reminder emails for launch"),
        ("meet <at>Remind</at> sync tomorrow 3pm", "Remind sync"),
        ("会议 提前还款提醒功能评审 明天下午3点", "提前还款提醒功能评审"),
        ("会议 讨论不提醒的问题 明天下午3点", "讨论不提醒的问题"),
    ],
)
def test_subjects_keep_reminder_words(text: str, subject: str) -> None:
    result = meet(text)
    assert (result.subject, result.start, result.reminder) == (subject, START, None)


def test_a_subject_with_reminder_words_may_still_have_a_clause() -> None:
    result = meet("meet Reminder service design tomorrow 3pm remind me 15m before")
    assert (result.subject, result.reminder) == ("Reminder service design", before(minutes=15))
    result = meet("meet Remind Bob about taxes tomorrow 3pm no reminder")
    assert (result.subject, result.reminder) == ("Remind Bob about taxes", NO_REMINDER)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("meet Sync tomorrow 3pm remind soon", "remind soon"),
        ("meet Sync tomorrow 3pm remind 25h", "remind 25h"),
        ("meet Sync tomorrow 3pm remind me 25 hours before", "remind me 25 hours before"),
        ("meet Sync tomorrow 3pm reminder 1441 minutes", "reminder 1441 minutes"),
        ("meet Sync tomorrow 3pm remind 2 days before", "remind 2 days before"),
        ("meet Sync tomorrow 3pm remind 5", "remind 5"),
        ("meet Sync tomorrow 3pm remind -5m", "remind -5m"),
        ("meet Sync tomorrow 3pm remind me", "remind me"),
        ("meet Sync tomorrow 3pm reminder", "reminder"),
        ("meet Sync tomorrow 3pm remind at 3pm", "remind at 3pm"),
        ("meet Sync tomorrow 3pm remind 5m early", "remind 5m early"),
        ("meet Sync tomorrow 3pm Remind Me Soon", "Remind Me Soon"),
        ("meet Sync tomorrow remind soon", "remind soon"),
        # next to the other clauses
        ("meet Sync tomorrow 3pm remind soon with adele@contoso.com", "remind soon"),
        ("meet Sync tomorrow 3pm with adele@contoso.com remind soon", "remind soon"),
        ("meet Sync tomorrow 3pm for 45m remind soon", "remind soon"),
        ("meet Sync tomorrow 3pm remind me about it for 45m", "remind me about it"),
        ("meet Sync tomorrow 3pm remind with <at>Adele Vance</at>", "remind"),
        ("meet Sync tomorrow 3pm remind <at>Adele Vance</at>", "remind Adele Vance"),
        # a number after the keyword is meant as a reminder, wherever the clause stands
        ("meet Sync remind 25h tomorrow 3pm", "remind 25h"),
        ("meet Sync remind 25h", "remind 25h"),
        ("meet Sync remind 5 with adele@contoso.com", "remind 5"),
        # Chinese
        ("会议 设计评审 明天下午3点 提前25小时提醒", "提前25小时提醒"),
        ("会议 设计评审 明天下午3点 提醒提前25小时", "提醒提前25小时"),
        ("会议 设计评审 明天下午3点 提前一会儿提醒", "提前一会儿提醒"),
        ("会议 设计评审 提前100小时提醒 明天下午3点", "提前100小时提醒"),
        ("会议设计评审明天下午3点提前25小时提醒", "提前25小时提醒"),
    ],
)
def test_bad_reminder(text: str, detail: str) -> None:
    assert parse(text, NOW) == ParseError(ParseErrorKind.BAD_REMINDER, detail)


def test_other_errors_are_unchanged_by_a_clause() -> None:
    assert parse("meet Sync tomorrow 3pm for 25h remind 5m", NOW) == ParseError(
        ParseErrorKind.BAD_DURATION, "25h"
    )
    assert parse("meet Sync tomorrow 3pm remind 5m with adele@", NOW) == ParseError(
        ParseErrorKind.BAD_ATTENDEE, "adele@"
    )
    assert parse("meet Sync tomorrow 25pm remind 5m", NOW) == ParseError(
        ParseErrorKind.BAD_TIME, "25pm"
    )


# --- Chinese ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("会议 设计评审 明天下午3点 提前5分钟提醒", before(minutes=5)),
        ("会议 设计评审 明天下午3点 提前1小时提醒", before(hours=1)),
        ("会议 设计评审 明天下午3点 提前半小时提醒", before(minutes=30)),
        ("会议 设计评审 明天下午3点 提前一刻钟提醒", before(minutes=15)),
        ("会议 设计评审 明天下午3点 提前1个半小时提醒", before(minutes=90)),
        ("会议 设计评审 明天下午3点 提前十分钟提醒我", before(minutes=10)),
        ("会议 设计评审 明天下午3点 提前 5 分钟 提醒", before(minutes=5)),
        ("会议 设计评审 明天下午3点 提前0分钟提醒", before(minutes=0)),
        ("会议 设计评审 明天下午3点 提前24小时提醒", before(hours=24)),
        ("会议 设计评审 明天下午3点 提醒提前10分钟", before(minutes=10)),
        ("会议 设计评审 明天下午3点 提醒我提前1小时", before(hours=1)),
        ("会议 设计评审 明天下午3点 不提醒", NO_REMINDER),
        ("会议 设计评审 明天下午3点 不要提醒", NO_REMINDER),
        ("会议 设计评审 明天下午3点 无需提醒", NO_REMINDER),
        ("会议 设计评审 明天下午3点 不用提醒我", NO_REMINDER),
        # glued, before the time, with the duration
        ("会议设计评审明天下午3点提前5分钟提醒", before(minutes=5)),
        ("会议设计评审明天下午3点不提醒", NO_REMINDER),
        ("会议 设计评审 提前5分钟提醒 明天下午3点", before(minutes=5)),
        ("会议设计评审提前半小时提醒明天下午3点", before(minutes=30)),
        ("开会 设计评审 明天下午3点 提前5分钟提醒", before(minutes=5)),
        # an English clause in a Chinese line, and the other way round below
        ("会议 设计评审 明天下午3点 remind 5m", before(minutes=5)),
    ],
)
def test_chinese_clause(text: str, expected: ReminderRequest) -> None:
    result = meet(text, locale="zh-CN")
    assert (result.subject, result.start, result.end) == (
        "设计评审",
        START,
        START + timedelta(minutes=30),
    )
    assert result.reminder == expected


def test_a_chinese_clause_in_an_english_line() -> None:
    result = meet("meet Design review tomorrow 3pm 提前5分钟提醒")
    assert (result.subject, result.reminder) == ("Design review", before(minutes=5))


@pytest.mark.parametrize(
    ("text", "minutes", "attendees", "reminder"),
    [
        ("会议 设计评审 明天下午3点 45分钟 提前5分钟提醒", 45, (), before(minutes=5)),
        ("会议 设计评审 明天下午3点 提前5分钟提醒 45分钟", 45, (), before(minutes=5)),
        ("会议 设计评审 明天下午3点 和 adele@contoso.com 提前5分钟提醒", 30, (ADELE,), 5),
        ("会议 设计评审 明天下午3点 提前5分钟提醒 和 adele@contoso.com", 30, (ADELE,), 5),
        ("会议 设计评审 明天下午3点 邀请 adele@contoso.com 不提醒", 30, (ADELE,), None),
    ],
)
def test_chinese_clause_with_duration_and_attendees(
    text: str, minutes: int, attendees: tuple[str, ...], reminder: ReminderRequest | int | None
) -> None:
    result = meet(text, locale="zh-CN")
    assert (result.subject, result.end, result.attendees) == (
        "设计评审",
        START + timedelta(minutes=minutes),
        attendees,
    )
    if isinstance(reminder, int):
        reminder = before(minutes=reminder)
    assert result.reminder == (NO_REMINDER if reminder is None else reminder)


# --- an incomplete line keeps what it said ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("meet remind 5m", IncompleteMeet(None, None, None, None, reminder=before(minutes=5))),
        (
            "meet Sync remind 5m",
            IncompleteMeet("Sync", None, None, None, reminder=before(minutes=5)),
        ),
        ("meet Sync no reminder", IncompleteMeet("Sync", None, None, None, reminder=NO_REMINDER)),
        (
            "meet Sync for 45m remind 10m",
            IncompleteMeet("Sync", None, None, timedelta(minutes=45), reminder=before(minutes=10)),
        ),
        (
            "meet Sync tomorrow remind 1h",
            IncompleteMeet(
                "Sync", None, None, None, day=date(2026, 11, 19), reminder=before(hours=1)
            ),
        ),
        (
            "meet tomorrow 3pm remind 5m with adele@contoso.com",
            IncompleteMeet(
                None,
                START,
                START + timedelta(minutes=30),
                None,
                (ADELE,),
                reminder=before(minutes=5),
            ),
        ),
        (
            "会议 设计评审 不提醒",
            IncompleteMeet("设计评审", None, None, None, reminder=NO_REMINDER),
        ),
        (
            "会议 提前5分钟提醒",
            IncompleteMeet(None, None, None, None, reminder=before(minutes=5)),
        ),
    ],
)
def test_incomplete_keeps_the_reminder(text: str, expected: IncompleteMeet) -> None:
    assert parse(text, NOW) == expected


def test_incomplete_without_a_clause_has_none() -> None:
    result = parse("meet Sync", NOW)
    assert isinstance(result, IncompleteMeet)
    assert result.reminder is None


# --- the reminder commands --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reminders", RemindersCommand()),
        ("Reminders", RemindersCommand()),
        ("reminders?", RemindersCommand()),
        ("my reminders", RemindersCommand()),
        ("My Reminders.", RemindersCommand()),
        ("remind me about all my meetings", WatchCommand(on=True)),
        ("Remind me about all my meetings!", WatchCommand(on=True)),
        ("remind me about my meetings", WatchCommand(on=True)),
        ("remind me of all my meetings", WatchCommand(on=True)),
        ("REMIND ME OF ALL MY MEETINGS.", WatchCommand(on=True)),
        ("stop reminders", WatchCommand(on=False)),
        ("Stop reminders!", WatchCommand(on=False)),
        ("stop reminding me", WatchCommand(on=False)),
        ("stop reminding me.", WatchCommand(on=False)),
    ],
)
def test_english_reminder_commands(text: str, expected: Command) -> None:
    assert parse(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("提醒列表", RemindersCommand()),
        ("我的提醒", RemindersCommand()),
        ("我的提醒？", RemindersCommand()),
        ("提醒我所有会议", WatchCommand(on=True)),
        ("提醒我的所有会议", WatchCommand(on=True)),
        ("提醒我的所有会议。", WatchCommand(on=True)),
        ("停止提醒", WatchCommand(on=False)),
        ("别再提醒", WatchCommand(on=False)),
        ("别再提醒我", WatchCommand(on=False)),
        ("别再提醒！", WatchCommand(on=False)),
    ],
)
def test_chinese_reminder_commands(text: str, expected: Command) -> None:
    assert parse(text, NOW, locale="zh-CN") == expected


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("remind", "remind"),
        ("remind!", "remind!"),
        ("remind me", "remind me"),
        ("remind me 5m", "remind me 5m"),
        ("remind me about the budget", "remind me about the budget"),
        ("remind me of my meetings", "remind me of my meetings"),
        ("remind me about all my meetings tomorrow", "remind me about all my meetings tomorrow"),
        ("remind Sync tomorrow 3pm", "remind Sync tomorrow 3pm"),
        ("Remind <at>Adele Vance</at> about it", "Remind Adele Vance about it"),
        ("reminders please", "reminders please"),
        ("my reminders for today", "my reminders for today"),
        ("stop reminders now", "stop reminders now"),
        ("stop reminding me about Sync", "stop reminding me about Sync"),
        ("reminder", "reminder"),
        ("stop", "stop"),
        ("my agenda", "my"),
        ("no reminder", "no"),
        ("提醒列表一下", "提醒列表一下"),
        ("停止提醒设计评审", "停止提醒设计评审"),
        ("提醒", "提醒"),
        ("不提醒", "不提醒"),
    ],
)
def test_reminder_words_alone_or_with_more_are_unknown(text: str, detail: str) -> None:
    assert parse(text, NOW) == ParseError(ParseErrorKind.UNKNOWN_COMMAND, detail)


def test_the_commands_do_not_reach_into_a_meet_line() -> None:
    # inside a meet line the words are a reminder clause (or a bad one), never a command
    assert parse("meet Sync tomorrow 3pm remind me about all my meetings", NOW) == ParseError(
        ParseErrorKind.BAD_REMINDER, "remind me about all my meetings"
    )
    result = meet("meet My reminders review tomorrow 3pm")
    assert (result.subject, result.reminder) == ("My reminders review", None)
    result = meet("meet Stop reminders project tomorrow 3pm")
    assert (result.subject, result.reminder) == ("Stop reminders project", None)
