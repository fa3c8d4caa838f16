"""A submitted schedule form: read into a meeting command, and booked.

Teams posts the inputs as strings under their ids (`cards.actions.ScheduleForm`): subject,
date (YYYY-MM-DD), time (HH:MM), duration (minutes) and attendees (free text). Anything
unusable becomes a `FormProblem` naming the field, and the form comes back with what the user
typed, so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.commands import MeetCommand, is_email
from bot.commands.when import add_absolute, wall_clock
from cards import FormDefaults, schedule_form_card
from cards.actions import ScheduleForm
from cards.schedule_form import ATTENDEES_LIMIT
from cards.text import SUBJECT_LIMIT, truncate
from dialogs.meet import MeetingFlow, Reply, Requester

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
    # The form's maxLength binds only honest clients: a forged submit is held to it here.
    raw_attendees = form.attendees.strip()
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
