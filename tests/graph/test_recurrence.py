"""`recurrence_json`: a `Repeat` as the `recurrence` of Graph's create-event body.

The two request bodies of the create-event page (seeds/004_d8a542f703b734c4.txt, examples 3
and 4) are the reference: the fields they show come out byte for byte, in their order. Every
phrasing of the parser then goes through to the JSON, in three zones.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.commands import MeetCommand, Repeat, RepeatType, WeekIndex, parse
from bot.graph.models import PatternedRecurrence
from bot.graph.recurrence import recurrence_json

LA = ZoneInfo("America/Los_Angeles")

# Example 3's request: "every Monday from 4 September 2017 to the end of the year, noon to 2pm".
SEED_WEEKLY = """{
"pattern": {
"type": "weekly",
"interval": 1,
"daysOfWeek": [ "Monday" ]
},
"range": {
"type": "endDate",
"startDate": "2017-09-04",
"endDate": "2017-12-31"
}
}"""
# Example 4's request: daily, two occurrences from 25 February 2020.
SEED_DAILY = """{
"pattern": {
"type": "daily",
"interval": 1
},
"range": {
"type": "numbered",
"startDate": "2020-02-25",
"numberOfOccurrences": 2
}
}"""


def shown(
    ours: dict[str, dict[str, object]], seed: dict[str, dict[str, object]]
) -> dict[str, dict[str, object]]:
    """`ours` cut down to the fields `seed` shows, in our order."""
    return {
        part: {key: value for key, value in ours[part].items() if key in seed[part]}
        for part in ("pattern", "range")
    }


@pytest.mark.parametrize(
    ("seed", "repeat", "first_start"),
    [
        (
            SEED_WEEKLY,
            Repeat(RepeatType.WEEKLY, 1, ("monday",), until=date(2017, 12, 31)),
            datetime(2017, 9, 4, 12, 0, tzinfo=LA),
        ),
        (
            SEED_DAILY,
            Repeat(RepeatType.DAILY, count=2),
            datetime(2020, 2, 25, 18, 0, tzinfo=LA),
        ),
    ],
)
def test_the_seed_requests_come_out_byte_for_byte(
    seed: str, repeat: Repeat, first_start: datetime
) -> None:
    expected = json.loads(seed)
    ours = recurrence_json(repeat, first_start, "Pacific Standard Time")
    assert json.dumps(shown(ours, expected)) == json.dumps(expected)
    # Beyond what the seed shows: the week's first day and the zone, and nothing else.
    extra = {part: set(ours[part]) - set(expected[part]) for part in ("pattern", "range")}
    assert extra == {"pattern": {"firstDayOfWeek"}, "range": {"recurrenceTimeZone"}}
    assert ours["range"]["recurrenceTimeZone"] == "Pacific Standard Time"


def test_the_json_reads_back_as_graphs_model() -> None:
    repeat = Repeat(RepeatType.RELATIVE_MONTHLY, 1, ("monday",), index=WeekIndex.FIRST, count=3)
    body = recurrence_json(repeat, datetime(2026, 12, 7, 14, 0, tzinfo=LA), "Pacific Standard Time")
    model = PatternedRecurrence.model_validate(body)
    assert (model.pattern.type, model.pattern.index) == ("relativeMonthly", "first")
    assert model.pattern.days_of_week == ["Monday"]
    assert (model.range.type, model.range.number_of_occurrences) == ("numbered", 3)


def test_the_start_date_is_the_local_date_in_the_zone() -> None:
    # 07:00 on Monday 23 November in Shanghai is still Sunday the 22nd in UTC.
    first = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    body = recurrence_json(Repeat(RepeatType.DAILY), first, "Asia/Shanghai")
    assert body["range"] == {
        "type": "noEnd",
        "startDate": "2026-11-23",
        "recurrenceTimeZone": "Asia/Shanghai",
    }


# --- every phrasing, through the parser -------------------------------------------------------

SUNDAY = {"firstDayOfWeek": "Sunday"}
WORKWEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
ZONES = {
    "America/Los_Angeles": "Pacific Standard Time",
    "Europe/Berlin": "W. Europe Standard Time",
    "Asia/Shanghai": "China Standard Time",
}


def weekly(*days: str, interval: int = 1) -> dict[str, object]:
    return {"type": "weekly", "interval": interval, "daysOfWeek": list(days), **SUNDAY}


def monthly(day: int, interval: int = 1) -> dict[str, object]:
    return {"type": "absoluteMonthly", "interval": interval, "dayOfMonth": day, **SUNDAY}


def relative(day: str, index: str, interval: int = 1) -> dict[str, object]:
    pattern = {"type": "relativeMonthly", "interval": interval, "daysOfWeek": [day]}
    return {**pattern, "index": index, **SUNDAY}


def daily(interval: int = 1) -> dict[str, object]:
    return {"type": "daily", "interval": interval, **SUNDAY}


def no_end(start: str) -> dict[str, object]:
    return {"type": "noEnd", "startDate": start}


def until(start: str, end: str) -> dict[str, object]:
    return {"type": "endDate", "startDate": start, "endDate": end}


def numbered(start: str, count: int) -> dict[str, object]:
    return {"type": "numbered", "startDate": start, "numberOfOccurrences": count}


# The clock is Wednesday 18 November 2026, 09:00, in each zone.
PHRASINGS = [
    ("meet Sync every Monday 3pm", weekly("Monday"), no_end("2026-11-23")),
    ("meet Standup every weekday 10am for 15m", weekly(*WORKWEEK), no_end("2026-11-18")),
    ("meet Standup daily 3pm", daily(), no_end("2026-11-18")),
    ("meet Standup every day 3pm 10 times", daily(), numbered("2026-11-18", 10)),
    ("meet Sync weekly on Mon and Wed 3pm", weekly("Monday", "Wednesday"), no_end("2026-11-18")),
    ("meet Sync every 2 weeks on Friday 3pm", weekly("Friday", interval=2), no_end("2026-11-20")),
    ("meet Review monthly on the 15th 10am", monthly(15), no_end("2026-12-15")),
    (
        "meet 1:1 on the first Monday of every month 2pm",
        relative("Monday", "first"),
        no_end("2026-12-07"),
    ),
    (
        "meet 1:1 on the last Friday of every month 2pm",
        relative("Friday", "last"),
        no_end("2026-11-27"),
    ),
    (
        "meet Sync every Monday 3pm until Dec 31",
        weekly("Monday"),
        until("2026-11-23", "2026-12-31"),
    ),
    (
        "meet Sync every Monday 3pm for 10 weeks",
        weekly("Monday"),
        until("2026-11-23", "2027-01-31"),
    ),
    ("meet Sync every Monday 3pm 10 times", weekly("Monday"), numbered("2026-11-23", 10)),
    ("meet 周会每周一下午3点", weekly("Monday"), no_end("2026-11-23")),
    ("meet 站会每个工作日上午10点", weekly(*WORKWEEK), no_end("2026-11-18")),
    ("meet 站会每天下午3点", daily(), no_end("2026-11-18")),
    ("meet 周会每两周周五下午3点", weekly("Friday", interval=2), no_end("2026-11-20")),
    ("meet 评审每月15日上午10点", monthly(15), no_end("2026-12-15")),
    ("meet 周会每周一和周三下午3点", weekly("Monday", "Wednesday"), no_end("2026-11-18")),
    ("meet 例会每月第一个周一下午2点", relative("Monday", "first"), no_end("2026-12-07")),
    (
        "meet 周会每周一下午3点直到12月31日",
        weekly("Monday"),
        until("2026-11-23", "2026-12-31"),
    ),
    ("meet 周会每周一下午3点共10次", weekly("Monday"), numbered("2026-11-23", 10)),
]


@pytest.mark.parametrize("iana", sorted(ZONES))
@pytest.mark.parametrize(("line", "pattern", "ends"), PHRASINGS)
def test_every_phrasing_as_graph_json(
    line: str, pattern: dict[str, object], ends: dict[str, object], iana: str
) -> None:
    zone = ZoneInfo(iana)
    command = parse(line, datetime(2026, 11, 18, 9, 0, tzinfo=zone), locale="en-US")
    assert isinstance(command, MeetCommand), command
    assert command.repeat is not None
    body = recurrence_json(command.repeat, command.start, ZONES[iana])
    assert body == {"pattern": pattern, "range": {**ends, "recurrenceTimeZone": ZONES[iana]}}
    assert list(body["pattern"]) == list(pattern)  # the seed's order


@pytest.mark.parametrize(
    ("iana", "now", "line", "start_date"),
    [
        # The week US clocks go forward (Sunday 8 March 2026).
        (
            "America/Los_Angeles",
            datetime(2026, 3, 6, 10, 0),
            "meet Sync every Monday 9am",
            "2026-03-09",
        ),
        # The week European clocks go back (Sunday 25 October 2026).
        (
            "Europe/Berlin",
            datetime(2026, 10, 23, 10, 0),
            "meet 站会每个工作日上午9点",
            "2026-10-26",
        ),
        ("Asia/Shanghai", datetime(2026, 3, 6, 10, 0), "meet Sync every Monday 9am", "2026-03-09"),
    ],
)
def test_a_series_across_a_dst_change_starts_on_its_local_date(
    iana: str, now: datetime, line: str, start_date: str
) -> None:
    zone = ZoneInfo(iana)
    command = parse(line, now.replace(tzinfo=zone), locale="zh-CN")
    assert isinstance(command, MeetCommand), command
    assert command.repeat is not None
    assert command.start.replace(tzinfo=None) == datetime.fromisoformat(f"{start_date}T09:00")
    body = recurrence_json(command.repeat, command.start.astimezone(UTC), ZONES[iana])
    assert body["range"]["startDate"] == start_date
    assert body["range"]["recurrenceTimeZone"] == ZONES[iana]
