"""Chinese time expressions and durations, read into the same values as the English ones.

    when     := <duration> (后 | 以后 | 之后)                        ("2小时后", "半小时后")
              | [day] [period] [time]        a day or a time at least; 中午 alone is 12:00
    day      := 今天 | 明天 | 后天 | 大后天 | [下[个]] (周 | 星期 | 礼拜) (一 … 六 | 日 | 天)
              | [YYYY年] M月D (日 | 号) | 2026-12-03 | 3/12
              | 今晚 | 明晚 | 今早 | 明早                          (a day and a period)
    period   := 凌晨 | 早上 | 早晨 | 上午 | 中午 | 正午 | 下午 | 傍晚 | 晚上 | 夜里
    time     := clock [(- | ~ | 到 | 至) [period] clock]
    clock    := N点 | N点半 | N点一刻 | N点M分 | N点M | N:MM       (N: digits or 一 … 九十九)
    duration := N小时 | N个小时 | 1.5小时 | N个半小时 | 半小时 | N小时M分钟 | N分钟 | 一刻钟

After a Chinese day an English time is accepted too ("明天 3pm"). Hours by period: 上午10点 is
10:00, 下午3点 15:00, 晚上8点 20:00, 中午12点 12:00, 中午1点 13:00, 凌晨12点 00:00; an hour from
13 to 23 is 24-hour under any period but a morning one. Never guessed (AMBIGUOUS_TIME): a 点 hour
from 1 to 12 with no period ("3点", "3点半"), and 晚上 1-4 or 12. Also without a period, 0 and
13-23 are 24-hour ("15点") and N:MM is 24-hour as in English. In a range the end borrows the
start's period ("下午2-3点" is 14:00-15:00), 12 hours later if it would otherwise end first
("上午11点到1点" ends at 13:00).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction
from typing import Literal

from bot.commands.spec import (
    Clock,
    DaySpec,
    IsoDate,
    MonthDay,
    RelativeDay,
    TimeSpec,
    Weekday,
    WhenSpec,
)
from bot.commands.when import numeric_date, scan_when

# 0-99 in digits or Chinese numerals, only well-formed ones ("十五", "二十", "零五", "两").
_NUMERALS = (
    r"\d{1,2}",
    "[一二两三四五六七八九]?十[一二三四五六七八九]?",
    r"零\d",  # tried before 零 alone, for "3点零5分"
    "零?[零〇一二两三四五六七八九]",
)
_NUM = "(?:" + "|".join(_NUMERALS) + ")"
_DIGIT_VALUES = {
    **{"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4},
    **{"五": 5, "六": 6, "七": 7, "八": 8, "九": 9},
}
_DURATION = rf"""
      (?P<hours>{_NUM}(?:\.\d+)?)\s*个?\s*(?P<half>半)?\s*个?\s*(?:小时|钟头)
          (?:\s*(?P<extra>{_NUM})\s*分钟?)?
    | (?P<minutes>\d{{3,4}}|{_NUM})\s*分钟
    | (?P<half_hour>半\s*个?\s*(?:小时|钟头))
    | (?P<quarter>一刻钟)
