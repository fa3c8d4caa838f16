"""Time expressions and durations, resolved against the sender's own clock.

Two pure stages:

* `scan_when(text)` reads the syntax of a time expression ("tomorrow at 3pm", "3-4pm fri",
  "2026-12-03 15:00") into a `WhenSpec`, or returns None when the text is not one. It accepts
  out-of-range values ("25pm") so that they can be reported rather than left in the subject.
* `resolve_when(spec, now, duration)` turns a `WhenSpec` into aware start/end datetimes in
  `now`'s zone, or a `ParseError`.

`parse_duration(text)` reads the phrase after `for`.

Rules chosen where the phrasing is open:

* A weekday ("fri") is its next occurrence strictly after today; "today" must be written out.
* "next <weekday>" is that weekday in the following Monday-to-Sunday week (ISO weeks): on a
  Wednesday "next fri" is 9 days out and "next mon" 5; on a Sunday "next mon" is tomorrow.
* A bare hour ("tomorrow 3") is never guessed: AMBIGUOUS_TIME. "3:30" without am/pm is 24-hour.
* "midnight" is 00:00 at the start of the named day; as the end of a range it is the next midnight.
* In a range one side may omit am/pm and borrows it from the other ("3-4pm"), flipped when that
  would end before it starts ("11-1pm" is 11am-1pm). Otherwise an end not after the start is
  BAD_TIME: ranges do not cross midnight except to end exactly at it.
* Wall-clock times are built with fold=0; a time in a spring-forward gap moves forward by the gap
  (02:30 -> 03:30), an ambiguous fall-back time is its first occurrence. Durations are added in
  absolute time, so "for 1h" is one real hour even across a DST change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction
from typing import Literal

from bot.commands.model import ParseError, ParseErrorKind

MAX_DURATION = timedelta(hours=24)

Meridiem = Literal["am", "pm"]

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
_RELATIVE_DAYS = {"today": 0, "tomorrow": 1, "tmrw": 1}
_CONNECTORS = {"at": "time", "on": "day"}  # which part each connector introduces

# Words that make a phrase after "for" a time rather than a mistyped duration ("for 3pm").
_TIME_WORDS = frozenset({"am", "pm", "noon", "midnight", "next", *_WEEKDAYS, *_RELATIVE_DAYS})


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as written: `minute` is None for "3pm", `meridiem` None for "15:00"."""

    hour: int
    minute: int | None
    meridiem: Meridiem | None
    text: str

    @property
    def is_bare(self) -> bool:
        """A lone number ("3"): which hour it means has to be asked."""
        return self.minute is None and self.meridiem is None


@dataclass(frozen=True, slots=True)
class RelativeDay:
    """A day counted from today: "today" is offset 0, "tomorrow" 1."""

    offset: int
    text: str


@dataclass(frozen=True, slots=True)
class Weekday:
    """A weekday, Monday 0: "fri" (`following_week` False) or "next fri" (True)."""

    weekday: int
    following_week: bool
    text: str


@dataclass(frozen=True, slots=True)
class IsoDate:
    """An ISO date such as "2026-12-03", not yet checked for being a real date."""

    text: str


