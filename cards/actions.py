"""The data of Meetbot's card buttons: one pydantic model per submit payload, and `parse_action`.

A button that talks back to the bot is an Action.Submit whose `data` names the action under
`"meetbot"`; the client merges the card's input values into it. The card builders write `data`
with these models (`model.data()`), and the handler reads a click only through `parse_action`,
so both sides agree on every field by construction:

    schedule_form    ScheduleForm     subject, date, time, duration, attendees, repeat,
                                      repeatUntil, place, optional, agenda (the form's inputs)
    make_online      MakeOnline       eventId, for
    cancel_meeting   CancelMeeting    eventId, for, confirm, subject, scope, seriesId
    move_meeting     MoveMeeting      eventId, seriesId, for, scope, start, end, was, subject
    set_reminder     SetReminder      reminderId, for, minutes (the choice set's input)
    cancel_reminder  CancelReminder   reminderId, for

`for` is the user the button was made for: the handler refuses a click by anyone else, which it
can do for every action but the form (a form is anyone's), so even a payload that is otherwise
unusable keeps the `for` it named (`ActionProblem.for_user`). Ids are non-empty strings (trimmed);
a reminder's minutes are ASCII digits up to a day, or `NO_REMINDER`. A change to a recurring
meeting names its `scope` ("occurrence" or "series") and the series master (`seriesId`); times
are ISO 8601 with their offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic.alias_generators import to_camel

ACTION_KEY = "meetbot"  # the key of `data` that names the action
SCHEDULE_FORM = "schedule_form"
MAKE_ONLINE = "make_online"
CANCEL_MEETING = "cancel_meeting"
MOVE_MEETING = "move_meeting"
SET_REMINDER = "set_reminder"
CANCEL_REMINDER = "cancel_reminder"
NO_REMINDER = "none"  # the choice of no reminder at all
MAX_REMINDER_MINUTES = 24 * 60


def _text_or_blank(value: object) -> str:
    """A form input's text; anything that is not a string counts as left blank."""
    return value if isinstance(value, str) else ""


def _minutes_choice(value: object) -> str:
    return str(value or "").strip()


def _alias(name: str) -> str:
    return "for" if name == "for_user" else to_camel(name)  # `for` is a Python keyword


Id = Annotated[str, Field(strict=True), StringConstraints(strip_whitespace=True, min_length=1)]
FormText = Annotated[str, BeforeValidator(_text_or_blank)]
Scope = Literal["occurrence", "series"]  # `bot.commands.SeriesScope`'s values


class _Submit(BaseModel):
    """One payload: the action's name under `"meetbot"`, the rest under camelCase keys."""

    model_config = ConfigDict(
        alias_generator=_alias, populate_by_name=True, extra="ignore", frozen=True
    )
    INPUTS: ClassVar[frozenset[str]] = frozenset()  # fields the card's inputs fill, not `data`

    def data(self) -> dict[str, Any]:
        """The button's `data`: what the card writes (the inputs add the rest); a field left
        unset (None) is left out."""
        return self.model_dump(
            mode="json", by_alias=True, exclude=set(self.INPUTS), exclude_none=True
        )


class ScheduleForm(_Submit):
    """The schedule form's submit, with its inputs as typed (blank when absent or not text)."""

    INPUTS: ClassVar[frozenset[str]] = frozenset(
        {
            "subject",
            "date",
            "time",
            "duration",
            "attendees",
            "repeat",
            "repeat_until",
            "place",
            "optional",
            "agenda",
        }
    )
    meetbot: Literal["schedule_form"] = "schedule_form"
    subject: FormText = ""
    date: FormText = ""  # YYYY-MM-DD
    time: FormText = ""  # HH:MM
    duration: FormText = ""  # minutes
    attendees: FormText = ""  # emails, comma-separated
    repeat: FormText = ""  # one of cards.schedule_form.REPEAT_CHOICES; blank: none
    repeat_until: FormText = ""  # YYYY-MM-DD, the last day of the series; blank: no end
    place: FormText = ""  # places and at most one room address, `;`-separated
    optional: FormText = ""  # emails of optional attendees, comma-separated
    agenda: FormText = ""  # several lines


