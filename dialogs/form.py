"""A submitted schedule form: read into a meeting command, and booked.

Teams posts the inputs as strings under their ids (`cards.actions.ScheduleForm`): subject,
date (YYYY-MM-DD), time (HH:MM), duration (minutes), attendees and optional (free text), repeat
(a choice), repeatUntil (YYYY-MM-DD), place and agenda. Anything unusable becomes a
`FormProblem` naming the field, and the form comes back with what the user typed, so nothing
is lost. Every limit the card's inputs state is checked here again: a forged submit is held to
it.

The repeat choices become a `Repeat` as Outlook books them: "weekly" on the start's weekday,
"weekdays" weekly on Monday to Friday, "monthly" on the start's day of the month; an end date
is the series' last day. In the place field, `;` (or the full-width `；` a Chinese keyboard types)
separates places; an email address is the room (at most one), any other text a place.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.commands import MeetCommand, Repeat, RepeatType, is_email
from bot.commands.when import add_absolute, wall_clock
from cards import FormDefaults, schedule_form_card
from cards.actions import ScheduleForm
from cards.recurrence import DAYS
from cards.schedule_form import (
    AGENDA_LIMIT,
    ATTENDEES_LIMIT,
    NO_REPEAT,
    PLACE_LIMIT,
    REPEAT_CHOICES,
)
from cards.text import SUBJECT_LIMIT, clean, truncate
from dialogs.meet import MeetingFlow, Reply, Requester

MAX_SUBJECT = SUBJECT_LIMIT
MAX_ATTENDEES = 100  # people invited from one form; the form's own field holds about 50 addresses
MAX_PLACES = 10  # places in the place field, the room included
DETAIL_LIMIT = 80  # of what the user typed, quoted back in the form's error line
_SEPARATORS = re.compile(r"[\s,;]+")
_WORK_WEEK = DAYS[:5]
_PLACE_SEPARATOR = re.compile("[;\uff1b]")  # the ASCII semicolon and the full-width one


@dataclass(frozen=True, slots=True)
class FormProblem:
    field: str  # the input id: "subject", "date", "time", "duration", "attendees", ...
    detail: str  # what the user typed there, cut to DETAIL_LIMIT

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "detail", truncate(self.detail, DETAIL_LIMIT) if self.detail else ""
        )


async def submit_form(
    meetings: MeetingFlow,
    form: ScheduleForm,
    who: Requester,
    *,
    now: datetime,
    form_id: str | None,
    reply: Reply,
) -> None:
    """Book the form's meeting, or `reply` with the form again and what is wrong with it.

    `form_id`: the form card's id (`replyToId`). The booking is keyed on the form card and the
    sender, not the activity: a second submit of the same form (a double click, a resend) gets
    Graph's same event back through transactionId.
    """
    result = read_form(form, now)
    if isinstance(result, FormProblem):
        error = who.catalog.form_invalid.format(detail=result.detail or result.field)
        card = schedule_form_card(
            who.catalog,
            today=now.date(),
            zone_label=who.zone.key,
            defaults=FormDefaults.from_form(form),
            error=error,
        )
        await reply(card)
        return
    if form_id:
        who = dataclasses.replace(who, activity_id=f"form|{form_id}|{who.user_id}")
    await meetings.schedule(result, who, reply)


def read_form(form: ScheduleForm, now: datetime) -> MeetCommand | FormProblem:
    """`now` is the sender's aware clock; the date and time are read in its zone."""
    subject = form.subject.strip()
    if not subject or len(subject) > MAX_SUBJECT:
        return FormProblem("subject", subject)
    try:
        day = date.fromisoformat(form.date.strip())
    except ValueError:
        return FormProblem("date", form.date.strip())
    try:
        at = time.fromisoformat(form.time.strip())
    except ValueError:
        return FormProblem("time", form.time.strip())
    raw_minutes = form.duration.strip() or "30"
    if not (raw_minutes.isascii() and raw_minutes.isdigit()) or not 0 < int(raw_minutes) <= 24 * 60:
        return FormProblem("duration", raw_minutes)
    attendees = _emails("attendees", form.attendees)
    if isinstance(attendees, FormProblem):
        return attendees
    optional = _emails("optional", form.optional)
    if isinstance(optional, FormProblem):
        return optional
    # Someone invited as required is not invited a second time as optional.
    required = {address.casefold() for address in attendees}
    optional = tuple(address for address in optional if address.casefold() not in required)
    place = _places(form.place)
    if isinstance(place, FormProblem):
        return place
    places, room = place
    agenda = _agenda(form.agenda)
    if isinstance(agenda, FormProblem):
        return agenda
    assert now.tzinfo is not None
    start = wall_clock(day, at, now.tzinfo)
    if start < now:
        return FormProblem("time", f"{day.isoformat()} {at.isoformat(timespec='minutes')}")
    repeat = _repeat(form, day)
    if isinstance(repeat, FormProblem):
        return repeat
    end = add_absolute(start, timedelta(minutes=int(raw_minutes)))
    return MeetCommand(
        subject=subject,
        start=start,
        end=end,
        attendees=attendees,
        optional=optional,
        repeat=repeat,
        places=places,
        room=room,
        agenda=agenda,
    )


