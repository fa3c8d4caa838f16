"""English time expressions: `scan_when(text)` reads one into a `WhenSpec`, or returns None.

    when   := "in" <duration>                       ("in 2 hours", "in 90 min", "in an hour")
            | part{1,2}, each part at most once
    part   := ["on"] day | ["at"] time
    day    := today | tomorrow | tmrw | tonight | [next] <weekday> | 2026-12-03
            | Dec 3[rd][, 2026] | 3[rd] [of] December [2026] | 3/12[/2026] | 2026/12/03
    time   := clock ["-" clock]
    clock  := 3pm | 3 p.m. | 3:30pm | 3.30pm | 15:00 | 3 | noon | midnight

The scanner reads syntax only and accepts out-of-range values ("25pm", "Feb 30") so that they
can be reported rather than left in the subject; `bot.commands.resolve` gives them meaning.
"tonight" is today with a bare or colon hour from 1 to 11 read as pm ("tonight 8" is 20:00).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from typing import Literal, NamedTuple

from bot.commands.duration import MAX_DURATION, duration_minutes, parse_duration
from bot.commands.resolve import add_absolute, resolve_day, resolve_when, to_time, wall_clock
from bot.commands.spec import (
    Clock,
    DaySpec,
    IsoDate,
    Meridiem,
    MonthDay,
    NumericDate,
    RelativeDay,
    TimeSpec,
    Weekday,
    WhenSpec,
)

__all__ = [  # the scanner, and what this module offered before resolving moved out
    "MAX_DURATION",
    "Clock",
    "DaySpec",
    "IsoDate",
    "MonthDay",
    "NumericDate",
    "RelativeDay",
    "TimeSpec",
    "Weekday",
    "WhenSpec",
    "add_absolute",
    "numeric_date",
    "parse_duration",
    "resolve_day",
    "resolve_when",
    "scan_when",
    "to_time",
    "wall_clock",
]

_WEEKDAYS = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_MONTHS = {
    **{
        name: n
        for n, name in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    },
    **{
        name: n
        for n, name in enumerate(
            (
                *("january", "february", "march", "april", "may", "june", "july"),
                *("august", "september", "october", "november", "december"),
            ),
            start=1,
        )
    },
    "sept": 9,
}
_RELATIVE_DAYS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1}
_CONNECTORS = {"at": "time", "on": "day"}  # which part each connector introduces
_EVENING = "tonight"

_BOUNDARY = r"(?=[\s,\-–—]|$)"
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"
_MD_YEAR = r"(?:,?\s+(?P<md_year>\d{4}))?"
_DM_YEAR = r"(?:,?\s+(?P<dm_year>\d{4}))?"
_LEXEME = re.compile(
    rf"""
      (?P<skip>[\s,]+)
    | (?P<date>\d{{4}}-\d{{2}}-\d{{2}}){_BOUNDARY}
    | (?P<numeric>(?P<n1>\d{{1,4}})/(?P<n2>\d{{1,2}})(?:/(?P<n3>\d{{4}}|\d{{2}}))?){_BOUNDARY}
    | (?P<month_day>(?P<md_month>{_MONTH})\.?\s+(?P<md_day>\d{{1,2}}){_ORDINAL}
                    {_MD_YEAR}){_BOUNDARY}
    | (?P<day_month>(?P<dm_day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<dm_month>{_MONTH})\.?
                    {_DM_YEAR}){_BOUNDARY}
    | (?P<clock>(?P<hour>\d{{1,2}})(?:[:.](?P<minute>\d{{2}}))?
                (?:\s?(?P<mer>[ap])\.?m\.?)?){_BOUNDARY}
    | (?P<dash>[-–—])
    | (?P<word>[^\W\d_]+){_BOUNDARY}
    """,
    re.VERBOSE | re.IGNORECASE,
)
_OFFSET = re.compile(r"in\s+(?P<amount>\S.*)", re.IGNORECASE)


class _Lexeme(NamedTuple):  # a NamedTuple rather than a frozen dataclass: many are made
    kind: Literal["clock", "day", "weekday", "next", "connector", "dash"]
    start: int
    end: int
    clock: Clock | None = None
    day: DaySpec | None = None
    word: str = ""


def scan_when(text: str) -> WhenSpec | None:
    """Read `text` as a whole time expression, or return None if it is not one."""
    offset = _scan_offset(text)
    if offset is not None:
        return offset
    lexemes = _lex(text)
    if not lexemes:
        return None
    return _Grammar(text, lexemes).when()


def _scan_offset(text: str) -> WhenSpec | None:
    match = _OFFSET.fullmatch(text.strip())
    if match is None:
        return None
    minutes = duration_minutes(match["amount"])
    if not minutes:
        return None
    return WhenSpec(None, None, text.strip(), offset=timedelta(minutes=minutes))


def _lex(text: str) -> list[_Lexeme] | None:
    lexemes: list[_Lexeme] = []
    pos = 0
    while pos < len(text):
        match = _LEXEME.match(text, pos)
        if match is None:
            return None
        pos = match.end()
        if match["skip"] is None:
            lexeme = _lexeme(match)
            if lexeme is None:
                return None
            lexemes.append(lexeme)
    return lexemes


def _lexeme(match: re.Match[str]) -> _Lexeme | None:
    start, end, text = match.start(), match.end(), match[0]
    if match["clock"] is not None:
        minute = None if match["minute"] is None else int(match["minute"])
        meridiem = _meridiem(match["mer"])
        return _Lexeme("clock", start, end, clock=Clock(int(match["hour"]), minute, meridiem, text))
    if match["dash"] is not None:
        return _Lexeme("dash", start, end)
    if match["word"] is not None:
        return _word_lexeme(text, start, end)
    day = _date(match)
    return None if day is None else _Lexeme("day", start, end, day=day)


def _date(match: re.Match[str]) -> DaySpec | None:
    text = match[0]
    if match["date"] is not None:
        return IsoDate(text)
    for prefix in ("md", "dm"):
        month = match[f"{prefix}_month"]
        if month is not None:
            day, year = int(match[f"{prefix}_day"]), _year(match[f"{prefix}_year"])
            return MonthDay(_MONTHS[month.casefold()], day, year, text)
    return numeric_date(match["n1"], match["n2"], match["n3"], text)


def numeric_date(first: str, second: str, third: str | None, text: str) -> DaySpec | None:
    """A slashed date: "2026/12/3" (year first, unambiguous) or "3/12[/26]" (locale order)."""
    if len(first) == 4:
        return None if third is None else MonthDay(int(second), int(third), int(first), text)
    if len(first) == 3:
        return None
    return NumericDate(int(first), int(second), _year(third), text)


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + (2000 if len(text) == 2 else 0)


def _meridiem(letter: str | None) -> Meridiem | None:
    if letter is None:
        return None
    return "am" if letter.casefold() == "a" else "pm"


def _word_lexeme(text: str, start: int, end: int) -> _Lexeme | None:
    word = text.casefold()
    if word == "noon":
        return _Lexeme("clock", start, end, clock=Clock(12, 0, "pm", text))
    if word == "midnight":
        return _Lexeme("clock", start, end, clock=Clock(12, 0, "am", text))
    if word in _RELATIVE_DAYS:
        day = RelativeDay(_RELATIVE_DAYS[word], text)
        return _Lexeme("day", start, end, day=day, word=word)
    if word in _WEEKDAYS:
        return _Lexeme("weekday", start, end, word=word)
    if word == "next":
        return _Lexeme("next", start, end)
    if word in _CONNECTORS:
        return _Lexeme("connector", start, end, word=word)
    return None


class _Grammar:
    """`when := part{1,2}`, `part := ["on"] day | ["at"] time`, each part at most once."""

    def __init__(self, text: str, lexemes: list[_Lexeme]) -> None:
        self._text = text
        self._lexemes = lexemes
        self._pos = 0
        self._evening = False

    def when(self) -> WhenSpec | None:
        day: DaySpec | None = None
        time_: TimeSpec | None = None
        while self._pos < len(self._lexemes):
            wants = self._connector()
            if day is None and wants != "time" and (day := self._day()) is not None:
                continue
            if time_ is None and wants != "day" and (time_ := self._time()) is not None:
                continue
            return None
        if day is None and time_ is None:
            return None
        if time_ is not None and self._evening:
            time_ = _in_the_evening(time_)
        return WhenSpec(day, time_, self._text)

    def _peek(self, offset: int = 0) -> _Lexeme | None:
        index = self._pos + offset
        return self._lexemes[index] if index < len(self._lexemes) else None

    def _connector(self) -> str | None:
        lexeme = self._peek()
        if lexeme is None or lexeme.kind != "connector":
            return None
        self._pos += 1
        return _CONNECTORS[lexeme.word]

    def _day(self) -> DaySpec | None:
        first, second = self._peek(), self._peek(1)
        if first is not None and first.day is not None:
            self._pos += 1
            self._evening = first.word == _EVENING
            return first.day
        if first is not None and first.kind == "weekday":
            self._pos += 1
            return Weekday(_WEEKDAYS[first.word], False, self._span(first, first))
        if first is not None and first.kind == "next" and second and second.kind == "weekday":
            self._pos += 2
            return Weekday(_WEEKDAYS[second.word], True, self._span(first, second))
        return None

    def _time(self) -> TimeSpec | None:
        first, dash, second = self._peek(), self._peek(1), self._peek(2)
        if first is None or first.clock is None:
            return None
        if dash and dash.kind == "dash" and second and second.clock is not None:
            self._pos += 3
            return TimeSpec(first.clock, second.clock, self._span(first, second))
        self._pos += 1
        return TimeSpec(first.clock, None, self._span(first, first))

    def _span(self, first: _Lexeme, last: _Lexeme) -> str:
        return self._text[first.start : last.end]


def _in_the_evening(spec: TimeSpec) -> TimeSpec:
    end = None if spec.end is None else _pm(spec.end)
    return replace(spec, start=_pm(spec.start), end=end)


def _pm(clock: Clock) -> Clock:
    if clock.meridiem is None and 1 <= clock.hour <= 11:
        return replace(clock, meridiem="pm")
    return clock
