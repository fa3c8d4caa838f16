"""The syntax of a time expression, as the scanners read it and before it meets a clock.

`bot.commands.when` (English) and `bot.commands.when_zh` (Chinese) produce these values and
`bot.commands.resolve` turns them into aware datetimes. Nothing here is checked yet: "25pm",
"2026-02-30" and "3/12" (which order?) are all representable, so that they can be reported
rather than left in the subject.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, TypeAlias

Meridiem = Literal["am", "pm"]


@dataclass(frozen=True, slots=True)
class Clock:
    """A time of day as written: `minute` is None for "3pm", `meridiem` None for "15:00"."""

    hour: int
    minute: int | None
    meridiem: Meridiem | None
    text: str
    # "3点半": the minutes are given, but not whether it is morning or afternoon.
    needs_meridiem: bool = False

    @property
    def is_bare(self) -> bool:
        """A lone number ("3", "3点"): which hour it means has to be asked."""
        return self.meridiem is None and (self.minute is None or self.needs_meridiem)


@dataclass(frozen=True, slots=True)
class RelativeDay:
    """A day counted from today: "today" is offset 0, "tomorrow" 1, "后天" 2."""

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


@dataclass(frozen=True, slots=True)
class MonthDay:
    """A date with a named or unmistakable month: "Dec 3", "3 December 2026", "12月3日"."""

    month: int
    day: int
    year: int | None  # None: the next such date that is not in the past
    text: str


@dataclass(frozen=True, slots=True)
class NumericDate:
    """A date such as "3/12" whose order (month/day or day/month) depends on the locale."""

    first: int
    second: int
    year: int | None
    text: str


DaySpec: TypeAlias = RelativeDay | Weekday | IsoDate | MonthDay | NumericDate


@dataclass(frozen=True, slots=True)
class TimeSpec:
    """A single time, or a range when `end` is set."""

    start: Clock
    end: Clock | None
    text: str


@dataclass(frozen=True, slots=True)
class WhenSpec:
    """The syntax of a time expression.

    Either `offset` is set ("in 2 hours", "2小时后": counted from now, nothing else), or at
    least one of `day` and `time` is.
    """

    day: DaySpec | None
    time: TimeSpec | None
    text: str
    offset: timedelta | None = None