def _emails(field: str, text: str) -> tuple[str, ...] | FormProblem:
    """A field of email addresses: de-duplicated case-insensitively, order kept."""
    # The form's maxLength binds only honest clients: a forged submit is held to it here.
    raw = text.strip()
    if len(raw) > ATTENDEES_LIMIT:
        return FormProblem(field, raw)
    typed = [a for a in _SEPARATORS.split(raw) if a]
    emails = tuple({a.casefold(): a for a in reversed(typed)}.values())[::-1]
    if len(emails) > MAX_ATTENDEES:
        return FormProblem(field, f"{len(emails)} people")
    bad = [a for a in emails if not is_email(a)]
    if bad:
        return FormProblem(field, bad[0])
    return emails


def _places(text: str) -> tuple[tuple[str, ...], str | None] | FormProblem:
    """The places, in order, and the room: `Conf Room 3; Fourth Coffee; baker@contoso.com`."""
    raw = text.strip()
    if len(raw) > PLACE_LIMIT:
        return FormProblem("place", raw)
    typed = [name for part in _PLACE_SEPARATOR.split(raw) if (name := clean(part))]
    if len(typed) > MAX_PLACES:
        return FormProblem("place", f"{len(typed)} places")
    places: list[str] = []
    room: str | None = None
    for name in typed:
        if "@" not in name:
            if name.casefold() not in {place.casefold() for place in places}:
                places.append(name)
        elif not is_email(name) or (room is not None and room.casefold() != name.casefold()):
            return FormProblem("place", name)  # not an address, or a second room
        elif room is None:
            room = name
    return tuple(places), room


def _agenda(text: str) -> str | FormProblem | None:
    """The agenda's lines as typed, each cleaned of what cannot be seen; None when blank."""
    # A textarea's line breaks may come back as CRLF; the input's maxLength counts one each.
    typed = text.replace("\r\n", "\n").strip()
    if len(typed) > AGENDA_LIMIT:
        return FormProblem("agenda", typed)
    agenda = "\n".join(clean(line) for line in typed.splitlines()).strip()
    return agenda or None


def _repeat(form: ScheduleForm, day: date) -> Repeat | FormProblem | None:
    choice = form.repeat.strip() or NO_REPEAT
    if choice not in REPEAT_CHOICES:
        return FormProblem("repeat", choice)
    raw_until = form.repeat_until.strip()
    until: date | None = None
    if raw_until:
        try:
            until = date.fromisoformat(raw_until)
        except ValueError:
            return FormProblem("repeatUntil", raw_until)
        # An end without a repeat, or before the first meeting, is not what anyone meant.
        if choice == NO_REPEAT or until < day:
            return FormProblem("repeatUntil", raw_until)
    weekday = DAYS[day.weekday()]
    match choice:
        case "daily":
            return Repeat(RepeatType.DAILY, until=until)
        case "weekdays":
            # The first meeting is the series' first occurrence: a weekend start is not one.
            if weekday not in _WORK_WEEK:
                return FormProblem("date", day.isoformat())
            return Repeat(RepeatType.WEEKLY, days_of_week=_WORK_WEEK, until=until)
        case "weekly":
            return Repeat(RepeatType.WEEKLY, days_of_week=(weekday,), until=until)
        case "monthly":
            return Repeat(RepeatType.ABSOLUTE_MONTHLY, day_of_month=day.day, until=until)
    return None


def schedule_form(who: Requester, now: datetime) -> dict[str, Any]:
    """The schedule form card for `schedule`, its fields starting at the next half hour."""
    defaults = FormDefaults.starting_at(now)
    return schedule_form_card(
        who.catalog, today=now.date(), zone_label=who.zone.key, defaults=defaults
    )
