"""Routing: every command's keywords in English and Chinese reach the right command."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import (
    CancelCommand,
    CancelMeetingCommand,
    Command,
    HelpCommand,
    IncompleteMeet,
    JoinCommand,
    MeetCommand,
    MeetNowCommand,
    OfflineCommand,
    OnlineCommand,
    ParseError,
    ParseErrorKind,
    ProvidersCommand,
    ScheduleFormCommand,
    UpcomingCommand,
    parse,
)

NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", HelpCommand()),
        ("help", HelpCommand()),
        ("?", HelpCommand()),
        ("/help", HelpCommand()),
        ("meet now", MeetNowCommand(None)),
        ("meet now Quick sync", MeetNowCommand("Quick sync")),
        ("schedule", ScheduleFormCommand()),
        ("Schedule", ScheduleFormCommand()),
        ("form", ScheduleFormCommand()),
        ("online", OnlineCommand()),
        ("ONLINE", OnlineCommand()),
        ("offline", OfflineCommand("")),
        ("offline Design review", OfflineCommand("Design review")),
        ("upcoming", UpcomingCommand()),
        ("agenda", UpcomingCommand()),
        ("upcoming?", UpcomingCommand()),
        ("join Design review", JoinCommand("Design review")),
        ("JOIN  design \t review", JoinCommand("design review")),
        ("cancel meeting Design review", CancelMeetingCommand("Design review")),
        ("Cancel Meeting Budget", CancelMeetingCommand("Budget")),
        ("cancel", CancelCommand()),
        ("CANCEL", CancelCommand()),
        ("cancel!", CancelCommand()),
        ("  cancel .", CancelCommand()),
        ("providers", ProvidersCommand()),
    ],
)
def test_english_commands(text: str, expected: Command) -> None:
    assert parse(text, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("帮助", HelpCommand()),
        ("帮助一下", HelpCommand()),
        ("？", HelpCommand()),
        ("立即开会", MeetNowCommand(None)),
        ("立即开会 快速同步", MeetNowCommand("快速同步")),
        ("立即开会快速同步", MeetNowCommand("快速同步")),
        ("现在开会", MeetNowCommand(None)),
        ("现在开会 预算讨论", MeetNowCommand("预算讨论")),
        ("安排会议", ScheduleFormCommand()),
        ("联机", OnlineCommand()),
        ("脱机", OfflineCommand("")),
        ("脱机 设计评审", OfflineCommand("设计评审")),
        ("脱机设计评审", OfflineCommand("设计评审")),
        ("日程", UpcomingCommand()),
        ("即将召开", UpcomingCommand()),
        ("加入 设计评审", JoinCommand("设计评审")),
        ("加入设计评审", JoinCommand("设计评审")),
        ("取消会议 设计评审", CancelMeetingCommand("设计评审")),
        ("取消会议设计评审", CancelMeetingCommand("设计评审")),
        ("取消", CancelCommand()),
        ("取消。", CancelCommand()),
        ("提供商", ProvidersCommand()),
    ],
)
def test_chinese_commands(text: str, expected: Command) -> None:
    assert parse(text, NOW, locale="zh-CN") == expected


@pytest.mark.parametrize(
    "text",
    [
        "meet Review tomorrow 3pm",
        "MEET Review tomorrow 3pm",
        "会议 Review 明天下午3点",
        "会议Review明天下午3点",
        "开会 Review 明天下午3点",
        "开会Review明天下午3点",
    ],
)
def test_meet_keywords(text: str) -> None:
    result = parse(text, NOW)
    assert isinstance(result, MeetCommand), result
    assert (result.subject, result.start.isoformat()) == ("Review", "2026-11-19T15:00:00-08:00")


@pytest.mark.parametrize("text", ["meet", "会议", "开会", "  会议  "])
def test_a_meet_keyword_alone_starts_the_dialog(text: str) -> None:
    assert parse(text, NOW) == IncompleteMeet(None, None, None, None)


@pytest.mark.parametrize(
    ("text", "kind", "detail"),
    [
        ("join", ParseErrorKind.MISSING_SUBJECT, ""),
        ("join   ", ParseErrorKind.MISSING_SUBJECT, ""),
        ("加入", ParseErrorKind.MISSING_SUBJECT, ""),
        ("cancel meeting", ParseErrorKind.MISSING_SUBJECT, ""),
        ("取消会议", ParseErrorKind.MISSING_SUBJECT, ""),
        # commands that take no words stand alone: anything more would be a guess
        ("cancel Design review", ParseErrorKind.UNKNOWN_COMMAND, "cancel Design review"),
        ("取消设计评审", ParseErrorKind.UNKNOWN_COMMAND, "取消设计评审"),
        ("schedule a meeting", ParseErrorKind.UNKNOWN_COMMAND, "schedule a meeting"),
        ("upcoming meetings", ParseErrorKind.UNKNOWN_COMMAND, "upcoming meetings"),
        ("online now", ParseErrorKind.UNKNOWN_COMMAND, "online now"),
        ("providers list", ParseErrorKind.UNKNOWN_COMMAND, "providers list"),
        ("日程安排", ParseErrorKind.UNKNOWN_COMMAND, "日程安排"),
        # English keywords are whole words
        ("meetSync tomorrow 3pm", ParseErrorKind.UNKNOWN_COMMAND, "meetSync"),
        ("schedules", ParseErrorKind.UNKNOWN_COMMAND, "schedules"),
        ("joined Design review", ParseErrorKind.UNKNOWN_COMMAND, "joined"),
        ("meeting tomorrow 3pm", ParseErrorKind.UNKNOWN_COMMAND, "meeting"),
        # a keyword counts only where the message starts
        ("please meet Sync tomorrow 3pm", ParseErrorKind.UNKNOWN_COMMAND, "please"),
        ("设计评审 会议 明天下午3点", ParseErrorKind.UNKNOWN_COMMAND, "设计评审"),
        ("你好", ParseErrorKind.UNKNOWN_COMMAND, "你好"),
    ],
)
def test_routing_errors(text: str, kind: ParseErrorKind, detail: str) -> None:
    assert parse(text, NOW) == ParseError(kind, detail)


def test_locale_is_optional_and_keyword_only() -> None:
    assert parse("upcoming", NOW) == parse("upcoming", NOW, locale="en-US")
    with pytest.raises(TypeError):
        parse("upcoming", NOW, "en-US")  # type: ignore[misc]