DaySpec = RelativeDay | Weekday | IsoDate


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A single time, or a range when `end` is set."""

    start: Clock
    end: Clock | None
    text: str


@dataclass(frozen=True, slots=True)
class WhenSpec:
    """The syntax of a time expression; at least one of `day` and `time` is set."""

    day: DaySpec | None
    time: TimeSpec | None
    text: str


# --- scanning ---------------------------------------------------------------------------------

_BOUNDARY = r"(?=[\s,\-–—]|$)"
_LEXEME = re.compile(
    rf"""
      (?P<skip>[\s,]+)
    | (?P<date>\d{{4}}-\d{{2}}-\d{{2}}){_BOUNDARY}
    | (?P<clock>(?P<hour>\d{{1,2}})(?:[:.](?P<minute>\d{{2}}))?
                (?:\s?(?P<mer>[ap])\.?m\.?)?){_BOUNDARY}
    | (?P<dash>[-–—])
    | (?P<word>[^\W\d_]+){_BOUNDARY}
    """,
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Lexeme:
    kind: Literal["clock", "day", "weekday", "next", "connector", "dash"]
    start: int
    end: int
    clock: Clock | None = None
    day: DaySpec | None = None
    word: str = ""


def scan_when(text: str) -> WhenSpec | None:
    """Read `text` as a whole time expression, or return None if it is not one."""
    lexemes = _lex(text)
    if not lexemes:
        return None
    return _Grammar(text, lexemes).when()


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
    if match["date"] is not None:
        return _Lexeme("day", start, end, day=IsoDate(text))
    if match["clock"] is not None:
        minute = None if match["minute"] is None else int(match["minute"])
        meridiem = _meridiem(match["mer"])
        return _Lexeme("clock", start, end, clock=Clock(int(match["hour"]), minute, meridiem, text))
    if match["dash"] is not None:
        return _Lexeme("dash", start, end)
    return _word_lexeme(text, start, end)


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
        return _Lexeme("day", start, end, day=RelativeDay(_RELATIVE_DAYS[word], text))
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


# --- resolving --------------------------------------------------------------------------------


def resolve_when(
    spec: WhenSpec, now: datetime, duration: timedelta
) -> tuple[datetime, datetime] | ParseError:
    """Resolve `spec` to (start, end) in `now`'s zone; `duration` applies to single times."""
    zone = _zone(now)
    if spec.time is None:
        assert spec.day is not None  # scan_when guarantees one of the two
        return ParseError(ParseErrorKind.MISSING_TIME, spec.day.text)
    times = _times(spec.time)
    if isinstance(times, ParseError):
        return times
    day = resolve_day(spec.day, now.date()) if spec.day is not None else now.date()
    if day is None:
        assert spec.day is not None
        return ParseError(ParseErrorKind.BAD_TIME, spec.day.text)
    start = wall_clock(day, times[0], zone)
    if start.astimezone(UTC) < now.astimezone(UTC):
        return ParseError(ParseErrorKind.TIME_IN_PAST, spec.text)
    end = _range_end(day, times, zone) if spec.time.end else add_absolute(start, duration)
    return start, end


def _zone(now: datetime) -> tzinfo:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    return now.tzinfo


def resolve_day(spec: DaySpec, today: date) -> date | None:
    """The date `spec` names relative to `today`; None for an impossible ISO date."""
    match spec:
        case RelativeDay(offset=offset):
            return today + timedelta(days=offset)
        case Weekday(weekday=weekday, following_week=following_week):
            if following_week:
                monday_next_week = today + timedelta(days=7 - today.weekday())
                return monday_next_week + timedelta(days=weekday)
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        case IsoDate(text=text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                return None


def _times(spec: TimeSpec) -> tuple[time, time | None] | ParseError:
    if spec.end is None:
        single = to_time(spec.start)
        return single if isinstance(single, ParseError) else (single, None)
    return _range_times(spec.start, spec.end, spec.text)


def to_time(clock: Clock) -> time | ParseError:
    """The time of day `clock` means; bare hours are ambiguous, out-of-range values bad."""
    minute = clock.minute or 0
    if minute > 59:
        return ParseError(ParseErrorKind.BAD_TIME, clock.text)
    if clock.is_bare:
        kind = ParseErrorKind.AMBIGUOUS_TIME if clock.hour <= 23 else ParseErrorKind.BAD_TIME
        return ParseError(kind, clock.text)
    if clock.meridiem is None:
        return time(clock.hour, minute) if clock.hour <= 23 else _bad(clock)
    if not 1 <= clock.hour <= 12:
        return _bad(clock)
    return time(clock.hour % 12 + (12 if clock.meridiem == "pm" else 0), minute)


def _bad(clock: Clock) -> ParseError:
    return ParseError(ParseErrorKind.BAD_TIME, clock.text)


def _range_times(first: Clock, second: Clock, text: str) -> tuple[time, time] | ParseError:
    # Every reading shares the hours and minutes, so an invalid value fails them all alike.
    for start_clock, end_clock in _meridiem_candidates(first, second):
        start, end = to_time(start_clock), to_time(end_clock)
        if isinstance(start, ParseError):
            return start
        if isinstance(end, ParseError):
            return end
        if end > start or (end == time(0) and start != time(0)):
            return start, end
    return ParseError(ParseErrorKind.BAD_TIME, text)


def _meridiem_candidates(first: Clock, second: Clock) -> list[tuple[Clock, Clock]]:
    """Readings of a range where one side borrows am/pm from the other ("3-4pm")."""
    if first.meridiem is None and second.meridiem is not None and 1 <= first.hour <= 12:
        return [(_with(first, m), second) for m in _preferring(second.meridiem)]
    if second.meridiem is None and first.meridiem is not None and 1 <= second.hour <= 12:
        return [(first, _with(second, m)) for m in _preferring(first.meridiem)]
    return [(first, second)]


def _preferring(meridiem: Meridiem) -> tuple[Meridiem, Meridiem]:
    return ("am", "pm") if meridiem == "am" else ("pm", "am")


def _with(clock: Clock, meridiem: Meridiem) -> Clock:
    return Clock(clock.hour, clock.minute, meridiem, clock.text)


def _range_end(day: date, times: tuple[time, time | None], zone: tzinfo) -> datetime:
    start, end = times
    assert end is not None
    end_day = day + timedelta(days=1) if end <= start else day  # only ever "...-midnight"
    return wall_clock(end_day, end, zone)


def wall_clock(day: date, at: time, zone: tzinfo) -> datetime:
    """`day` at `at` in `zone`: fold=0, with times in a DST gap moved forward by the gap."""
    # A gap time with fold=0 gets the pre-transition offset; the UTC round trip turns
    # 02:30 PST (which never happens) into 03:30 PDT and leaves every real time unchanged.
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)


