"""The repeat clause of a `meet` line: how the meeting repeats, and until when (English; the
Chinese clause is `bot.commands.repeat_zh`).

    clause   := pattern [range] [starting]             (the range may also stand later)
    pattern  := daily | every day | every <n> days | every other day
              | every weekday | every workday | weekdays          (weekly, Monday to Friday)
              | every <days> | every other <day> | weekly [on <days>] | biweekly [on <days>]
              | every (<n> weeks | other week | week) [on <days>]
              | monthly [on <monthday>] | every (<n> months | other month | month) [on <monthday>]
              | [on] [the] <index> <day> of (every | each | the) [<n> | other] month[s]
    days     := <day> {[,] [and | &] <day>}           ("Mon and Wed", "Mondays", "mon, wed, fri")
    monthday := [the] <1..31>[st|nd|rd|th] | day <1..31> | [the] <index> <day>
    index    := first | second | third | fourth | last | 1st | 2nd | 3rd | 4th
    range    := (until | till | through | thru) <date> | for <n> (days | weeks | months)
              | [for] <n> (times | occurrences)
    starting := (starting | beginning) [on | from] | from

"weekly" and "monthly" without a day repeat on the first meeting's weekday or day of the month;
what the first meeting is, and the end of "for 10 weeks", is `bot.commands.series`' business.
`until <date>` is inclusive and a date without a year is the next one not before today ("until
Dec 31"). "for 45m" stays the meeting's length: only days, weeks, months, times and occurrences
make a range.

Like the reminder clause, the repeat clause may stand anywhere after the subject, but only where
nothing follows it save the time, the duration, the attendees and the reminder: "meet Daily
standup every weekday 9am" keeps "Daily standup" as its subject. BAD_REPEAT, with the clause as
typed, is for a clause with an impossible number where a clause would stand ("every 0 weeks",
"monthly on the 32nd", "0 times", "1000 times", "until" and no date), for a second range ("until
Dec 31 10 times") and for "every" after the time that reads as no clause at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from bot.commands.model import ParseError, ParseErrorKind, Repeat, RepeatType, WeekIndex
from bot.commands.repeat_zh import split_repeat_zh
from bot.commands.resolve import resolve_date
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
from bot.commands.when import scan_when

_T = TypeVar("_T")
IsRest = Callable[[str], bool]
Cut = tuple[int, int]  # words [first, stop) taken out of the rest after the pattern

_WORD = re.compile(r"[^\s,]+")  # commas only separate ("mon, wed"), as spaces do
_DAYS = {
    **{name: n for n, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{
        name: n
        for n, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    **{"tues": 1, "thur": 3, "thurs": 3},
}
_DAYS.update({f"{name}s": n for name, n in list(_DAYS.items()) if len(name) > 3})  # "mondays"
_NUMBERS = {
    name: n
    for n, name in enumerate(
        ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    )
}
_INDEXES = {
    **{"first": WeekIndex.FIRST, "second": WeekIndex.SECOND, "third": WeekIndex.THIRD},
    **{"fourth": WeekIndex.FOURTH, "last": WeekIndex.LAST},
    **{"1st": WeekIndex.FIRST, "2nd": WeekIndex.SECOND, "3rd": WeekIndex.THIRD},
    "4th": WeekIndex.FOURTH,
}
_UNITS: dict[str, RepeatType] = {
    **{"day": RepeatType.DAILY, "days": RepeatType.DAILY},
    **{"week": RepeatType.WEEKLY, "weeks": RepeatType.WEEKLY},
    **{"month": RepeatType.ABSOLUTE_MONTHLY, "months": RepeatType.ABSOLUTE_MONTHLY},
}
_SPAN_UNITS: dict[str, SpanUnit] = {
    **{"day": "days", "days": "days", "week": "weeks", "weeks": "weeks"},
    **{"month": "months", "months": "months"},
}
_COUNT_UNITS = frozenset({"time", "times", "occurrence", "occurrences"})
_WORKDAYS = frozenset({"weekday", "workday", "weekdays", "workdays"})
_UNTIL = frozenset({"until", "till", "til", "through", "thru"})
_STARTING = frozenset({"starting", "beginning", "from"})
_MONTH_DAY = re.compile(r"(?P<day>\d{1,3})(?:st|nd|rd|th)?")
_NUMBER = re.compile(r"\d{1,4}")
_MAX_DATE_WORDS = 4  # "Dec 31, 2026" or "31 December 2026"
_PATTERN_STARTS = frozenset(
    {"daily", "weekdays", "weekly", "biweekly", "fortnightly", "monthly", "every", "on", "the"}
)
_REPEAT_STEM = "every"  # after the time, this word is always meant as a repeat
# Most lines hold none of the words a pattern starts with: one search tells, before the split.
_ANY_START = re.compile(
    rf"(?<![^\s,])(?:{'|'.join(sorted(_PATTERN_STARTS))})(?![^\s,])", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class _Read(Generic[_T]):
    """What was read at a word, None if it tried and failed, and the index past it."""

    value: _T | None
    stop: int


@dataclass(frozen=True, slots=True)
class _Range:
    until: date | None = None
    count: int | None = None
    span: Span | None = None


class _Words:
    """`body` split into words, folded, with where each one is."""

    def __init__(self, body: str) -> None:
        self.body = body
        matches = list(_WORD.finditer(body))
        self.spans = [match.span() for match in matches]
        self.folded = [match[0].casefold() for match in matches]

    def __len__(self) -> int:
        return len(self.folded)

    def word(self, index: int) -> str:
        return self.folded[index] if index < len(self.folded) else ""

    def start(self, index: int) -> int:
        return self.spans[index][0] if index < len(self.spans) else len(self.body)

    def end(self, stop: int) -> int:
        """Where the words before `stop` end."""
        return self.spans[stop - 1][1] if stop > 0 else 0

    def text(self, first: int, stop: int) -> str:
        return self.body[self.start(first) : self.end(stop)]


def split_repeat(
    body: str, *, today: date, locale: str | None, is_rest: IsRest, after_time: IsRest
) -> tuple[str, RepeatClause | None] | ParseError:
    """Take the repeat clause out of `body`: the rest of the line and the clause.

    `is_rest(text)`: whether `text` holds only what may follow a clause (time, duration,
    attendees, reminder); `after_time(text)`: whether `text` ends in the time.
    """
    english = _split_english(body, today, locale, is_rest, after_time)
    if isinstance(english, ParseError) or english[1] is not None:
        return english
    return split_repeat_zh(body, today=today, locale=locale, is_rest=is_rest)


def _split_english(
    body: str, today: date, locale: str | None, is_rest: IsRest, after_time: IsRest
) -> tuple[str, RepeatClause | None] | ParseError:
    if _ANY_START.search(body) is None:
        return body, None
    words = _Words(body)
    for index, word in enumerate(words.folded):
        if word not in _PATTERN_STARTS:
            continue
        read = _pattern(words, index)
        if read is None:
            continue
        found = _clause(words, index, read, today=today, locale=locale, is_rest=is_rest)
        if found is not None:
            return found
    for index, word in enumerate(words.folded):
        if word == _REPEAT_STEM and index > 0 and after_time(body[: words.start(index)]):
            return ParseError(ParseErrorKind.BAD_REPEAT, body[words.start(index) :])
    return body, None


def _clause(
    words: _Words,
    index: int,
    read: _Read[Repeat],
    *,
    today: date,
    locale: str | None,
    is_rest: IsRest,
) -> tuple[str, RepeatClause] | ParseError | None:
    """The clause the pattern at `index` starts, if what follows it is the rest of a line."""
    head = words.body[: words.start(index)].rstrip()
    ranges = _ranges(words, read.stop, today, locale)
    if len(ranges) > 1:  # "until Dec 31 10 times": one end too many, if that is all
        rest = " ".join(words.body[a:b].strip() for a, b in _kept(words, read.stop, ranges))
        if is_rest(rest):
            return ParseError(ParseErrorKind.BAD_REPEAT, words.text(*ranges[1]))
    for found_range, cuts in _layouts(words, read.stop, ranges):
        rest = " ".join(words.body[a:b].strip() for a, b in _kept(words, read.stop, cuts))
        if not is_rest(rest):
            continue
        text = words.text(index, read.stop)
        if read.value is None:
            return ParseError(ParseErrorKind.BAD_REPEAT, text)
        if found_range is None:
            return " ".join(f"{head} {rest}".split()), RepeatClause(read.value, text)
        extent = _range(words, found_range[0], today, locale)
        said = words.text(*found_range)
        if extent is None or extent.value is None:
            return ParseError(ParseErrorKind.BAD_REPEAT, said)
        repeat = with_end(read.value, until=extent.value.until, count=extent.value.count)
        clause = RepeatClause(repeat, said, extent.value.span)
        return " ".join(f"{head} {rest}".split()), clause
    return None


def _ranges(words: _Words, after: int, today: date, locale: str | None) -> list[Cut]:
    """The ranges after word `after`, each starting after the one before ends."""
    ranges: list[Cut] = []
    first = after
    while first < len(words):
        found = _range(words, first, today, locale)
        if found is None:
            first += 1
            continue
        ranges.append((first, found.stop))
        first = found.stop
    return ranges


def _layouts(
    words: _Words, after: int, ranges: list[Cut]
) -> Iterator[tuple[Cut | None, list[Cut]]]:
    """Ways the words after the pattern may hold one of `ranges` and a `starting` word: the
    range (or None) and every cut, the range right after the pattern first."""
    starts = [i for i in range(after, len(words)) if words.word(i) in _STARTING]
    for found_range in [*ranges, None]:
        for start in [*starts, None]:
            cuts = [] if found_range is None else [found_range]
            if start is not None:
                if found_range is not None and found_range[0] <= start < found_range[1]:
                    continue
                stop = start + 1
                if words.word(stop) in {"on", "from"} and words.word(start) != "from":
                    stop += 1
                cuts.append((start, stop))
            yield found_range, sorted(cuts)


def _kept(words: _Words, after: int, cuts: list[Cut]) -> Iterator[Cut]:
    """The character spans after word `after` that the cuts leave."""
    position = words.start(after)
    for first, stop in cuts:
        yield position, words.start(first)
        position = words.end(stop)
    yield position, len(words.body)


# --- the pattern ------------------------------------------------------------------------------


def _pattern(words: _Words, index: int) -> _Read[Repeat] | None:
    word = words.word(index)
    if word == "daily":
        return _Read(Repeat(RepeatType.DAILY), index + 1)
    if word == "weekdays":
        return _Read(Repeat(RepeatType.WEEKLY, days_of_week=WORKWEEK), index + 1)
    if word == "weekly":
        return _weekly(words, index + 1, 1)
    if word in {"biweekly", "fortnightly"}:
        return _weekly(words, index + 1, 2)
    if word == "monthly":
        return _monthly(words, index + 1, 1)
    if word == "every":
        return _every(words, index + 1)
    return _relative(words, index)


def _every(words: _Words, index: int) -> _Read[Repeat] | None:
    word = words.word(index)
    if word in _WORKDAYS:
        return _Read(Repeat(RepeatType.WEEKLY, days_of_week=WORKWEEK), index + 1)
    if word == "business" and words.word(index + 1) in {"day", "days"}:
        return _Read(Repeat(RepeatType.WEEKLY, days_of_week=WORKWEEK), index + 2)
    days = _days(words, index)
    if days is not None:
        return _Read(Repeat(RepeatType.WEEKLY, days_of_week=days[0]), days[1])
    if word == "other":
        days = _days(words, index + 1)
        if days is not None:
            return _Read(Repeat(RepeatType.WEEKLY, 2, days_of_week=days[0]), days[1])
        return _unit(words, index + 1, 2, plural=False)
    interval = _number(word)
    if interval is not None:
        return _unit(words, index + 1, interval, plural=True)
    return _unit(words, index, 1, plural=False)


def _unit(words: _Words, index: int, interval: int, *, plural: bool) -> _Read[Repeat] | None:
    """`day`, `weeks [on <days>]`, `month [on <monthday>]` after `every`, `every other` or
    `every <n>`: an impossible interval is still read, to be reported."""
    word = words.word(index)
    unit = _UNITS.get(word)
    if unit is None or (word.endswith("s") and not plural):
        return None
    if not 0 < interval <= MAX_INTERVAL:
        return _Read(None, index + 1)
    if unit == RepeatType.DAILY:
        return _Read(Repeat(RepeatType.DAILY, interval), index + 1)
    if unit == RepeatType.WEEKLY:
        return _weekly(words, index + 1, interval)
    return _monthly(words, index + 1, interval)


def _weekly(words: _Words, index: int, interval: int) -> _Read[Repeat]:
    on = index + 1 if words.word(index) == "on" else index
    days = _days(words, on)
    if days is None:
        return _Read(Repeat(RepeatType.WEEKLY, interval), index)
    return _Read(Repeat(RepeatType.WEEKLY, interval, days_of_week=days[0]), days[1])


def _monthly(words: _Words, index: int, interval: int) -> _Read[Repeat]:
    plain = _Read(Repeat(RepeatType.ABSOLUTE_MONTHLY, interval), index)
    if words.word(index) != "on":
        return plain
    at = index + 2 if words.word(index + 1) == "the" else index + 1
    if words.word(at) == "day" and words.word(at - 1) != "the":
        at += 1  # "on day 15"
    match = _MONTH_DAY.fullmatch(words.word(at))
    if match is not None:
        day = int(match["day"])
        if not 1 <= day <= 31:
            return _Read(None, at + 1)
        return _Read(Repeat(RepeatType.ABSOLUTE_MONTHLY, interval, day_of_month=day), at + 1)
    index_day = _index_day(words, at)
    if index_day is None:
        return plain
    week_index, weekday, stop = index_day
    repeat = Repeat(RepeatType.RELATIVE_MONTHLY, interval, days_of_week=weekday, index=week_index)
    return _Read(repeat, stop)


def _relative(words: _Words, index: int) -> _Read[Repeat] | None:
    """`[on] [the] <index> <day> of (every | each | the) [<n> | other] month[s]`."""
    at = index + 1 if words.word(index) == "on" else index
    at = at + 1 if words.word(at) == "the" else at
    index_day = _index_day(words, at)
    if index_day is None or words.word(index_day[2]) != "of":
        return None
    week_index, weekday, stop = index_day
    quantifier = words.word(stop + 1)
    if quantifier not in {"every", "each", "the"}:
        return None
    interval, unit_at = 1, stop + 2
    if quantifier == "every" and words.word(unit_at) == "other":
        interval, unit_at = 2, unit_at + 1
    elif quantifier == "every" and (number := _number(words.word(unit_at))) is not None:
        interval, unit_at = number, unit_at + 1
    if words.word(unit_at) not in {"month", "months"}:
        return None
    if not 0 < interval <= MAX_INTERVAL:
        return _Read(None, unit_at + 1)
    repeat = Repeat(RepeatType.RELATIVE_MONTHLY, interval, days_of_week=weekday, index=week_index)
    return _Read(repeat, unit_at + 1)


def _index_day(words: _Words, index: int) -> tuple[WeekIndex, tuple[str, ...], int] | None:
    week_index = _INDEXES.get(words.word(index))
    day = _DAYS.get(words.word(index + 1))
    if week_index is None or day is None:
        return None
    return week_index, week_days({day}), index + 2


def _days(words: _Words, index: int) -> tuple[tuple[str, ...], int] | None:
    """The weekdays named from word `index` on, and the index past them."""
    first = _DAYS.get(words.word(index))
    if first is None:
        return None
    days, stop = {first}, index + 1
    while True:
        joined = stop + 1 if words.word(stop) in {"and", "&"} else stop
        day = _DAYS.get(words.word(joined))
        if day is None:
            return week_days(days), stop
        days.add(day)
        stop = joined + 1


def _number(word: str) -> int | None:
    if _NUMBER.fullmatch(word):
        return int(word)
    return _NUMBERS.get(word)


# --- the range --------------------------------------------------------------------------------


def _range(words: _Words, index: int, today: date, locale: str | None) -> _Read[_Range] | None:
    word = words.word(index)
    if word in _UNTIL:
        return _until(words, index + 1, today, locale)
    at = index + 1 if word == "for" else index
    amount = _number(words.word(at))
    unit = words.word(at + 1)
    if amount is None:
        return None
    if unit in _COUNT_UNITS:
        count_ok = 0 < amount <= MAX_COUNT
        return _Read(_Range(count=amount) if count_ok else None, at + 2)
    span_unit = _SPAN_UNITS.get(unit)
    if span_unit is None or word != "for":
        return None
    span_ok = 0 < amount <= MAX_COUNT
    return _Read(_Range(span=Span(amount, span_unit)) if span_ok else None, at + 2)


def _until(words: _Words, index: int, today: date, locale: str | None) -> _Read[_Range]:
    """The date after `until`, the longest that reads; a bad one runs to the end of the line."""
    for count in range(min(_MAX_DATE_WORDS, len(words) - index), 0, -1):
        spec = scan_when(words.text(index, index + count))
        if spec is None or spec.day is None or spec.time is not None or spec.offset:
            continue
        day = resolve_date(spec.day, today, locale)
        return _Read(None if isinstance(day, ParseError) else _Range(until=day), index + count)
    return _Read(None, len(words))
