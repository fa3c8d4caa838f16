"""`parse_action`: every payload the cards write parses back to the same action; anything else is
an `ActionProblem` that still names the `for` it carried."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cards.actions import (
    NO_REMINDER,
    ActionProblem,
    ActionProblemKind,
    CancelMeeting,
    CancelReminder,
    MakeOnline,
    ScheduleForm,
    SetReminder,
    is_card_action,
    parse_action,
)

USER = "aad-user-1"


@pytest.mark.parametrize(
    "action",
    [
        MakeOnline(event_id="AAMk-1", for_user=USER),
        CancelMeeting(event_id="AAMk-1", for_user=USER, confirm=True, subject="Retro"),
        CancelMeeting(event_id="AAMk-1", for_user=USER, confirm=False, subject="Retro"),
        CancelReminder(reminder_id="r-1", for_user=USER),
    ],
)
def test_what_a_card_writes_parses_back(action: Any) -> None:
    data = action.data()
    assert is_card_action(data)
    assert parse_action(data) == action


def test_a_reminder_choice_and_a_form_come_with_their_inputs() -> None:
    data = SetReminder(reminder_id="r-1", for_user=USER).data()
    assert "minutes" not in data  # the choice set adds it
    parsed = parse_action(data | {"minutes": "15"})
    assert isinstance(parsed, SetReminder) and parsed.lead == timedelta(minutes=15)
    none = parse_action(data | {"minutes": f" {NO_REMINDER} "})
    assert isinstance(none, SetReminder) and none.lead is None
    assert ScheduleForm().data() == {"meetbot": "schedule_form"}
    form = parse_action({"meetbot": "schedule_form", "subject": " Retro ", "date": 20261123})
    assert isinstance(form, ScheduleForm) and (form.subject, form.date) == (" Retro ", "")


@pytest.mark.parametrize(
    "minutes", ["-", "", "1441", "٥", {"m": 5}, 0, True, "5.0"], ids=repr
)  # fmt: skip
def test_a_reminder_choice_outside_the_rule_is_named(minutes: object) -> None:
    value = {"meetbot": "set_reminder", "reminderId": "r-1", "for": USER, "minutes": minutes}
    problem = parse_action(value)
    assert isinstance(problem, ActionProblem)
    assert (problem.kind, problem.for_user) == (ActionProblemKind.BAD_MINUTES, USER)
    assert problem.detail == str(minutes or "").strip()


def test_the_longest_reminder_is_a_day() -> None:
    value = {"meetbot": "set_reminder", "reminderId": "r-1", "for": USER, "minutes": "1440"}
    parsed = parse_action(value)
    assert isinstance(parsed, SetReminder) and parsed.lead == timedelta(days=1)


@pytest.mark.parametrize(
    ("value", "for_user"),
    [
        ({"meetbot": "make_online", "eventId": "  ", "for": USER}, USER),
        ({"meetbot": "make_online", "eventId": 7, "for": USER}, USER),
        ({"meetbot": "make_online", "eventId": "x", "for": [USER]}, None),
        ({"meetbot": "cancel_meeting", "eventId": ["x"], "for": USER, "confirm": True}, USER),
        ({"meetbot": "set_reminder", "reminderId": 7, "for": USER, "minutes": "-"}, USER),
        ({"meetbot": "cancel_reminder", "for": "someone-else"}, "someone-else"),
        ({"meetbot": "unknown", "for": USER}, USER),
        ({"meetbot": 5}, None),
    ],
)
def test_an_unusable_payload_keeps_its_for(value: dict[str, Any], for_user: str | None) -> None:
    assert parse_action(value) == ActionProblem(ActionProblemKind.UNUSABLE, for_user)


def test_ids_are_trimmed_and_only_a_true_confirm_cancels() -> None:
    value = {"meetbot": "cancel_meeting", "eventId": " e-1 ", "for": USER, "confirm": "true"}
    parsed = parse_action(value)
    assert isinstance(parsed, CancelMeeting)
    assert (parsed.event_id, parsed.confirm, parsed.subject) == ("e-1", False, "")
    assert not is_card_action({"eventId": "e-1"}) and not is_card_action("meetbot")