class MakeOnline(_Submit):
    meetbot: Literal["make_online"] = "make_online"
    event_id: Id
    for_user: Annotated[str, Field(strict=True)]


class CancelMeeting(_Submit):
    """Both buttons of the cancel confirmation; only `confirm` exactly true cancels."""

    meetbot: Literal["cancel_meeting"] = "cancel_meeting"
    event_id: Id
    for_user: Annotated[str, Field(strict=True)]
    confirm: Annotated[bool, BeforeValidator(lambda value: value is True)] = False
    subject: Annotated[str, BeforeValidator(lambda value: str(value) if value else "")] = ""
    # One meeting of a series (`eventId`, the occurrence) or all of it (`seriesId`, its master).
    scope: Scope | None = None
    series_id: Id | None = None


class MoveMeeting(_Submit):
    """A choice on the "only this one, or the whole series?" card of a move: the occurrence
    `eventId` (which started at `was`) to `start`-`end`, or its series `seriesId` likewise."""

    meetbot: Literal["move_meeting"] = "move_meeting"
    event_id: Id
    series_id: Id
    for_user: Annotated[str, Field(strict=True)]
    scope: Scope
    start: AwareDatetime
    end: AwareDatetime
    was: AwareDatetime
    subject: Annotated[str, BeforeValidator(lambda value: str(value) if value else "")] = ""


class SetReminder(_Submit):
    INPUTS: ClassVar[frozenset[str]] = frozenset({"minutes"})
    meetbot: Literal["set_reminder"] = "set_reminder"
    reminder_id: Id
    for_user: Annotated[str, Field(strict=True)]
    minutes: Annotated[str, BeforeValidator(_minutes_choice)] = ""  # as chosen, trimmed

    @property
    def lead(self) -> timedelta | None:
        """The chosen lead, None for no reminder (`parse_action` accepted the minutes)."""
        return None if self.minutes == NO_REMINDER else timedelta(minutes=int(self.minutes))


class CancelReminder(_Submit):
    meetbot: Literal["cancel_reminder"] = "cancel_reminder"
    reminder_id: Id
    for_user: Annotated[str, Field(strict=True)]


Action = ScheduleForm | MakeOnline | CancelMeeting | MoveMeeting | SetReminder | CancelReminder
_MODELS: dict[str, type[Action]] = {
    str(model.model_fields[ACTION_KEY].default): model
    for model in (ScheduleForm, MakeOnline, CancelMeeting, MoveMeeting, SetReminder, CancelReminder)
}


class ActionProblemKind(Enum):
    UNUSABLE = "unusable"  # no action Meetbot knows, or a field of the wrong shape
    BAD_MINUTES = "bad_minutes"  # a reminder choice outside the rule


@dataclass(frozen=True, slots=True)
class ActionProblem:
    kind: ActionProblemKind
    for_user: str | None  # the `for` the payload named (a string), if any
    detail: str = ""  # BAD_MINUTES: the choice as sent


def is_card_action(value: object) -> bool:
    """Whether an activity's `value` is a click on one of Meetbot's buttons (not text)."""
    return isinstance(value, dict) and ACTION_KEY in value


def parse_action(value: dict[str, Any]) -> Action | ActionProblem:
    """The click's action, or why it cannot be one (`is_card_action(value)` holds)."""
    named = value.get("for")
    for_user = named if isinstance(named, str) else None
    model = _MODELS.get(value[ACTION_KEY]) if isinstance(value[ACTION_KEY], str) else None
    if model is None:
        return ActionProblem(ActionProblemKind.UNUSABLE, for_user)
    try:
        action = model.model_validate(value)
    except ValidationError:
        return ActionProblem(ActionProblemKind.UNUSABLE, for_user)
    if isinstance(action, SetReminder) and not _valid_minutes(action.minutes):
        return ActionProblem(ActionProblemKind.BAD_MINUTES, for_user, action.minutes)
    return action


def _valid_minutes(choice: str) -> bool:
    if choice == NO_REMINDER:
        return True
    return choice.isascii() and choice.isdigit() and int(choice) <= MAX_REMINDER_MINUTES
