"""The schedule form: subject, date, start time, length, repeat, place, invitees and agenda as
card inputs.

Its one button sends `ScheduleForm` (`cards.actions`): the client merges the input values
under their ids: "subject", "date" (YYYY-MM-DD), "time" (HH:MM), "duration" (minutes, one of
`DURATION_CHOICES`), "repeat" (one of `REPEAT_CHOICES`), "repeatUntil" (YYYY-MM-DD, optional),
"place" (places and a room address, `;`-separated), "attendees" and "optional"
(comma-separated emails) and "agenda" (several lines). When the input cannot be used,
the bot sends the form again with `error` and `FormDefaults.from_form(submitted)`, so nothing
the user typed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from microsoft_teams.cards import (
    CardElement,
    Choice,
    ChoiceSetInput,
    DateInput,
    SubmitAction,
    TextBlock,
    TextInput,
    TimeInput,
)

from bot.i18n import Catalog
from cards.actions import ScheduleForm
from cards.schema import dump_card, new_card
from cards.text import SUBJECT_LIMIT, clean, display_text, truncate

DURATION_CHOICES = (15, 30, 45, 60, 90, 120)  # minutes
DEFAULT_DURATION = "30"
ATTENDEES_LIMIT = 2000
# "weekly" repeats on the start's weekday, "monthly" on its day of the month; the titles are
# the catalog's `form_repeat_choices`, in this order.
REPEAT_CHOICES = ("none", "daily", "weekdays", "weekly", "monthly")
NO_REPEAT = REPEAT_CHOICES[0]
PLACE_LIMIT = 500
AGENDA_LIMIT = 2000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


@dataclass(frozen=True, slots=True)
class FormDefaults:
    """Values to fill the form with, as the inputs hold them (all strings, blank = none)."""

    subject: str = ""
    date: str = ""  # YYYY-MM-DD
    time: str = ""  # HH:MM, 24-hour
    duration_minutes: str = DEFAULT_DURATION
    attendees: str = ""  # comma-separated emails
    repeat: str = NO_REPEAT  # one of REPEAT_CHOICES
    repeat_until: str = ""  # YYYY-MM-DD
    place: str = ""  # `;`-separated
    optional: str = ""  # comma-separated emails
    agenda: str = ""  # several lines

    @classmethod
    def starting_at(cls, now: datetime) -> FormDefaults:
        """An empty form whose date and time are the next full or half hour after `now` (in
        `now`'s zone, so 23:50 gives tomorrow 00:00)."""
        start = next_half_hour(now)
        return cls(date=start.date().isoformat(), time=f"{start.hour:02d}:{start.minute:02d}")

    @classmethod
    def from_form(cls, form: ScheduleForm) -> FormDefaults:
        """The defaults that show a submitted form again."""
        return cls(
            subject=form.subject,
            date=form.date,
            time=form.time,
            duration_minutes=form.duration or DEFAULT_DURATION,
            attendees=form.attendees,
            repeat=form.repeat or NO_REPEAT,
            repeat_until=form.repeat_until,
            place=form.place,
            optional=form.optional,
            agenda=form.agenda,
        )


def next_half_hour(now: datetime) -> datetime:
    """The first :00 or :30 strictly after `now`, seconds dropped."""
    floor = now.replace(minute=now.minute - now.minute % 30, second=0, microsecond=0)
    return floor + timedelta(minutes=30)


def schedule_form_card(
    catalog: Catalog,
    *,
    today: date,
    zone_label: str,
    defaults: FormDefaults | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    """The schedule form as Adaptive Card 1.5 JSON.

    `today` is the date preset when `defaults` has no valid one; `zone_label` names the zone the
    date and time are read in; `error` (plain text) is shown first, in red, when the form is
    sent again because its input could not be used.
    """
    values = defaults or FormDefaults()
    body: list[CardElement] = []
    if error and (shown := display_text(error)):
        body.append(TextBlock(text=shown, color="Attention", weight="Bolder", wrap=True))
    body += [
        TextBlock(text=catalog.form_title, weight="Bolder", size="Medium", wrap=True),
        TextInput(
            id="subject",
            label=catalog.form_subject_label,
            placeholder=catalog.form_subject_placeholder,
            is_required=True,
            error_message=catalog.form_subject_required,
            max_length=SUBJECT_LIMIT,
            value=_input_text(values.subject, SUBJECT_LIMIT),
        ),
        DateInput(
            id="date",
            label=catalog.form_date_label,
            is_required=True,
            error_message=catalog.form_date_required,
            value=values.date if _valid_date(values.date) else today.isoformat(),
        ),
        TimeInput(
            id="time",
            label=catalog.form_time_label,
            is_required=True,
            error_message=catalog.form_time_required,
            value=values.time if _HH_MM.fullmatch(values.time) else None,
        ),
        TextBlock(
            text=display_text(catalog.zone_note.format(zone=zone_label)),
            size="Small",
            is_subtle=True,
            wrap=True,
        ),
        ChoiceSetInput(
            id="duration",
            label=catalog.form_duration_label,
            style="compact",
            is_required=True,
            error_message=catalog.form_duration_required,
            choices=[
                Choice(title=duration_label(minutes, catalog), value=str(minutes))
                for minutes in DURATION_CHOICES
            ],
            value=_duration_value(values.duration_minutes),
        ),
        ChoiceSetInput(
            id="repeat",
            label=catalog.form_repeat_label,
            style="compact",
            # No value when it does not repeat: the placeholder says so, and a blank submit
            # is read as no repeat.
            placeholder=catalog.form_repeat_choices[0],
            choices=[
                Choice(title=title, value=value)
                for value, title in zip(REPEAT_CHOICES, catalog.form_repeat_choices, strict=True)
            ],
            value=_repeat_value(values.repeat),
        ),
        DateInput(
            id="repeatUntil",
            label=catalog.form_repeat_until_label,
            value=values.repeat_until if _valid_date(values.repeat_until) else None,
        ),
        _text_input(
            "place",
            catalog.form_place_label,
            catalog.form_place_placeholder,
            values.place,
            PLACE_LIMIT,
        ),
        _text_input(
            "attendees",
            catalog.form_attendees_label,
            catalog.form_attendees_placeholder,
            values.attendees,
            ATTENDEES_LIMIT,
        ),
        _text_input(
            "optional",
            catalog.form_optional_label,
            catalog.form_optional_placeholder,
            values.optional,
            ATTENDEES_LIMIT,
        ),
        TextInput(
            id="agenda",
            label=catalog.form_agenda_label,
            placeholder=catalog.form_agenda_placeholder,
            is_multiline=True,
            max_length=AGENDA_LIMIT,
            value=_agenda_text(values.agenda),
        ),
    ]
    submit = SubmitAction(title=catalog.form_submit, style="positive", data=ScheduleForm().data())
    return _integral_numbers(dump_card(new_card(body, [submit])))


def duration_label(minutes: int, catalog: Catalog) -> str:
    """ "45 min", "1 h 30 min" / "45分钟", "1小时30分钟"."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return catalog.duration_minutes.format(minutes=rest)
    if not rest:
        return catalog.duration_hours.format(hours=hours)
    return catalog.duration_hours_minutes.format(hours=hours, minutes=rest)


def _text_input(input_id: str, label: str, placeholder: str, text: str, limit: int) -> TextInput:
    """A one-line input whose value, as given back, fits the length it allows."""
    return TextInput(
        id=input_id,
        label=label,
        placeholder=placeholder,
        max_length=limit,
        value=_input_text(text, limit),
    )


def _input_text(text: str, limit: int) -> str | None:
    # An input's value is not markdown: escaping would put backslashes into what the user
    # edits and submits. Control characters and excess length still go.
    return truncate(clean(text), limit) or None


def _agenda_text(text: str) -> str | None:
    # Lines are kept (it is a multiline input); each is cleaned as a one-line input is.
    lines = [clean(line) for line in text.splitlines()]
    return truncate("\n".join(lines).strip(), AGENDA_LIMIT) or None


def _repeat_value(text: str) -> str | None:
    return text if text in REPEAT_CHOICES and text != NO_REPEAT else None


def _valid_date(text: str) -> bool:
    if not _ISO_DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _duration_value(text: str) -> str:
    return text if text in {str(minutes) for minutes in DURATION_CHOICES} else DEFAULT_DURATION


def _integral_numbers(card: dict[str, Any]) -> dict[str, Any]:
    # The card models type maxLength as float; clients expect an integer ("255", not "255.0").
    for element in card["body"]:
        if isinstance(element.get("maxLength"), float):
            element["maxLength"] = int(element["maxLength"])
    return card
