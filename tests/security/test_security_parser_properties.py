"""Property tests over the command parser: whatever the text, locale and clock, `parse` returns
a command or a parse error (never raises), deterministically, and what it returns is sound.

Three kinds of input, about 3,500 cases in all with a fixed seed: arbitrary Unicode; soups of
the parser's own vocabulary (keywords, times, durations, dates, mentions, emails, Chinese
phrases) in any order; and the known-good phrasings with random edits. Clocks range over
every zone shape (half-hour and 45-minute offsets, +14, -11, DST on either hemisphere) and the
whole of `datetime`'s range, years 1 and 9999 included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import get_args
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import (
    MAX_TEXT_LENGTH,
    Command,
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    ReminderRequest,
    is_email,
    parse,
    parse_when,
)
from tests.commands.phrasings import PHRASINGS

ZONES = [
    "UTC",
    "America/Los_Angeles",
    "America/St_Johns",  # -03:30 / -02:30
    "America/Sao_Paulo",
    "Europe/Berlin",
    "Europe/London",
    "Asia/Shanghai",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
]
LOCALES = [None, "en-US", "en-GB", "zh-CN", "zh-TW", "fr-FR", "", "xx", "en_US", "EN-us"]

VOCABULARY = sorted(
    {word for phrasing in PHRASINGS for word in phrasing.text.split()}
    | {
        "meet", "now", "help", "?", "/help", "schedule", "form", "online", "offline", "upcoming",
        "agenda", "join", "cancel", "meeting", "providers", "reminders", "my", "remind", "me",
        "about", "all", "of", "meetings", "stop", "reminding", "for", "with", "and", "at", "on",
        "in", "next", "this", "today", "tonight", "tomorrow", "noon", "midnight", "am", "pm",
        "a.m.", "p.m.", "3pm", "25pm", "0:00", "23:59", "24:00", "12/31", "2/29", "31/2",
        "9999-12-31", "0001-01-01", "13/13/13", "1h", "90m", "0m", "-5m", "999999h", "1.5h",
        "half", "an", "hour", "hours", "minutes", "no", "reminder", "5m", "1440m", "1441m",
        "adele@contoso.com", "a@b", "@", "x@", "<at>Adele</at>", "<at>", "</at>",
        "<at></at>", "<at>Meetbot</at>", "会议", "开会", "立即开会", "取消会议", "提醒我所有会议",
        "明天", "下午3点", "分钟", "小时", "提前5分钟提醒", "不提醒", "，", "。", "！", "？",
        "\ue000", "\u200f", "\u202e", "\x00", "\t", "\n", "\u3000", "Ⅻ", "٣", "３pm",
    }
)  # fmt: skip


def _in_zones(naive: st.SearchStrategy[datetime]) -> st.SearchStrategy[datetime]:
    return st.builds(
        lambda n, zone: n.replace(tzinfo=ZoneInfo(zone)), naive, st.sampled_from(ZONES)
    )


everyday_clocks = _in_zones(st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)))
clocks = (
    everyday_clocks
    | _in_zones(st.datetimes())  # years 1 to 9999
    | _in_zones(st.datetimes(max_value=datetime(1, 1, 8)))  # at the edges of datetime's range
    | _in_zones(st.datetimes(min_value=datetime(9999, 12, 24)))
)
locales = st.sampled_from(LOCALES) | st.text(max_size=8)
soups = st.lists(
    st.sampled_from(VOCABULARY) | st.text(max_size=6), min_size=0, max_size=14
).flatmap(
    lambda words: st.sampled_from([" ", "", "  ", "\n", "\u3000"]).map(lambda sep: sep.join(words))
)

meet_lines = st.builds(
    lambda *parts: " ".join(part for part in parts if part),
    st.sampled_from(["meet", "会议", "meet now", "cancel meeting", "join"]),
    st.sampled_from(["Sync", "", "Design review", "设计评审", "[x](https://evil.example)"]),
    st.sampled_from(
        ["tomorrow 3pm", "in 2 hours", "next monday 3pm", "Dec 31 11pm", "12/31 3pm", "friday",
         "today 11:59pm", "tomorrow", "明天下午3点", "2小时后", "3pm", "noon", "2026-12-03 9am",
         "Jan 1 0:00", "2-3pm", "9999-12-31 11pm", "0001-01-01 1am", ""]
    ),
    st.sampled_from(["", "for 45m", "for 24h", "for 1h30", "for 25h", "1小时"]),
    st.sampled_from(["", "with adele@contoso.com", "with <at>Adele</at>", "with x@"]),
    st.sampled_from(["", "remind 5m", "no reminder", "remind 1440m", "提前5分钟提醒"]),
)  # fmt: skip


@st.composite
def edited_phrasings(draw: st.DrawFn) -> str:
    """A known-good line with a few characters inserted, deleted or replaced."""
    text = draw(st.sampled_from(PHRASINGS)).text
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.characters())
        if kind == "insert":
            text = text[:at] + char + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + char + text[at + 1 :]
    return text


def check(text: str, now: datetime, locale: str | None) -> None:
    result = parse(text, now, locale=locale)
    assert isinstance(result, (*get_args(Command), ParseError)), result
    assert parse(text, now, locale=locale) == result  # pure: the same answer every time
    if isinstance(result, ParseError):
        assert isinstance(result.kind, ParseErrorKind) and isinstance(result.detail, str)
        if len(text) > MAX_TEXT_LENGTH:
            assert result.kind is ParseErrorKind.TOO_LONG
        return
    assert len(text) <= MAX_TEXT_LENGTH
    if isinstance(result, MeetCommand | IncompleteMeet):
        assert all(is_email(address) for address in result.attendees)
        assert len({a.casefold() for a in result.attendees}) == len(result.attendees)
        reminder = result.reminder
        assert reminder is None or isinstance(reminder, ReminderRequest)
    if isinstance(result, MeetCommand):
        assert result.subject.strip()
        assert result.start.tzinfo is not None and result.end.tzinfo is not None
        # differences, not sums: a clock at year 9999 has no room for `start + 1 day`
        assert timedelta(0) < result.end - result.start <= timedelta(days=1)
        assert result.start - now >= -timedelta(minutes=1)  # never in the past


PROPERTY = settings(
    derandomize=True,  # a fixed seed: CI sees the same cases every run
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@settings(PROPERTY, max_examples=1000)
@given(text=st.text(max_size=300), now=clocks, locale=locales)
def test_arbitrary_unicode_is_a_command_or_a_parse_error(
    text: str, now: datetime, locale: str | None
) -> None:
    check(text, now, locale)


@settings(PROPERTY, max_examples=1000)
@given(text=soups, now=clocks, locale=locales)
def test_soups_of_the_parsers_own_words_are_a_command_or_a_parse_error(
    text: str, now: datetime, locale: str | None
) -> None:
    check(text, now, locale)
    check("meet " + text, now, locale)


@settings(PROPERTY, max_examples=800)
@given(text=edited_phrasings(), now=everyday_clocks, locale=locales)
def test_edited_phrasings_are_a_command_or_a_parse_error(
    text: str, now: datetime, locale: str | None
) -> None:
    check(text, now, locale)


@settings(PROPERTY, max_examples=1000)
@given(text=meet_lines, now=clocks, locale=locales)
def test_meet_lines_at_any_clock_are_a_command_or_a_parse_error(
    text: str, now: datetime, locale: str | None
) -> None:
    check(text, now, locale)


@settings(PROPERTY, max_examples=200)
@given(
    extra=st.integers(-3, 3),
    filler=st.sampled_from(["x", " ", "会", "<at>A</at>", "\U0001f600"]),
    now=everyday_clocks,
)
def test_the_length_limit_holds_at_its_edge(extra: int, filler: str, now: datetime) -> None:
    text = ("meet now " + filler * MAX_TEXT_LENGTH)[: MAX_TEXT_LENGTH + extra]
    check(text, now, "en-US")


@settings(PROPERTY, max_examples=500)
@given(text=soups | meet_lines | st.text(max_size=100), now=clocks, locale=locales)
def test_a_dialogs_answer_to_when_is_times_or_a_parse_error(
    text: str, now: datetime, locale: str | None
) -> None:
    result = parse_when(text, now, locale=locale)
    assert isinstance(result, ParseError) or (
        isinstance(result, tuple) and result[0] < result[1]
    ), result
