"""How a recurrence reads on the cards: every Graph pattern type, intervals, the three range
types, in English and Chinese, from recurrences shaped as Graph answers them."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.graph.models import PatternedRecurrence
from bot.i18n import catalog_for
from cards.recurrence import recurrence_text

EN = catalog_for("en-US")
ZH = catalog_for("zh-CN")
NO_END = {"type": "noEnd", "startDate": "2026-09-07", "endDate": "0001-01-01"}


def answered(pattern: dict[str, Any], span: dict[str, Any] | None = None) -> PatternedRecurrence:
    """A recurrence as Graph answers it: every pattern field present, unused ones zero or
    defaulted (the seed's weekly answer carries `"index": "first"`)."""
    full = {
        "interval": 1,
        "month": 0,
        "dayOfMonth": 0,
        "daysOfWeek": [],
        "firstDayOfWeek": "sunday",
        "index": "first",
    } | pattern
    given = {"recurrenceTimeZone": "Pacific Standard Time", "numberOfOccurrences": 0}
    return PatternedRecurrence.model_validate({"pattern": full, "range": given | (span or NO_END)})


def until(end: str) -> dict[str, Any]:
    return {"type": "endDate", "startDate": "2026-09-07", "endDate": end}


def times(count: int) -> dict[str, Any]:
    return {
        "type": "numbered",
        "startDate": "2026-09-07",
        "endDate": "0001-01-01",
        "numberOfOccurrences": count,
    }


WORK_WEEK = ["monday", "tuesday", "wednesday", "thursday", "friday"]

CASES = [
    # (id, pattern, range, English, Chinese)
    ("daily", {"type": "daily"}, None, "Every day", "每天"),
    ("daily-interval", {"type": "daily", "interval": 3}, None, "Every 3 days", "每 3 天"),
    (
        "weekly",
        {"type": "weekly", "daysOfWeek": ["monday"]},
        None,
        "Every Monday",
        "每周一",
    ),
    (
        "weekly-until",
        {"type": "weekly", "daysOfWeek": ["monday"]},
        until("2026-12-31"),
        "Every Monday until Dec 31, 2026",
        "每周一，直到 2026年12月31日",
    ),
    (
        "weekdays",
        {"type": "weekly", "daysOfWeek": WORK_WEEK},
        None,
        "Every weekday",
        "每个工作日",
    ),
    (
        "weekdays-every-2-weeks",
        {"type": "weekly", "interval": 2, "daysOfWeek": WORK_WEEK},
        None,
        "Every 2 weeks on Monday, Tuesday, Wednesday, Thursday and Friday",
        "每 2 周的周一、周二、周三、周四和周五",
    ),
    (
        "weekly-interval",
        {"type": "weekly", "interval": 2, "daysOfWeek": ["friday"]},
        None,
        "Every 2 weeks on Friday",
        "每 2 周的周五",
    ),
    (
        "weekly-two-days",
        {"type": "weekly", "daysOfWeek": ["wednesday", "monday"]},
        None,
        "Every Monday and Wednesday",
        "每周一和周三",
    ),
    (
        "weekly-sunday-first",
        {"type": "weekly", "daysOfWeek": ["monday", "sunday", "friday"]},
        None,
        "Every Sunday, Monday and Friday",
        "每周日、周一和周五",
    ),
    (
        "weekly-monday-first",
        {"type": "weekly", "daysOfWeek": ["sunday", "monday"], "firstDayOfWeek": "monday"},
        None,
        "Every Monday and Sunday",
        "每周一和周日",
    ),
    (
        "weekly-without-days-repeats-on-the-start",
        {"type": "weekly", "daysOfWeek": []},
        None,  # starts Monday 7 September 2026
        "Every Monday",
        "每周一",
    ),
    (
        "monthly",
        {"type": "absoluteMonthly", "dayOfMonth": 15},
        None,
        "Monthly on day 15",
        "每月15日",
    ),
    (
        "monthly-interval",
        {"type": "absoluteMonthly", "interval": 3, "dayOfMonth": 1},
        None,
        "Every 3 months on day 1",
        "每 3 个月的1日",
    ),
    (
        "relative-monthly",
        {"type": "relativeMonthly", "daysOfWeek": ["monday"], "index": "first"},
        None,
        "The first Monday of every month",
        "每月的第一个周一",
    ),
    (
        "relative-monthly-last-interval",
        {"type": "relativeMonthly", "interval": 2, "daysOfWeek": ["friday"], "index": "last"},
        None,
        "The last Friday of every 2 months",
        "每 2 个月的最后一个周五",
    ),
    (
        "yearly",
        {"type": "absoluteYearly", "dayOfMonth": 31, "month": 12},
        None,
        "Every year on Dec 31",
        "每年12月31日",
    ),
    (
        "yearly-interval",
        {"type": "absoluteYearly", "interval": 2, "dayOfMonth": 1, "month": 3},
        None,
        "Every 2 years on Mar 1",
        "每 2 年的3月1日",
    ),
    (
        "relative-yearly",
        {"type": "relativeYearly", "daysOfWeek": ["thursday"], "index": "fourth", "month": 11},
        None,
        "The fourth Thursday of Nov every year",
        "每年11月的第四个周四",
    ),
    (
        "relative-yearly-interval",
        {
            "type": "relativeYearly",
            "interval": 4,
            "daysOfWeek": ["tuesday"],
            "index": "second",
            "month": 6,
        },
        None,
        "The second Tuesday of Jun every 4 years",
        "每 4 年6月的第二个周二",
    ),
    (
        "ten-times",
        {"type": "relativeMonthly", "daysOfWeek": ["monday"], "index": "third"},
        times(10),
        "The third Monday of every month, 10 times",
        "每月的第三个周一，共 10 次",
    ),
    ("once", {"type": "daily"}, times(1), "Every day, once", "每天，仅一次"),
    (
        "monthly-until",
        {"type": "absoluteMonthly", "dayOfMonth": 15},
        until("2027-01-15"),
        "Monthly on day 15 until Jan 15, 2027",
        "每月15日，直到 2027年1月15日",
    ),
    # Graph may add pattern types; a pattern that lacks what its type needs is not guessed at.
    ("unknown-type", {"type": "lunar"}, None, "Repeats", "定期重复"),
    (
        "relative-without-index",
        {"type": "relativeMonthly", "index": None},
        None,
        "Repeats",
        "定期重复",
    ),
    (
        "monthly-without-day",
        {"type": "absoluteMonthly"},
        times(4),
        "Repeats, 4 times",
        "定期重复，共 4 次",
    ),
    # An endDate range whose endDate is Graph's "no date" (0001-01-01) has no end to name.
    ("end-date-unset", {"type": "daily"}, until("0001-01-01"), "Every day", "每天"),
    ("numbered-zero", {"type": "daily"}, times(0), "Every day", "每天"),
]


@pytest.mark.parametrize(
    ("pattern", "span", "english", "chinese"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_recurrence_text(
    pattern: dict[str, Any], span: dict[str, Any] | None, english: str, chinese: str
) -> None:
    recurrence = answered(pattern, span)

    assert recurrence_text(recurrence, EN) == english
    assert recurrence_text(recurrence, ZH) == chinese


def test_the_seeds_weekly_answer() -> None:
    """Create-event seed, example 3's response, as Graph answered it."""
    recurrence = PatternedRecurrence.model_validate(
        {
            "pattern": {
                "type": "weekly",
                "interval": 1,
                "month": 0,
                "dayOfMonth": 0,
                "daysOfWeek": ["monday"],
                "firstDayOfWeek": "sunday",
                "index": "first",
            },
            "range": {
                "type": "endDate",
                "startDate": "2017-09-04",
                "endDate": "2017-12-31",
                "recurrenceTimeZone": "Pacific Standard Time",
                "numberOfOccurrences": 0,
            },
        }
    )

    assert recurrence_text(recurrence, EN) == "Every Monday until Dec 31, 2017"
    assert recurrence_text(recurrence, ZH) == "每周一，直到 2017年12月31日"


def test_the_seeds_daily_answer() -> None:
    """Create-event seed, example 4's response: every day, twice (no `daysOfWeek` at all)."""
    recurrence = PatternedRecurrence.model_validate(
        {
            "pattern": {
                "type": "daily",
                "interval": 1,
                "month": 0,
                "dayOfMonth": 0,
                "firstDayOfWeek": "sunday",
                "index": "first",
            },
            "range": {
                "type": "numbered",
                "startDate": "2020-02-25",
                "endDate": "0001-01-01",
                "recurrenceTimeZone": "Pacific Standard Time",
                "numberOfOccurrences": 2,
            },
        }
    )

    assert recurrence_text(recurrence, EN) == "Every day, 2 times"
    assert recurrence_text(recurrence, ZH) == "每天，共 2 次"


def test_day_names_in_other_case_are_read() -> None:
    # Graph answers lower case; a request echoed as sent may hold "Monday".
    recurrence = answered({"type": "weekly", "daysOfWeek": ["Monday", "FRIDAY"]})

    assert recurrence_text(recurrence, EN) == "Every Monday and Friday"


def test_days_of_another_zone_are_named() -> None:
    """Monday 3 pm in Los Angeles is Tuesday morning in Shanghai: the card's times are the
    viewer's, the recurrence's days the organizer's, so the sentence says whose days."""
    recurrence = answered({"type": "weekly", "daysOfWeek": ["monday"]}, until("2026-12-28"))
    in_la = datetime(2026, 9, 7, 15, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    in_shanghai = in_la.astimezone(ZoneInfo("Asia/Shanghai"))
    in_berlin = in_la.astimezone(ZoneInfo("Europe/Berlin"))  # 00:00 on Tuesday

    assert recurrence_text(recurrence, EN, shown_start=in_la) == ("Every Monday until Dec 28, 2026")
    assert recurrence_text(recurrence, EN, shown_start=in_shanghai) == (
        "Every Monday until Dec 28, 2026 (Pacific Standard Time days)"
    )
    assert recurrence_text(recurrence, ZH, shown_start=in_berlin) == (
        "每周一，直到 2026年12月28日（按 Pacific Standard Time 时区的日期）"
    )


def test_a_recurrence_without_its_zone_names_none() -> None:
    recurrence = PatternedRecurrence.model_validate(
        {"pattern": {"type": "daily"}, "range": {"type": "noEnd", "startDate": "2026-09-07"}}
    )
    shown = datetime(2026, 9, 7, 1, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    assert recurrence_text(recurrence, EN, shown_start=shown) == "Every day"


day_names = st.sampled_from(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "Monday", "x"]
)
patterns = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            [
                "daily",
                "weekly",
                "absoluteMonthly",
                "relativeMonthly",
                "absoluteYearly",
                "relativeYearly",
                "lunar",
            ]
        ),
        "interval": st.integers(-1, 99),
        "daysOfWeek": st.none() | st.lists(day_names, max_size=8),
        "dayOfMonth": st.integers(-1, 40),
        "month": st.integers(-1, 13),
        "index": st.none() | st.sampled_from(["first", "second", "third", "fourth", "last", "5"]),
        "firstDayOfWeek": st.none() | day_names,
    }
)
ranges = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["endDate", "numbered", "noEnd", "later"]),
        "startDate": st.none() | st.dates().map(str),
        "endDate": st.none() | st.dates().map(str),
        "numberOfOccurrences": st.integers(-1, 999),
        "recurrenceTimeZone": st.none() | st.sampled_from(["Pacific Standard Time", "UTC", "?"]),
    }
)


@settings(max_examples=300, deadline=None)
@given(
    pattern=patterns,
    span=ranges,
    shown=st.none()
    | st.datetimes(datetime(1990, 1, 1), datetime(2200, 1, 1), timezones=st.timezones()),
)
def test_any_answered_recurrence_reads_as_a_sentence(
    pattern: dict[str, Any], span: dict[str, Any], shown: datetime | None
) -> None:
    recurrence = PatternedRecurrence.model_validate({"pattern": pattern, "range": span})

    for catalog in (EN, ZH):
        text = recurrence_text(recurrence, catalog, shown_start=shown)
        assert text.strip() == text and text
        assert not {"{", "}"} & set(text)
        assert "None" not in text
