"""A move that cannot be read says so as a move: its ParseError's `usage` and the sentence
`dialogs.texts.parse_error_text` picks for it (en and zh)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import ParseError, ParseErrorKind, Usage, parse
from bot.i18n import catalog_for
from dialogs.texts import parse_error_text

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")


def read(text: str) -> ParseError:
    locale = "en-US" if text.isascii() else "zh-CN"
    error = parse(text, NOW, locale=locale)
    assert isinstance(error, ParseError), error
    return error


@pytest.mark.parametrize(
    ("text", "kind", "usage"),
    [
        ("move", ParseErrorKind.MISSING_SUBJECT, Usage.MOVE),
        ("move standup", ParseErrorKind.MISSING_TIME, Usage.MOVE),
        ("move standup to", ParseErrorKind.MISSING_TIME, Usage.MOVE),
        ("reschedule standup to 25pm", ParseErrorKind.BAD_TIME, Usage.MOVE),
        ("move standup to 3-4pm", ParseErrorKind.BAD_TIME, Usage.MOVE),
        ("push", ParseErrorKind.MISSING_SUBJECT, Usage.SHIFT),
        ("push standup", ParseErrorKind.MISSING_TIME, Usage.SHIFT),
        ("pull standup soon", ParseErrorKind.BAD_DURATION, Usage.SHIFT),
        ("把站会改到", ParseErrorKind.MISSING_TIME, Usage.MOVE),
        ("把站会改到后来", ParseErrorKind.BAD_TIME, Usage.MOVE),
        ("把站会推迟", ParseErrorKind.MISSING_TIME, Usage.SHIFT),
        ("推迟30分钟", ParseErrorKind.MISSING_SUBJECT, Usage.SHIFT),
        ("meet Design review tomorrow 25pm", ParseErrorKind.BAD_TIME, Usage.MEET),
    ],
)
def test_each_error_says_which_command_it_explains(
    text: str, kind: ParseErrorKind, usage: Usage
) -> None:
    error = read(text)
    assert (error.kind, error.usage) == (kind, usage)


def test_the_usage_is_not_part_of_what_went_wrong() -> None:
    assert read("move standup") == ParseError(ParseErrorKind.MISSING_TIME)
    assert hash(read("push standup")) == hash(ParseError(ParseErrorKind.MISSING_TIME))


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("move standup", "When should it move to? Type move [meeting] to [new time]"),
        ("move to 4pm", "Which meeting should I move? Type move [meeting] to [new time]"),
        ("move standup to 25pm", "I couldn\u2019t read \u201c25pm\u201d as the new time."),
        ("push standup", "By how much? Type push [meeting] 30m"),
        ("push 30m", "Which meeting should I move? Type push [meeting] 30m"),
        ("push standup soon", "I couldn\u2019t use \u201csoon\u201d as how far to move it."),
    ],
)
def test_a_move_is_explained_as_a_move(text: str, english: str) -> None:
    said = parse_error_text(read(text), EN)
    assert said.startswith(english)
    assert "meet Design review" not in said


@pytest.mark.parametrize(
    ("text", "chinese"),
    [
        ("把站会改到", "要改到什么时间？请输入“把 [会议] 改到 [新时间]”"),
        ("把站会改到后来", "我看不懂新时间“后来”。"),
        ("把站会推迟", "要调整多久？请输入“推迟 [会议] 30分钟”"),
        ("推迟30分钟", "要调整哪个会议？"),
    ],
)
def test_a_move_is_explained_as_a_move_in_chinese(text: str, chinese: str) -> None:
    said = parse_error_text(read(text), ZH)
    assert said.startswith(chinese)
    assert "会议 设计评审" not in said


def test_a_meet_keeps_its_own_sentences() -> None:
    assert parse_error_text(read("meet Design review tomorrow 25pm"), EN) == (
        "I couldn't read \u201c25pm\u201d as a time. Try 3pm, 15:00 or noon."
    )
    assert parse_error_text(ParseError(ParseErrorKind.MISSING_TIME), EN) == EN.missing_time
