"""The parser's shortcuts: each answers exactly as the plain search it stands in for.

`parse` runs on every message, so the command modules skip work that cannot succeed: routes are
looked up by their first word, reminder phrases by theirs, a line without "remind"/"提醒" is not
searched for a reminder clause, time expressions are only tried where one may start, and the
Chinese scanner gives up at once on text that starts like English. These tests hold each one
against the slow form it replaced (written out here), or against the grammar it relies on.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import IncompleteMeet, MeetCommand, ReminderRequest, parse
from bot.commands import attendees as attendees_module
from bot.commands import meet as meet_module
from bot.commands import reminder as reminder_module
from bot.commands import when_zh as when_zh_module
from bot.commands.duration import duration_minutes
from bot.commands.text import is_cjk
from bot.commands.when_zh import zh_duration_minutes

# `bot.commands.parse` is the function on the package; the module is reached by name.
_parse_module = importlib.import_module("bot.commands.parse")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # a Wednesday
FIXED = settings(derandomize=True, deadline=None, max_examples=400)

# Text made of the characters the shortcuts care about: spaces of all kinds, ASCII, CJK text,
# CJK punctuation and full-width forms, private-use placeholders and digits of other scripts.
_CHARS = st.sampled_from(
    [*" \t\u3000\u00a0", *"ab,.-:3", "明", "天", "点", "，", "３", "\uff41", "\ue000", "٣", "ſ"]
)
texts = st.text(_CHARS, max_size=120)


# --- routing ----------------------------------------------------------------------------------


def _linear_route(body: str) -> tuple[object, str] | None:
    """`_route` as it was: every route tried in order."""
    words = body.split(" ")
    folded = [word.casefold() for word in words]
    folded[-1] = folded[-1].rstrip(_parse_module._SENTENCE_END) or folded[-1]
    for keywords, handler in _parse_module._ENGLISH:
        if tuple(folded[: len(keywords)]) == keywords:
            return handler, " ".join(words[len(keywords) :])
    if body and is_cjk(body[0]):
        for prefix, handler in _parse_module._CHINESE:
            if body.startswith(prefix):
                return handler, body[len(prefix) :].strip()
    return None


def _route_bodies() -> list[str]:
    english = [" ".join(keywords) for keywords, _ in _parse_module._ENGLISH]
    chinese = [prefix for prefix, _ in _parse_module._CHINESE]
    bodies = [*english, *chinese]
    bodies += [f"{body} Sync tomorrow" for body in english] + [f"{body}!" for body in english]
    bodies += [f"{body}设计评审" for body in chinese] + [body.upper() for body in english]
    bodies += ["remind me", "remind me 5m", "my", "stop", "stop it", "cancel meetings", "会", "?"]
    return bodies


@pytest.mark.parametrize("body", _route_bodies())
def test_routes_by_first_word_match_trying_every_route(body: str) -> None:
    assert _parse_module._route(body) == _linear_route(body)


_ROUTE_WORDS = [
    *("meet", "MEET", "now", "cancel", "Cancel!", "meeting", "remind", "me", "about", "all"),
    *("my", "of", "meetings", "stop", "reminding", "reminders", "help", "?", "x", "upcoming?"),
    *("会议", "开会", "取消", "提醒", "我", "的", "所有会议", "别再", "？", "设计"),
]


@settings(FIXED)
@given(
    words=st.lists(st.sampled_from(_ROUTE_WORDS), min_size=1, max_size=7),
    separator=st.sampled_from([" ", ""]),
)
def test_routes_by_first_word_match_trying_every_route_for_any_words(
    words: list[str], separator: str
) -> None:
    body = " ".join(separator.join(words).split())
    if body:
        assert _parse_module._route(body) == _linear_route(body)


def test_every_route_is_indexed_under_its_first_word_in_order() -> None:
    english = [route for group in _parse_module._ENGLISH_BY_FIRST_WORD.values() for route in group]
    chinese = [route for group in _parse_module._CHINESE_BY_FIRST_CHAR.values() for route in group]
    assert sorted(english, key=_parse_module._ENGLISH.index) == list(_parse_module._ENGLISH)
    assert sorted(chinese, key=_parse_module._CHINESE.index) == list(_parse_module._CHINESE)
    for first, group in _parse_module._ENGLISH_BY_FIRST_WORD.items():
        assert all(keywords[0] == first for keywords, _ in group)
        assert [_parse_module._ENGLISH.index(route) for route in group] == sorted(
            _parse_module._ENGLISH.index(route) for route in group
        )
    # "meet now" must still be tried before "meet", "cancel meeting" before "cancel".
    assert [keys for keys, _ in _parse_module._ENGLISH_BY_FIRST_WORD["meet"]] == [
        ("meet", "now"),
        ("meet",),
    ]
    assert _parse_module._CHINESE_BY_FIRST_CHAR["取"][0][0] == "取消会议"


# --- the reminder clause ----------------------------------------------------------------------


def test_every_english_reminder_phrase_holds_the_stem_the_shortcut_looks_for() -> None:
    phrases = (*reminder_module._KEYWORDS, *reminder_module._NEGATIONS)
    for phrase in phrases:
        assert any(word.startswith(reminder_module._STEM) for word in phrase), phrase


@pytest.mark.parametrize(
    "pattern",
    [
        reminder_module._ZH_NEGATION,
        reminder_module._ZH_BEFORE,
        reminder_module._ZH_AFTER,
        reminder_module._ZH_ATTEMPT,
    ],
)
def test_every_chinese_reminder_pattern_needs_the_stem_the_shortcut_looks_for(
    pattern: re.Pattern[str],
) -> None:
    samples = [
        "不提醒",
        "不要提醒我",
        "无须提醒",
        "提前5分钟提醒",
        "提前半小时提醒我",
        "提醒提前1个半小时",
        "提醒我 提前 一刻钟",
        "提前很久提醒",
        "提前5分钟",
        "提前",
        "不要",
    ]
    for sample in samples:
        match = pattern.search(sample)
        assert match is None or reminder_module._ZH_STEM in match[0], (sample, match)


def test_phrases_are_indexed_by_their_first_word_in_order() -> None:
    for phrases, index in (
        (reminder_module._KEYWORDS, reminder_module._KEYWORDS_BY_FIRST_WORD),
        (reminder_module._NEGATIONS, reminder_module._NEGATIONS_BY_FIRST_WORD),
    ):
        assert [phrase for group in index.values() for phrase in group] == sorted(
            phrases, key=phrases.index
        )
        for first, group in index.items():
            assert all(phrase[0] == first for phrase in group)
    assert reminder_module._KEYWORDS_BY_FIRST_WORD["remind"] == [("remind", "me"), ("remind",)]
    assert reminder_module._NEGATIONS_BY_FIRST_WORD["without"] == [
        ("without", "reminder"),
        ("without", "reminders"),
        ("without", "a", "reminder"),
    ]


@pytest.mark.parametrize(
    ("text", "reminder"),
    [
        ("meet Sync tomorrow 3pm REMIND ME 10 minutes before", timedelta(minutes=10)),
        ("meet Sync tomorrow 3pm Reminder 1h", timedelta(hours=1)),
        ("meet Sync REMIND 5m tomorrow 3pm", timedelta(minutes=5)),
        ("meet Sync tomorrow 3pm No Reminder", None),
        ("meet Sync tomorrow 3pm WITHOUT A REMINDER", None),
        ("meet Sync tomorrow 3pm don\u2019t remind me", None),
        ("meet Sync tomorrow 3pm Do Not Remind Me", None),
        ("会议同步明天下午3点提前5分钟提醒", timedelta(minutes=5)),
        ("会议同步明天下午3点不提醒", None),
    ],
)
def test_reminder_clauses_in_any_case_are_still_found(
    text: str, reminder: timedelta | None
) -> None:
    result = parse(text, NOW, locale="en-US")
    assert isinstance(result, MeetCommand), result
    assert result.reminder == ReminderRequest(reminder)


@pytest.mark.parametrize(
    "text",
    [
        "meet Sync tomorrow 3pm",
        "meet Reminders review tomorrow 3pm",  # "remind" inside a word, but no clause
        "meet Sync tomorrow 3pm with adele@contoso.com",
        "会议同步明天下午3点",
    ],
)
def test_lines_without_a_clause_have_no_reminder(text: str) -> None:
    result = parse(text, NOW, locale="en-US")
    assert isinstance(result, MeetCommand | IncompleteMeet), result
    assert result.reminder is None


# --- where a time expression may start --------------------------------------------------------


def _may_start_when(text: str, index: int) -> bool:
    """The per-character test `_when_starts` replaced."""
    if text[index].isspace():
        return False
    return index == 0 or text[index - 1].isspace() or is_cjk(text[index - 1]) or is_cjk(text[index])


def _word_start(body: str, index: int) -> bool:
    """The per-character test `_time_starts` replaced."""
    before, here = body[index - 1], body[index]
    return not here.isspace() and (before.isspace() or not before.isascii() or not here.isascii())


@settings(FIXED)
@given(text=texts)
def test_when_starts_are_where_the_per_character_test_says(text: str) -> None:
    window = range(max(0, len(text) - meet_module._MAX_WHEN_CHARS), len(text))
    expected = [index for index in window if _may_start_when(text, index)]
    assert meet_module._when_starts(text) == expected


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("Design review tomorrow 3pm", [0, 7, 14, 23]),
        ("设计评审明天", [0, 1, 2, 3, 4, 5]),
        ("Sync明天 3pm", [0, 4, 5, 7]),  # next to Chinese text, words need no space
        ("a\u3000b", [0, 2]),  # the ideographic space is CJK, but no start itself
        ("", []),
    ],
)
def test_when_starts_examples(text: str, starts: list[int]) -> None:
    assert meet_module._when_starts(text) == starts


def test_when_starts_look_no_further_back_than_a_time_expression_is_long() -> None:
    text = "word " * 40
    starts = meet_module._when_starts(text)
    assert starts and min(starts) >= len(text) - meet_module._MAX_WHEN_CHARS
    window = range(len(text) - meet_module._MAX_WHEN_CHARS, len(text))
    assert starts == [index for index in window if _may_start_when(text, index)]


@settings(FIXED)
@given(text=texts, first=st.integers(0, 130))
def test_attendee_time_starts_are_where_the_per_character_test_says(text: str, first: int) -> None:
    def is_when(tail: str) -> bool:
        return len(tail) % 3 != 0  # any pure test: what matters is where it is asked

    window = range(max(1, len(text) - attendees_module._MAX_TIME_CHARS, first), len(text))
    expected = [cut for cut in window if _word_start(text, cut) and is_when(text[cut:].strip())]
    assert list(attendees_module._time_starts(text, is_when, first)) == expected


def test_attendee_time_starts_are_read_lazily() -> None:
    asked: list[str] = []

    def is_when(tail: str) -> bool:
        asked.append(tail)
        return True

    starts = attendees_module._time_starts("Sync with finance tomorrow 3pm", is_when, 5)
    assert next(starts) == 5
    assert asked == ["with finance tomorrow 3pm"]


@pytest.mark.parametrize(
    ("text", "subject", "attendees"),
    [
        ("meet Lunch with team tomorrow noon", "Lunch with team", ()),
        ("meet Sync with adele@contoso.com tomorrow 3pm", "Sync", ("adele@contoso.com",)),
        ("meet Plan with finance with adele@contoso.com tomorrow 3pm for 1h", "Plan with finance",
         ("adele@contoso.com",)),
        ("会议设计和开发评审明天下午3点", "设计和开发评审", ()),
        ("会议评审和a@b.com明天下午3点", "评审", ("a@b.com",)),
    ],
)  # fmt: skip
def test_attendee_clauses_before_the_time(
    text: str, subject: str, attendees: tuple[str, ...]
) -> None:
    result = parse(text, NOW, locale="en-US")
    assert isinstance(result, MeetCommand), result
    assert (result.subject, result.attendees) == (subject, attendees)


# --- the Chinese scanner's quick refusal ------------------------------------------------------

_CHINESE_EXPRESSIONS = [
    "明天下午3点",
    "下午3点",
    "3点半",
    "15:00",
    "3 :30",
    "3:30~4:30",
    "2小时后",
    "半小时后",
    "一刻钟后",
    "下周一9点",
    "12月3日下午4点",
    "2026年12月3日",
    "2026-12-03",
    "3/12",
    "今晚8点",
    "中午",
    "明天 3pm",
]


@pytest.mark.parametrize("expression", _CHINESE_EXPRESSIONS)
def test_chinese_expressions_start_with_a_digit_or_chinese(expression: str) -> None:
    assert when_zh_module.scan_when_zh(expression) is not None
    assert when_zh_module._may_start(expression)


_ASCII_NON_DIGITS = [chr(c) for c in range(33, 127) if not chr(c).isdigit()]


@settings(FIXED)
@given(
    first=st.sampled_from(_ASCII_NON_DIGITS),
    rest=st.sampled_from(["", *_CHINESE_EXPRESSIONS]) | st.text(max_size=12),
)
def test_text_starting_with_ascii_other_than_a_digit_is_no_chinese_expression(
    first: str, rest: str
) -> None:
    # The full scanner, without the shortcut, agrees that no such text is an expression.
    assert when_zh_module._scan((first + rest).strip()) is None
    assert when_zh_module.scan_when_zh(first + rest) is None


@pytest.mark.parametrize(
    ("text", "scanned"),
    [
        ("明天 3pm", True),  # a Chinese day, then an English time
        ("明天 下午 3pm", False),  # a period: the English time is not tried
        ("下午 3pm", False),  # no day
        ("3点 3pm", False),  # a time already
        ("明天 Sync", False),
    ],
)
def test_an_english_time_follows_only_a_chinese_day(text: str, scanned: bool) -> None:
    assert (when_zh_module.scan_when_zh(text) is not None) is scanned


# --- whole hours without fractions ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1h", 60),
        ("2 hours", 120),
        ("1.5h", 90),
        ("1,5h", 90),
        ("1.25 hours", 75),
        ("1.01h", None),  # 60.6 minutes
        ("1h30", 90),
        ("1.5h30", None),  # extra minutes only after whole hours
        ("1h60", None),
        ("١h", 60),  # any script's digits
        ("0h", 0),
    ],
)
def test_english_hours(text: str, minutes: int | None) -> None:
    found = duration_minutes(text)
    assert found == minutes
    assert found is None or type(found) is int


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("1小时", 60),
        ("两小时", 120),
        ("1.5小时", 90),
        ("1个半小时", 90),
        ("1小时30分钟", 90),
        ("1.5小时30分", 120),
        ("0.01小时", None),
        ("十二个小时", 720),
    ],
)
def test_chinese_hours(text: str, minutes: int | None) -> None:
    found = zh_duration_minutes(text)
    assert found == minutes
    assert found is None or type(found) is int


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("meet Sync tomorrow 3pm for 2h", timedelta(hours=2)),
        ("meet Sync tomorrow 3pm for 1.5h", timedelta(minutes=90)),
        ("会议同步明天下午3点开2小时", timedelta(hours=2)),
        ("会议同步明天下午3点开1.5小时", timedelta(minutes=90)),
    ],
)
def test_a_meeting_in_hours(text: str, length: timedelta) -> None:
    result = parse(text, NOW, locale="en-US")
    assert isinstance(result, MeetCommand), result
    assert result.end - result.start == length