"""
_DURATION_RE = re.compile(_DURATION, re.VERBOSE)
DURATION_PATTERN = _DURATION  # for patterns that embed a duration once (compile with re.VERBOSE)
_OFFSET = re.compile(rf"(?P<duration>{_DURATION})\s*(?:以后|之后|后)", re.VERBOSE)
# A duration ending a line; "开" ("开1小时") only right after a time, so "公开" keeps its 开.
_TAIL = re.compile(
    rf"""
    (?:(?:持续|时长)\s*|(?<=[\d点分半午钟整刻mMnN])\s*开\s*)?
    (?<![\d.零〇一二两三四五六七八九十])(?P<duration>{_DURATION})\s*$
    """,
    re.VERBOSE,
)

_DAY = re.compile(
    rf"""
      (?P<day_period>今晚|明晚|今早|明早)
    | (?P<relative>大后天|后天|明天|明日|今天|今日)
    | (?P<next>下个?)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])
    | (?:(?P<year>\d{{4}})\s*年\s*)?(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*[日号]
    | (?P<iso>\d{{4}}-\d{{2}}-\d{{2}})
    | (?P<n1>\d{{1,4}})/(?P<n2>\d{{1,2}})(?:/(?P<n3>\d{{4}}|\d{{2}}))?
    """,
    re.VERBOSE,
)
_DAY_PERIODS = {"今晚": (0, "晚上"), "明晚": (1, "晚上"), "今早": (0, "早上"), "明早": (1, "早上")}
_RELATIVE = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "大后天": 3}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}

_PERIOD = re.compile(r"凌晨|早上|早晨|上午|中午|正午|下午|傍晚|晚上|夜里|夜间|晚间")
_MORNING = frozenset({"凌晨", "早上", "早晨", "上午"})
_NOON = frozenset({"中午", "正午"})
_NIGHT = frozenset({"晚上", "夜里", "夜间", "晚间"})
_CLOCK = re.compile(
    rf"""
    (?P<hour>{_NUM})\s*(?:
        (?P<dian>[点點时])钟?(?:(?P<half>半)|(?P<quarter>[一三]刻)|(?P<minute>{_NUM})分?|整)?
      | [:：](?P<colon>\d{{2}})
    )?
    """,
    re.VERBOSE,
)
_RANGE = re.compile(r"[-~～–—到至]")

_Reading = Literal["ambiguous", "invalid"]


def zh_number(text: str) -> int:
    """The value of a numeral `_NUM` accepts: "15", "十五", "二十", "零五", "零5", "两"."""
    if len(text) > 1 and text[0] in "零〇":
        text = text[1:]
    if text.isdecimal():
        return int(text)
    tens, ten, ones = text.partition("十")
    if not ten:
        return _DIGIT_VALUES[text[-1]]
    return (_DIGIT_VALUES[tens] if tens else 1) * 10 + (_DIGIT_VALUES[ones] if ones else 0)


# --- durations --------------------------------------------------------------------------------


def zh_duration_minutes(text: str) -> int | None:
    """The whole minutes a Chinese duration spells ("1个半小时" is 90), with no range check."""
    match = _DURATION_RE.fullmatch(text.strip())
    if match is None:
        return None
    if match["half_hour"] is not None:
        return 30
    if match["quarter"] is not None:
        return 15
    if match["minutes"] is not None:
        return zh_number(match["minutes"])
    hours = _hours(match["hours"]) + (Fraction(1, 2) if match["half"] else 0)
    minutes = hours * 60 + (zh_number(match["extra"]) if match["extra"] else 0)
    return int(minutes) if minutes.denominator == 1 else None


def _hours(text: str) -> Fraction | int:
    """Whole hours stay an int (exact as well, and much cheaper to compute with); a decimal
    part may follow a Chinese numeral too ("一.5" is 1.5)."""
    whole, dot, decimals = text.partition(".")
    if not dot:
        return zh_number(text)
    return zh_number(whole) + Fraction(f"0.{decimals}")


def split_zh_duration(text: str) -> tuple[str, str] | None:
    """Split a trailing Chinese duration off `text`: (the text before, the duration as typed)."""
    match = _TAIL.search(text)
    if match is None:
        return None
    return text[: match.start()].rstrip(), match["duration"]


# --- time expressions -------------------------------------------------------------------------


class _Reader:
    """A cursor over the expression that skips spaces between its parts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        match = pattern.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
        return match

    def rest(self) -> str:
        return self.text[self.pos :].strip()


def scan_when_zh(text: str) -> WhenSpec | None:
    """Read `text` as a whole Chinese time expression, or return None if it is not one."""
    stripped = text.strip()
    if not _may_start(stripped):
        return None
    return _scan(stripped)


def _may_start(text: str) -> bool:
    """Whether `text` starts as every Chinese expression does: with a digit or a non-ASCII
    character (a numeral, a day, a period, 半). Most tails of an English line do not."""
    return bool(text) and (text[0].isdecimal() or not text[0].isascii())


def _scan(stripped: str) -> WhenSpec | None:
    offset = _OFFSET.fullmatch(stripped)
    if offset is not None:
        minutes = zh_duration_minutes(offset["duration"])
        return (
            WhenSpec(None, None, stripped, offset=timedelta(minutes=minutes)) if minutes else None
        )
    reader = _Reader(stripped)
    day, period = _day(reader)
    if period is None and (match := reader.take(_PERIOD)) is not None:
        period = match[0]
    time_ = _time(reader, period)
    if reader.rest():
        # Only a Chinese day may be followed by more: an English time ("明天 3pm").
        if day is None or time_ is not None or period is not None:
            return None
        time_ = _english_time(reader.rest())
        if time_ is None:
            return None
    if time_ is None and period in _NOON:
        time_ = TimeSpec(Clock(12, 0, None, period), None, period)
    if day is None and time_ is None:
        return None
    return WhenSpec(day, time_, stripped)


def _english_time(text: str) -> TimeSpec | None:
    """An English time after a Chinese day ("明天 3pm")."""
    spec = scan_when(text)
    return spec.time if spec is not None and spec.day is None else None


def _day(reader: _Reader) -> tuple[DaySpec | None, str | None]:
    saved = reader.pos
    match = reader.take(_DAY)
    if match is None:
        return None, None
    day, period = _day_of(match)
    if day is None:
        reader.pos = saved
    return day, period


def _day_of(match: re.Match[str]) -> tuple[DaySpec | None, str | None]:
    text = match[0]
    if match["day_period"] is not None:
        offset, period = _DAY_PERIODS[text]
        return RelativeDay(offset, text), period
    if match["relative"] is not None:
        return RelativeDay(_RELATIVE[text], text), None
    if match["weekday"] is not None:
        return Weekday(_WEEKDAYS[match["weekday"]], match["next"] is not None, text), None
    if match["month"] is not None:
        year = None if match["year"] is None else int(match["year"])
        return MonthDay(zh_number(match["month"]), zh_number(match["day"]), year, text), None
    if match["iso"] is not None:
        return IsoDate(text), None
    return numeric_date(match["n1"], match["n2"], match["n3"], text), None


def _time(reader: _Reader, period: str | None) -> TimeSpec | None:
    saved = reader.pos
    first = reader.take(_CLOCK)
    if first is not None and reader.take(_RANGE) is not None:
        end_period = reader.take(_PERIOD)
        second = reader.take(_CLOCK)
        if second is not None and _marked(second):
            start = _clock(first, period)
            end = _clock(second, end_period[0]) if end_period else _borrowing(second, period, start)
            return TimeSpec(start, end, reader.text[first.start() : second.end()])
    elif first is not None and (_marked(first) or period is not None):
        return TimeSpec(_clock(first, period), None, first[0].strip())
    reader.pos = saved
    return None


def _marked(match: re.Match[str]) -> bool:
    """Whether a number is written as a time (3点, 3:30) rather than bare (the 2 of 2-3点)."""
    return match["dian"] is not None or match["colon"] is not None


def _clock(match: re.Match[str], period: str | None) -> Clock:
    text, hour, minute = match[0].strip(), zh_number(match["hour"]), _minute(match)
    if period is None:
        if match["colon"] is not None or not 1 <= hour <= 12:
            return Clock(hour, minute or 0, None, text)
        return Clock(hour, minute, None, text, needs_meridiem=True)
    reading = _period_hour(period, hour)
    if reading == "ambiguous":
        return Clock(hour, minute, None, text, needs_meridiem=True)
    if reading == "invalid":
        return Clock(hour, minute, "am", text)  # "上午15点": an am hour over 12 is BAD_TIME
    return Clock(reading, minute or 0, None, text)


def _minute(match: re.Match[str]) -> int | None:
    if match["colon"] is not None:
        return int(match["colon"])
    if match["half"] is not None:
        return 30
    if match["quarter"] is not None:
        return 15 if match["quarter"].startswith("一") else 45
    return None if match["minute"] is None else zh_number(match["minute"])


def _period_hour(period: str, hour: int) -> int | _Reading:
    """The 24-hour hour of "<period> <hour>点"."""
    if hour >= 13:
        return "invalid" if period in _MORNING else hour
    if hour == 0:
        return 0
    if period in _MORNING:
        return 0 if hour == 12 and period == "凌晨" else hour
    if period in _NOON:
        return hour if hour >= 11 else hour + 12
    if period in _NIGHT and (hour == 12 or hour <= 4):
        return "ambiguous"
    return hour if hour == 12 else hour + 12


def _borrowing(match: re.Match[str], period: str | None, start: Clock) -> Clock:
    """A range's end written without a period: the start's, 12 hours on if it ends first."""
    if period is None or zh_number(match["hour"]) >= 13:
        return _clock(match, None)
    end = _clock(match, period)
    if start.is_bare or end.is_bare or start.meridiem or end.meridiem:
        return end
    if (end.hour, end.minute) <= (start.hour, start.minute) and end.hour + 12 <= 23:
        return replace(end, hour=end.hour + 12)
    return end
