"""The repeat clause of a `meet` line in Chinese: `每周一`, `每个工作日`, `每月15日`, and its range.

    clause  := pattern [range]                        (the range may also stand later)
    pattern := 每天 | 每日 | 每<n>天
             | 每个工作日 | 每工作日                         (weekly, Monday to Friday)
             | 每[个]周<days> | 每周          (周, 星期, 礼拜: "每周一和周三", "每周一、三")
             | 每<n>周[的][周<days>]                        ("每两周周五")
             | 每[个]月[的](<n>日 | <n>号 | 第<k>个周<day> | 最后一个周<day>) | 每月
             | 每<n>个月[的](...the same...)
    range   := (直到 | 一直到 | 截至 | 截止到 | 截止) <date> [为止] | 到<date>为止
             | (共 | 重复) <n> 次 | <n> 次 | (持续 | 为期 | 共) <n> [个] (周 | 星期 | 月 | 天)

<date> is "12月31日" (a year may lead: "2026年12月31日") or "2026-12-31"; without a year it is
the next such date not before today. Chinese is written without spaces, so the clause may start
anywhere ("周会每周一下午3点"); as in English it counts only where nothing follows it save the
time, the duration, the attendees and the reminder. BAD_REPEAT is for an impossible number
where a clause would stand ("每0周", "每月32日", "共0次", "直到2月30日") and for a second range
("共10次直到12月31日").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from bot.commands.model import ParseError, ParseErrorKind, Repeat, RepeatType, WeekIndex
from bot.commands.resolve import calendar_date
from bot.commands.series import (
    MAX_COUNT,
    MAX_INTERVAL,
    WORKWEEK,
    RepeatClause,
    Span,
    SpanUnit,
    week_days,
    with_end,
)
from bot.commands.when_zh import zh_number

IsRest = Callable[[str], bool]

_NUM = r"(?:\d{1,4}|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
_WEEK = "(?:周|星期|礼拜)"
_DAY = "[一二三四五六日天]"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_INDEXES = {
    **{"一": WeekIndex.FIRST, "1": WeekIndex.FIRST, "二": WeekIndex.SECOND},
    **{"2": WeekIndex.SECOND, "三": WeekIndex.THIRD, "3": WeekIndex.THIRD},
    **{"四": WeekIndex.FOURTH, "4": WeekIndex.FOURTH},
}
_DAYS = rf"{_DAY}(?:(?:[和、,，及与]{_WEEK}?|{_WEEK}){_DAY})*"
_MONTH_DAY = rf"""(?:
      (?P<{{p}}dom>{_NUM})\s*[日号]
    | 第(?P<{{p}}index>[一二三四1234])个?{_WEEK}(?P<{{p}}rel_day>{_DAY})
    | 最后一个?{_WEEK}(?P<{{p}}last_day>{_DAY})
)"""
_M_DAY = _MONTH_DAY.replace("{p}", "m_")  # each alternative names its own groups
_N_DAY = _MONTH_DAY.replace("{p}", "n_")
_PATTERN = re.compile(
    rf"""每(?:
      (?P<daily>天|日)
    | (?P<n_days>{_NUM})天
    | 个?(?P<workday>工作日)
    | (?:个|一)?{_WEEK}(?P<days>{_DAYS})?
    | (?P<n_weeks>{_NUM})个?{_WEEK}的?(?:{_WEEK}(?P<n_week_days>{_DAYS}))?
    | (?:个|一)?月的?{_M_DAY}?
    | (?P<n_months>{_NUM})个月的?{_N_DAY}?
    )""",
    re.VERBOSE,
)
_RANGE = re.compile(
    rf"""
      (?:一直到|直到|截至|截止到|截止)\s*(?P<until>{{date}})\s*(?:为止)?
    | 到\s*(?P<until_to>{{date}})\s*为止
    | (?:共|重复)?\s*(?<![第\d])(?P<count>{_NUM})\s*次
    | (?:持续|为期|共)\s*(?P<span>{_NUM})\s*个?\s*(?P<unit>周|星期|礼拜|月|天)
    """.replace(
        "{date}", rf"(?:(?:\d{{4}})\s*年\s*)?{_NUM}\s*月\s*{_NUM}\s*[日号]|\d{{4}}-\d{{2}}-\d{{2}}"
    ),
    re.VERBOSE,
)
_DATE = re.compile(
    rf"(?:(?P<year>\d{{4}})\s*年\s*)?(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*[日号]"
    r"|(?P<iso>\d{4}-\d{2}-\d{2})"
)
_SPAN_UNITS: dict[str, SpanUnit] = {"周": "weeks", "星期": "weeks", "礼拜": "weeks"}
_SPAN_UNITS.update({"月": "months", "天": "days"})


def split_repeat_zh(
    body: str, *, today: date, locale: str | None, is_rest: IsRest
) -> tuple[str, RepeatClause | None] | ParseError:
    """Take the Chinese repeat clause out of `body`: the rest of the line and the clause."""
    if "每" not in body:
        return body, None
    for match in _PATTERN.finditer(body):
        found = _clause(body, match, today, is_rest)
        if found is not None:
            return found
    return body, None


def _clause(
    body: str, match: re.Match[str], today: date, is_rest: IsRest
) -> tuple[str, RepeatClause] | ParseError | None:
    head, tail = body[: match.start()], body[match.end() :]
    ranges = list(_RANGE.finditer(tail))
    if len(ranges) > 1 and is_rest(_RANGE.sub("", tail).strip()):
        return ParseError(ParseErrorKind.BAD_REPEAT, ranges[1][0].strip())  # one end too many
    for cut in [*ranges, None]:
        rest = tail if cut is None else tail[: cut.start()] + tail[cut.end() :]
        if not is_rest(rest.strip()):
            continue
        repeat = _pattern(match)
        if repeat is None:
            return ParseError(ParseErrorKind.BAD_REPEAT, match[0])
        said, span = match[0], None
        if cut is not None:
            said = cut[0].strip()
            extent = _range(cut, today)
            if extent is None:
                return ParseError(ParseErrorKind.BAD_REPEAT, said)
            repeat, span = extent(repeat)
        return " ".join(f"{head} {rest}".split()), RepeatClause(repeat, said, span)
    return None


def _number(text: str) -> int:
    return int(text) if text.isdecimal() else zh_number(text)


def _interval(text: str | None) -> int | None:
    """The interval a numeral gives, None when impossible (0 or past MAX_INTERVAL)."""
    interval = 1 if text is None else _number(text)
    return interval if 0 < interval <= MAX_INTERVAL else None


def _pattern(match: re.Match[str]) -> Repeat | None:
    """The pattern `match` read, None for an impossible number."""
    if match["daily"]:
        return Repeat(RepeatType.DAILY)
    if match["n_days"]:
        interval = _interval(match["n_days"])
        return None if interval is None else Repeat(RepeatType.DAILY, interval)
    if match["workday"]:
        return Repeat(RepeatType.WEEKLY, days_of_week=WORKWEEK)
    if match["n_weeks"]:
        interval = _interval(match["n_weeks"])
        if interval is None:
            return None
        return Repeat(RepeatType.WEEKLY, interval, days_of_week=_days(match["n_week_days"]))
    if match[0][1:].lstrip("个一").startswith(("周", "星期", "礼拜")):
        return Repeat(RepeatType.WEEKLY, days_of_week=_days(match["days"]))
    prefix = "n_" if match["n_months"] else "m_"
    interval = _interval(match["n_months"])
    if interval is None:
        return None
    return _monthly(match, prefix, interval)


def _monthly(match: re.Match[str], prefix: str, interval: int) -> Repeat | None:
    if match[f"{prefix}dom"]:
        day = _number(match[f"{prefix}dom"])
        if not 1 <= day <= 31:
            return None
        return Repeat(RepeatType.ABSOLUTE_MONTHLY, interval, day_of_month=day)
    relative = match[f"{prefix}rel_day"] or match[f"{prefix}last_day"]
    if relative:
        index = _INDEXES.get(match[f"{prefix}index"] or "", WeekIndex.LAST)
        days = week_days({_WEEKDAYS[relative]})
        return Repeat(RepeatType.RELATIVE_MONTHLY, interval, days_of_week=days, index=index)
    return Repeat(RepeatType.ABSOLUTE_MONTHLY, interval)


def _days(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return week_days({_WEEKDAYS[char] for char in text if char in _WEEKDAYS})


_Extent = Callable[[Repeat], tuple[Repeat, Span | None]]


def _range(match: re.Match[str], today: date) -> _Extent | None:
    """How the range `match` read ends a repeat, None for an impossible one."""
    until_text = match["until"] or match["until_to"]
    if until_text:
        until = _date(until_text, today)
        if until is None:
            return None
        return lambda repeat: (with_end(repeat, until=until), None)
    if match["count"]:
        count = _number(match["count"])
        if not 0 < count <= MAX_COUNT:
            return None
        return lambda repeat: (with_end(repeat, count=count), None)
    amount = _number(match["span"])
    if not 0 < amount <= MAX_COUNT:
        return None
    span = Span(amount, _SPAN_UNITS[match["unit"]])
    return lambda repeat: (repeat, span)


def _date(text: str, today: date) -> date | None:
    found = _DATE.fullmatch(text.replace(" ", ""))
    if found is None:
        return None
    if found["iso"]:
        try:
            return date.fromisoformat(found["iso"])
        except ValueError:
            return None
    year = int(found["year"]) if found["year"] else None
    return calendar_date(_number(found["month"]), _number(found["day"]), year, today)
