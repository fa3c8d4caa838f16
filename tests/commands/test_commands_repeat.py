"""Repeating meetings: the repeat clause of a `meet` line, English and Chinese, and the series'
first occurrence (`MeetCommand.start` / `end`) in the sender's zone.

The clock is Wednesday 18 November 2026, 09:00 in Los Angeles unless a test says otherwise;
every expected date below is read off a calendar, not computed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import (
    IncompleteMeet,
    MeetCommand,
    ParseError,
    ParseErrorKind,
    ReminderRequest,
    Repeat,
    RepeatType,
    WeekIndex,
    parse,
)
from bot.commands import repeat as repeat_module

LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=LA)  # a Wednesday
WORKWEEK = ("monday", "tuesday", "wednesday", "thursday", "friday")
WEEKLY, DAILY = RepeatType.WEEKLY, RepeatType.DAILY
ABSOLUTE, RELATIVE = RepeatType.ABSOLUTE_MONTHLY, RepeatType.RELATIVE_MONTHLY


def meet(text: str, now: datetime = NOW, locale: str = "en-US") -> MeetCommand:
    result = parse(text, now, locale=locale)
    assert isinstance(result, MeetCommand), result
    return result


def weekly(
    *days: str, interval: int = 1, until: date | None = None, count: int | None = None
) -> Repeat:
    return Repeat(WEEKLY, interval, days, until=until, count=count)


def at(day: int, hour: int, month: int = 11, year: int = 2026, zone: ZoneInfo = LA) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=zone)


# --- the patterns -----------------------------------------------------------------------------

ENGLISH = [
    ("meet Sync every Monday 3pm", weekly("monday"), at(23, 15)),
    ("meet Sync every mondays 3pm", weekly("monday"), at(23, 15)),
    ("meet Standup every weekday 10am", weekly(*WORKWEEK), at(18, 10)),
    ("meet Standup every workday 10am", weekly(*WORKWEEK), at(18, 10)),
    ("meet Standup weekdays 10am", weekly(*WORKWEEK), at(18, 10)),
    ("meet Standup daily 3pm", Repeat(DAILY), at(18, 15)),
    ("meet Standup every day 3pm", Repeat(DAILY), at(18, 15)),
    ("meet Standup every 2 days 3pm", Repeat(DAILY, 2), at(18, 15)),
    ("meet Sync weekly on Mon and Wed 3pm", weekly("monday", "wednesday"), at(18, 15)),
    ("meet Sync every Mon, Wed and Fri 8am", weekly("monday", "wednesday", "friday"), at(20, 8)),
    ("meet Sync every 2 weeks on Friday 3pm", weekly("friday", interval=2), at(20, 15)),
    ("meet Sync every other Friday 3pm", weekly("friday", interval=2), at(20, 15)),
    ("meet Sync biweekly on Thursday 3pm", weekly("thursday", interval=2), at(19, 15)),
    ("meet Sync weekly 3pm", weekly("wednesday"), at(18, 15)),  # the first day's weekday
    ("meet Sync every week Friday 3pm", weekly("friday"), at(20, 15)),
    ("meet Review monthly on the 15th 10am", Repeat(ABSOLUTE, day_of_month=15), at(15, 10, 12)),
    ("meet Review monthly on the 1st 10am", Repeat(ABSOLUTE, day_of_month=1), at(1, 10, 12)),
    ("meet Review monthly on day 20 10am", Repeat(ABSOLUTE, day_of_month=20), at(20, 10)),
    (
        "meet Review every 3 months on the 18th 10am",
        Repeat(ABSOLUTE, 3, day_of_month=18),
        at(18, 10),
    ),
    ("meet Review monthly Dec 3 10am", Repeat(ABSOLUTE, day_of_month=3), at(3, 10, 12)),
    (
        "meet 1:1 on the first Monday of every month 2pm",
        Repeat(RELATIVE, days_of_week=("monday",), index=WeekIndex.FIRST),
        at(7, 14, 12),
    ),
    (
        "meet 1:1 the second Tuesday of each month 2pm",
        Repeat(RELATIVE, days_of_week=("tuesday",), index=WeekIndex.SECOND),
        at(8, 14, 12),
    ),
    (
        "meet 1:1 on the third Wednesday of every month 2pm",
        Repeat(RELATIVE, days_of_week=("wednesday",), index=WeekIndex.THIRD),
        at(18, 14),
    ),
    (
        "meet 1:1 on the 4th Thursday of every month 2pm",
        Repeat(RELATIVE, days_of_week=("thursday",), index=WeekIndex.FOURTH),
        at(26, 14),
    ),
    (
        "meet 1:1 on the last Friday of every other month 2pm",
        Repeat(RELATIVE, 2, days_of_week=("friday",), index=WeekIndex.LAST),
        at(27, 14),
    ),
    (
        "meet 1:1 monthly on the last Monday 2pm",
        Repeat(RELATIVE, days_of_week=("monday",), index=WeekIndex.LAST),
        at(30, 14),
    ),
]

CHINESE = [
    ("meet 周会每周一下午3点", weekly("monday"), at(23, 15)),
    ("meet 周会 每星期一 下午3点", weekly("monday"), at(23, 15)),
    ("meet 站会每个工作日上午10点", weekly(*WORKWEEK), at(18, 10)),
    ("meet 站会每工作日上午10点", weekly(*WORKWEEK), at(18, 10)),
    ("meet 站会每天下午3点", Repeat(DAILY), at(18, 15)),
    ("meet 站会每日下午3点", Repeat(DAILY), at(18, 15)),
    ("meet 周会每两周周五下午3点", weekly("friday", interval=2), at(20, 15)),
    ("meet 周会每2周的周五下午3点", weekly("friday", interval=2), at(20, 15)),
    ("meet 周会每周一和周三下午3点", weekly("monday", "wednesday"), at(18, 15)),
    ("meet 周会每周一、三、五早上8点", weekly("monday", "wednesday", "friday"), at(20, 8)),
    ("meet 周会每周下午3点", weekly("wednesday"), at(18, 15)),
    ("meet 评审每月15日上午10点", Repeat(ABSOLUTE, day_of_month=15), at(15, 10, 12)),
    ("meet 评审每个月20号上午10点", Repeat(ABSOLUTE, day_of_month=20), at(20, 10)),
    (
        "meet 例会每月第一个周一下午2点",
        Repeat(RELATIVE, days_of_week=("monday",), index=WeekIndex.FIRST),
        at(7, 14, 12),
    ),
    (
        "meet 例会每月的第二个星期二下午2点",
        Repeat(RELATIVE, days_of_week=("tuesday",), index=WeekIndex.SECOND),
        at(8, 14, 12),
    ),
    (
        "meet 例会每月最后一个周五下午2点",
        Repeat(RELATIVE, days_of_week=("friday",), index=WeekIndex.LAST),
        at(27, 14),
    ),
]


@pytest.mark.parametrize(("line", "repeat", "start"), ENGLISH + CHINESE)
def test_a_pattern_sets_the_repeat_and_the_first_occurrence(
    line: str, repeat: Repeat, start: datetime
) -> None:
    command = meet(line, locale="en-US" if line.isascii() else "zh-CN")
    assert command.repeat == repeat
    assert command.start == start
    assert command.end == start + timedelta(minutes=30)
    assert command.start.tzinfo is LA


@pytest.mark.parametrize(
    ("line", "subject"),
    [
        ("meet Daily standup every weekday 10am", "Daily standup"),
        ("meet Weekly sync every Monday 3pm", "Weekly sync"),
        ("meet Every Monday retro 3pm every Monday", "Every Monday retro"),
        ("meet 每日站会每天上午10点", "每日站会"),
    ],
)
def test_a_pattern_word_in_the_subject_stays_there(line: str, subject: str) -> None:
    command = meet(line)
    assert command.subject == subject
    assert command.repeat is not None


@pytest.mark.parametrize(
    "line",
    [
        "meet Daily standup tomorrow 10am",
        "meet Monthly review Friday 3pm",
        "meet 每日站会明天上午10点",
    ],
)
def test_no_clause_is_a_single_meeting(line: str) -> None:
    command = meet(line)
    assert command.repeat is None
    assert command.subject.casefold().startswith(("daily", "monthly", "每日"))


# --- the ranges -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "repeat"),
    [
        ("meet Sync every Monday until Dec 31 3pm", weekly("monday", until=date(2026, 12, 31))),
        ("meet Sync every Monday 3pm until Dec 31", weekly("monday", until=date(2026, 12, 31))),
        (
            "meet Sync every Monday 3pm until December 31, 2026",
            weekly("monday", until=date(2026, 12, 31)),
        ),
        ("meet Sync every Monday 3pm until Nov 23", weekly("monday", until=date(2026, 11, 23))),
        # A month and day already past this year is next year's.
        ("meet Sync every Monday 3pm until Mar 1", weekly("monday", until=date(2027, 3, 1))),
        (
            "meet Sync every Monday 3pm through 2027-01-11",
            weekly("monday", until=date(2027, 1, 11)),
        ),
        # 10 Mondays from Nov 23: the last is Jan 25, and the range ends the Sunday after.
        ("meet Sync every Monday for 10 weeks 3pm", weekly("monday", until=date(2027, 1, 31))),
        ("meet Sync every Monday 3pm for 10 weeks", weekly("monday", until=date(2027, 1, 31))),
        ("meet Sync daily 3pm for 3 days", Repeat(DAILY, until=date(2026, 11, 20))),
        (
            "meet Sync monthly on the 23rd 3pm for 2 months",
            Repeat(ABSOLUTE, day_of_month=23, until=date(2027, 1, 22)),
        ),
        ("meet Sync every Monday 3pm 10 times", weekly("monday", count=10)),
        ("meet Sync every Monday 10 times 3pm", weekly("monday", count=10)),
        ("meet Sync every Monday 3pm for 6 occurrences", weekly("monday", count=6)),
        ("meet 周会每周一下午3点直到12月31日", weekly("monday", until=date(2026, 12, 31))),
        ("meet 周会每周一直到12月31日下午3点", weekly("monday", until=date(2026, 12, 31))),
        ("meet 周会每周一下午3点到2027年1月11日为止", weekly("monday", until=date(2027, 1, 11))),
        ("meet 周会每周一下午3点共10次", weekly("monday", count=10)),
        ("meet 周会每周一共10次下午3点", weekly("monday", count=10)),
        ("meet 周会每周一下午3点重复5次", weekly("monday", count=5)),
        ("meet 周会每周一下午3点持续10周", weekly("monday", until=date(2027, 1, 31))),
    ],
)
def test_a_range_ends_the_series(line: str, repeat: Repeat) -> None:
    command = meet(line, locale="en-US" if line.isascii() else "zh-CN")
    assert command.repeat == repeat
    assert command.start == at(23, 15) or repeat.type != WEEKLY


def test_without_a_range_the_series_has_no_end() -> None:
    repeat = meet("meet Sync every Monday 3pm").repeat
    assert repeat is not None
    assert (repeat.until, repeat.count) == (None, None)


@pytest.mark.parametrize(
    ("line", "length"),
    [
        ("meet Sync every Monday 3pm for 45m", timedelta(minutes=45)),
        ("meet Sync every Monday for 45m 3pm", timedelta(minutes=45)),
        ("meet Standup every weekday 10am for 15m", timedelta(minutes=15)),
        ("meet 站会每个工作日上午10点 15分钟", timedelta(minutes=15)),
    ],
)
def test_for_a_duration_is_still_the_length(line: str, length: timedelta) -> None:
    command = meet(line)
    assert command.end - command.start == length
    assert command.repeat is not None and command.repeat.until is None


def test_a_length_and_a_span_both_read() -> None:
    command = meet("meet Standup every weekday 10am for 15m for 10 weeks")
    assert command.end - command.start == timedelta(minutes=15)
    # From Wednesday Nov 18, ten weeks end the Tuesday before Wednesday Jan 27.
    assert command.repeat == weekly(*WORKWEEK, until=date(2027, 1, 26))


def test_the_other_clauses_still_read_around_it() -> None:
    command = meet(
        "meet Sync every Monday 3pm for 45m with adele@contoso.com remind 10m before until Dec 31"
    )
    assert command.attendees == ("adele@contoso.com",)
    assert command.reminder == ReminderRequest(timedelta(minutes=10))
    assert command.repeat == weekly("monday", until=date(2026, 12, 31))
    assert command.end - command.start == timedelta(minutes=45)


def test_the_clause_may_follow_the_attendees() -> None:
    command = meet("meet Sync 3pm with adele@contoso.com every Monday")
    assert (command.subject, command.attendees) == ("Sync", ("adele@contoso.com",))
    assert command.repeat == weekly("monday")


# --- the first occurrence ---------------------------------------------------------------------


def test_a_monday_before_the_time_is_today() -> None:
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=LA)
    assert meet("meet Sync every Monday 3pm", now=monday).start == at(23, 15)


def test_a_monday_after_the_time_is_next_week() -> None:
    monday = datetime(2026, 11, 23, 16, 0, tzinfo=LA)
    assert meet("meet Sync every Monday 3pm", now=monday).start == at(30, 15)


def test_every_weekday_on_a_saturday_starts_on_monday() -> None:
    saturday = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
    assert meet("meet Standup every weekday 9am for 15m", now=saturday).start == at(23, 9)


@pytest.mark.parametrize(
    "line",
    [
        "meet Sync every Monday starting Tuesday 3pm",
        "meet Sync every Monday starting on Tuesday 3pm",
        "meet Sync every Monday beginning Tuesday 3pm",
        "meet Sync every Monday from Tuesday 3pm",
        "meet Sync Tuesday 3pm every Monday",
        "meet Sync every Monday 3pm starting Nov 24",
    ],
)
def test_a_day_off_the_pattern_starts_the_series_at_its_next_fitting_day(line: str) -> None:
    # Tuesday Nov 24 is no Monday: as in Outlook, the series starts on Monday Nov 30.
    command = meet(line)
    assert command.start == at(30, 15)
    assert command.repeat == weekly("monday")


def test_a_day_that_fits_is_the_first_occurrence() -> None:
    assert meet("meet Sync every Monday starting Dec 7 3pm").start == at(7, 15, 12)


def test_a_day_given_for_monthly_is_its_day_of_the_month() -> None:
    command = meet("meet Review monthly starting Dec 3 10am")
    assert command.repeat == Repeat(ABSOLUTE, day_of_month=3)
    assert command.start == at(3, 10, 12)


def test_without_a_time_the_day_is_the_series_first() -> None:
    result = parse("meet Sync every Monday", NOW, locale="en-US")
    assert isinstance(result, IncompleteMeet)
    assert result.day == date(2026, 11, 23)
    assert result.repeat == weekly("monday")
    assert (result.start, result.subject) == (None, "Sync")


def test_without_a_subject_the_repeat_is_kept() -> None:
    result = parse("meet every Monday 3pm", NOW, locale="en-US")
    assert isinstance(result, IncompleteMeet)
    assert result.subject is None
    assert (result.start, result.repeat) == (at(23, 15), weekly("monday"))


@pytest.mark.parametrize(
    ("now", "line", "start", "offset"),
    [
        # US clocks go forward on Sunday 8 March 2026: Friday is PST, Monday PDT.
        (datetime(2026, 3, 6, 10, 0, tzinfo=LA), "meet Sync every Monday 9am", at(9, 9, 3), -7),
        (datetime(2026, 3, 6, 10, 0, tzinfo=LA), "meet 周会每周一上午9点", at(9, 9, 3), -7),
        # European clocks go back on Sunday 25 October 2026: Friday is CEST, Monday CET.
        (
            datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN),
            "meet Sync every weekday 9am",
            at(26, 9, 10, zone=BERLIN),
            1,
        ),
        (
            datetime(2026, 10, 23, 10, 0, tzinfo=BERLIN),
            "meet 站会每个工作日上午9点",
            at(26, 9, 10, zone=BERLIN),
            1,
        ),
        (
            datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI),
            "meet Sync every Monday 9am",
            at(23, 9, zone=SHANGHAI),
            8,
        ),
    ],
)
def test_the_wall_time_holds_across_a_dst_change(
    now: datetime, line: str, start: datetime, offset: int
) -> None:
    command = meet(line, now=now)
    assert command.start == start
    assert command.start.replace(tzinfo=None) == start.replace(tzinfo=None)
    assert command.start.utcoffset() == timedelta(hours=offset)
    assert command.start.tzinfo is now.tzinfo


def test_the_wall_time_before_the_change_has_the_old_offset() -> None:
    # Control for the test above: the same Friday's own 9am is still PST.
    friday = datetime(2026, 3, 6, 8, 0, tzinfo=LA)
    assert meet("meet Sync every Friday 9am", now=friday).start.utcoffset() == timedelta(hours=-8)


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ("meet Sync every 0 weeks 3pm", "every 0 weeks"),
        ("meet Sync tomorrow 3pm every 0 weeks", "every 0 weeks"),
        ("meet Sync every 0 days 3pm", "every 0 days"),
        ("meet Sync monthly on the 32nd 3pm", "monthly on the 32nd"),
        ("meet Sync monthly on the 0th 3pm", "monthly on the 0th"),
        ("meet Sync every Monday 3pm 0 times", "0 times"),
        ("meet Sync every Monday 3pm 1000 times", "1000 times"),
        ("meet Sync every Monday 3pm for 0 weeks", "for 0 weeks"),
        ("meet Sync every Monday 3pm until whenever", "until whenever"),
        ("meet Sync every Monday 3pm until Feb 30", "until Feb 30"),
        # Before the first occurrence (Monday Nov 23).
        ("meet Sync every Monday 3pm until 2026-11-20", "until 2026-11-20"),
        ("meet Sync every Monday starting Dec 21 3pm until Dec 14", "until Dec 14"),
        ("meet Sync tomorrow 3pm every blah", "every blah"),
        # Two ends: the second is one too many.
        ("meet Sync every Monday 3pm until Dec 31 10 times", "10 times"),
        ("meet Sync every Monday 3pm 10 times for 10 weeks", "for 10 weeks"),
        ("meet 周会每周一下午3点共10次直到12月31日", "直到12月31日"),
        ("meet 周会每0周周五下午3点", "每0周周五"),
        ("meet 评审每月32日上午10点", "每月32日"),
        ("meet 周会每周一下午3点共0次", "共0次"),
        ("meet 周会每周一下午3点共1000次", "共1000次"),
        ("meet 周会每周一下午3点直到2月30日", "直到2月30日"),
        ("meet 周会每周一下午3点直到2026年11月20日", "直到2026年11月20日"),
    ],
)
def test_an_impossible_repeat_is_bad_repeat(line: str, detail: str) -> None:
    assert parse(line, NOW, locale="en-US") == ParseError(ParseErrorKind.BAD_REPEAT, detail)


def test_the_count_cap_itself_is_accepted() -> None:
    assert meet("meet Sync every Monday 3pm 999 times").repeat == weekly("monday", count=999)


# --- any arrangement of the clause's words ----------------------------------------------------

_WORDS = st.sampled_from(
    [
        *("every", "Monday", "weekday", "daily", "weekly", "monthly", "other", "2", "0", "on"),
        *("the", "first", "last", "15th", "32nd", "of", "each", "month", "weeks", "until"),
        *("Dec", "31", "9999-12-31", "10", "times", "for", "45m", "starting", "3pm", "with"),
        *("adele@contoso.com", "remind", "5m", "每", "周一", "和", "月", "15日", "第一个"),
        *("工作日", "共", "次", "直到", "12月31日", "下午3点", "两周", "持续"),
    ]
)


@given(st.lists(_WORDS, max_size=12))
@settings(derandomize=True, deadline=None, max_examples=300)
def test_any_line_of_clause_words_parses_to_a_result(words: list[str]) -> None:
    line = "meet Sync " + " ".join(words)
    result = parse(line, NOW, locale="en-US")
    assert isinstance(result, MeetCommand | IncompleteMeet | ParseError)
    if isinstance(result, MeetCommand) and result.repeat is not None:
        repeat = result.repeat
        assert repeat.until is None or repeat.count is None
        assert repeat.until is None or repeat.until >= result.start.date()
        assert result.start >= NOW
        if repeat.type in {WEEKLY, RELATIVE}:  # the first occurrence is one of its days
            assert result.start.strftime("%A").casefold() in repeat.days_of_week


_LETTERS = st.sampled_from([*" ,\t", *"dailyevrwkonthbfsm", "ſ", "\u212a", "ı", "İ", "ß", "每"])


@given(st.text(_LETTERS, max_size=40))
@settings(derandomize=True, deadline=None, max_examples=500)
def test_the_shortcut_search_finds_every_word_a_pattern_starts_with(text: str) -> None:
    # `split_repeat` reads a line word by word only if one search finds such a word: it may
    # find more ("daıly", whose dotless i matches without case), never fewer.
    words = {word.casefold() for word in repeat_module._WORD.findall(text)}
    if words & repeat_module._PATTERN_STARTS:
        assert repeat_module._ANY_START.search(text) is not None


@pytest.mark.parametrize("text", ["Sync tomorrow 3pm", "noon", "weeklyx", "everyone", "x.daily"])
def test_the_shortcut_search_passes_over_lines_without_such_a_word(text: str) -> None:
    assert repeat_module._ANY_START.search(text) is None


@pytest.mark.parametrize(
    "line",
    [
        # The examples the bad_repeat sentence offers, en and zh (bot/i18n/en.py, zh.py).
        *("meet Sync every Monday 3pm", "meet Sync every weekday 3pm"),
        *("meet Sync daily until Dec 31 3pm", "meet Sync every 2 weeks on Friday 3pm"),
        *(
            "meet Sync monthly on the 15th 3pm",
            "meet 周会每周一下午3点",
            "meet 周会每个工作日下午3点",
        ),
        *(
            "meet 周会每天 直到12月31日 下午3点",
            "meet 周会每两周周五下午3点",
            "meet 周会每月15日下午3点",
        ),
    ],
)
def test_the_examples_the_error_offers_all_read(line: str) -> None:
    assert meet(line).repeat is not None
