"""Reading a submitted schedule form (Action.Submit values) into a meeting command.

Teams posts the inputs as strings under their ids: subject, date (YYYY-MM-DD), time (HH:MM),
duration (minutes) and attendees (free text). Anything unusable becomes a `FormProblem` naming
the field, and the bot re-sends the form with what the user typed, so nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.commands import MeetCommand, is_email
from bot.commands.when import add_absolute, wall_clock
from cards.schedule_form import ATTENDEES_LIMIT
from cards.text import SUBJECT_LIMIT, truncate

MAX_SUBJECT = SUBJECT_LIMIT
MAX_ATTENDEES = 100  # people invited from one form; the form's own field holds about 50 addresses
DETAIL_LIMIT = 80  # of what the user typed, quoted back in the form's error line
_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass(frozen=True, slots=True)
class FormProblem:
    field: str  # the input id: "subject", "date", "time", "duration" or "attendees"
    detail: str  # what the user typed there, cut to DETAIL_LIMIT

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "detail", truncate(self.detail, DETAIL_LIMIT) if self.detail else ""
        )


def read_form(values: dict[str, Any], now: datetime) -> MeetCommand | FormProblem:
    """`now` is the sender's aware clock; the date and time are read in its zone."""
    subject = _text(values, "subject")
    if not subject or len(subject) > MAX_SUBJECT:
        return FormProblem("subject", subject)
    try:
        day = date.fromisoformat(_text(values, "date"))
    except ValueError:
        return FormProblem("date", _text(values, "date"))
    try:
        at = time.fromisoformat(_text(values, "time"))
    except ValueError:
        return FormProblem("time", _text(values, "time"))
    raw_minutes = _text(values, "duration") or "30"
    if not (raw_minutes.isascii() and raw_minutes.isdigit()) or not 0 < int(raw_minutes) <= 24 * 60:
        return FormProblem("duration", raw_minutes)
    # The form's maxLength binds only honest clients: a forged submit is held to it here.
    raw_attendees = _text(values, "attendees")
    if len(raw_attendees) > ATTENDEES_LIMIT:
        return FormProblem("attendees", raw_attendees)
    typed = [a for a in _SEPARATORS.split(raw_attendees) if a]
    attendees = tuple({a.casefold(): a for a in reversed(typed)}.values())[::-1]
    if len(attendees) > MAX_ATTENDEES:
        return FormProblem("attendees", f"{len(attendees)} people")
    bad = [a for a in attendees if not is_email(a)]
    if bad:
        return FormProblem("attendees", bad[0])
    assert now.tzinfo is not None
    start = wall_clock(day, at, now.tzinfo)
    if start < now:
        return FormProblem("time", f"{day.isoformat()} {at.isoformat(timespec='minutes')}")
    end = add_absolute(start, timedelta(minutes=int(raw_minutes)))
    return MeetCommand(subject=subject, start=start, end=end, attendees=attendees)


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""
