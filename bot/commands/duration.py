"""English durations: the phrase after `for` ("45m", "1h30", "half an hour") and after `in`.

`parse_duration(text)` reads a meeting length, which must be whole minutes, more than 0 and at
most `MAX_DURATION`; `duration_minutes(text)` reads the same phrases without those limits, for
offsets such as "in 2 hours". Chinese durations live in `bot.commands.when_zh`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from fractions import Fraction

from bot.commands.model import ParseError, ParseErrorKind

MAX_DURATION = timedelta(hours=24)

_DURATION_PHRASES = {
    "an hour": 60,
    "a hour": 60,
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
# Words that make a phrase after "for" a time rather than a mistyped duration ("for 3 Dec").
_TIME_WORDS = frozenset(
    {
        *("am", "pm", "noon", "midnight", "next", "today", "tomorrow", "tmrw", "tonight"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("jan", "january", "feb", "february", "mar", "march", "apr", "april", "may"),
        *("jun", "june", "jul", "july", "aug", "august", "sep", "sept", "september"),
        *("oct", "october", "nov", "november", "dec", "december", "of"),
    }
)


def parse_duration(text: str) -> timedelta | ParseError | None:
    """The duration `text` spells, BAD_DURATION if it tries and fails, None if it is no duration.

    Accepts "45m", "45 mins", "1h", "2 hours", "1h30m", "1h30", "1.5h", "90 minutes", "an hour",
    "half an hour" and the like; the result must be whole minutes, more than 0 and at most 24h.
    """
    phrase = " ".join(text.casefold().split())
    minutes = duration_minutes(phrase)
    if minutes is None:
        return ParseError(ParseErrorKind.BAD_DURATION, text) if _attempted(phrase) else None
    return checked_duration(minutes, text)


def checked_duration(minutes: int, text: str) -> timedelta | ParseError:
    """`minutes` as a meeting length, or BAD_DURATION (reporting `text`) when out of range."""
    duration = timedelta(minutes=minutes)
    if not timedelta(0) < duration <= MAX_DURATION:
        return ParseError(ParseErrorKind.BAD_DURATION, text)
    return duration


def duration_minutes(text: str) -> int | None:
    """The whole minutes an English duration phrase spells, with no range check."""
    phrase = " ".join(text.casefold().split())
    minutes = _DURATION_PHRASES.get(phrase)
    return _numeric_minutes(phrase) if minutes is None else minutes


def _numeric_minutes(phrase: str) -> int | None:
    match = _DURATION.fullmatch(phrase)
    if match is None:
        return None
    if match["minutes"] is not None:
        return int(match["minutes"])
    hours = _hours(match["hours"])
    if match["extra"] is not None:
        extra = int(match["extra"])
        if hours.denominator != 1 or extra > 59:
            return None
        return int(hours) * 60 + extra
    minutes = hours * 60
    return int(minutes) if minutes.denominator == 1 else None


def _hours(text: str) -> Fraction | int:
    """The hours "2", "1.5" or "1,5" spell, exactly: whole ones as an int, which is cheaper."""
    return int(text) if text.isdecimal() else Fraction(text.replace(",", "."))


def _attempted(phrase: str) -> bool:
    if not phrase:
        return True  # a dangling "for"
    match = _DURATION_ATTEMPT.fullmatch(phrase)
    if match is None or _CLOCK_TIME.fullmatch(phrase):
        return False
    word = match["word"]
    return word is None or word not in _TIME_WORDS