def add_absolute(start: datetime, delta: timedelta) -> datetime:
    """`start + delta` in elapsed time (aware `+` is wall-clock arithmetic), in start's zone."""
    return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)


# --- durations --------------------------------------------------------------------------------

_DURATION_PHRASES = {
    "an hour": 60,
    "one hour": 60,
    "half an hour": 30,
    "half hour": 30,
    "a half hour": 30,
    "an hour and a half": 90,
}
_MINUTE_UNIT = r"(?:m|mins?|minutes?)"
_DURATION = re.compile(
    rf"""
      (?P<hours>\d+(?:[.,]\d+)?)\ ?(?:h|hrs?|hours?)
      (?:\ ?(?:and\ )?(?P<extra>\d+)\ ?{_MINUTE_UNIT}?)?
    | (?P<minutes>\d+)\ ?{_MINUTE_UNIT}
    """,
    re.VERBOSE,
)
# A number, maybe with one word: meant as a duration, even if not a valid one ("25h", "45").
_DURATION_ATTEMPT = re.compile(r"[-+]?\d\S*(?: (?P<word>[a-z]+))?")
_CLOCK_TIME = re.compile(r"\d{1,2}(?:[:.]\d{2})? ?[ap]\.?m\.?")


def parse_duration(text: str) -> timedelta | ParseError | None:
    """The duration `text` spells, BAD_DURATION if it tries and fails, None if it is no duration.

    Accepts "45m", "45 mins", "1h", "2 hours", "1h30m", "1h30", "1.5h", "90 minutes", "an hour",
    "half an hour" and the like; the result must be whole minutes, more than 0 and at most 24h.
    """
    phrase = " ".join(text.casefold().split())
    minutes = _DURATION_PHRASES.get(phrase)
    if minutes is None:
        minutes = _numeric_minutes(phrase)
    if minutes is None:
        return ParseError(ParseErrorKind.BAD_DURATION, text) if _attempted(phrase) else None
    duration = timedelta(minutes=minutes)
    if not timedelta(0) < duration <= MAX_DURATION:
        return ParseError(ParseErrorKind.BAD_DURATION, text)
    return duration


def _numeric_minutes(phrase: str) -> int | None:
    match = _DURATION.fullmatch(phrase)
    if match is None:
        return None
    if match["minutes"] is not None:
        return int(match["minutes"])
    hours = Fraction(match["hours"].replace(",", "."))
    if match["extra"] is not None:
        extra = int(match["extra"])
        if hours.denominator != 1 or extra > 59:
            return None
        return int(hours) * 60 + extra
    minutes = hours * 60
    return int(minutes) if minutes.denominator == 1 else None


def _attempted(phrase: str) -> bool:
    if not phrase:
        return True  # a dangling "for"
    match = _DURATION_ATTEMPT.fullmatch(phrase)
    if match is None or _CLOCK_TIME.fullmatch(phrase):
        return False
    word = match["word"]
    return word is None or word not in _TIME_WORDS
